#!/usr/bin/env python3
"""Crash test with uploads (position papers): no acknowledged file lost, none half-written, no orphan.

The real server (`consult serve`) runs on a fresh database in a temporary folder. Client
threads each loop: upload a PDF of random size (20 KB to 3 MB, random bytes between a PDF
header and trailer) to the `position-papers` survey, then submit answers naming it with the
upload's token. After a random delay the server is killed with SIGKILL and started again on
the same database. Then:

- every upload that got its 201 is in the database whole: `length(content)` is its size and
  the SHA-256 of `content` is the hash the upload returned (and the row's `sha256`);
- every submission that got its 201 reads back over HTTP with its edit token naming its file,
  and in the database that file is bound to it (`submission_seq`) with the right bytes;
- no attachment row anywhere is half-written (each row's content hashes to its `sha256`),
  none is bound to a missing submission, no spool file is left beside the database, and
  `PRAGMA integrity_check` says "ok".

Usage: Scripts/fault/upload_crash_test.py [--consult PATH] [--kills N] [--clients C] [--seed S] [--keep]
Prints one line per kill, then `uploads: N kills survived, U uploads and S submissions
acknowledged, F found intact, L lost` and `uploads: PASS` or `uploads: FAIL (reason)`.
Python 3.11 standard library only; loopback only.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time

from consult_server import REPOSITORY, ConsultServer

SURVEY = "position-papers"
UPLOAD = f"/api/v1/surveys/{SURVEY}/files?question=paper&name=paper.pdf"
SUBMIT = f"/api/v1/surveys/{SURVEY}/submissions"


def pdf(rng: random.Random) -> bytes:
    return b"%PDF-1.5\n" + rng.randbytes(rng.randint(20_000, 3_000_000)) + b"\nstartxref\n0\n%%EOF\n"


def call(port: int, method: str, path: str, body: bytes | None, headers: dict) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class Load:
    """Clients uploading and submitting until told to stop; what was acknowledged."""

    def __init__(self, port: int, clients: int, seed: int):
        self.port = port
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.uploads: list[dict] = []       # acknowledged uploads: file json + sha of the bytes sent
        self.submissions: list[dict] = []   # acknowledged submissions: id, edit token, file
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=self.client, args=(seed * 1000 + index,)) for index in range(clients)]
        for thread in self.threads:
            thread.start()

    def client(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            data = pdf(rng)
            try:
                status, body = call(self.port, "POST", UPLOAD, data, {"Content-Type": "application/pdf"})
            except OSError:
                return
            if status != 201:
                with self.lock:
                    self.failures.append(f"upload answered {status}: {body[:200]!r}")
                return
            upload = json.loads(body)
            if upload["file"]["sha256"] != hashlib.sha256(data).hexdigest():
                with self.lock:
                    self.failures.append("an upload returned another hash than its bytes'")
            with self.lock:
                self.uploads.append(upload["file"])
            answers = {"sector": "academia", "country": "BE", "publication": "public_anonymous", "paper": [upload["file"]]}
            try:
                status, body = call(self.port, "POST", SUBMIT, json.dumps({"answers": answers}).encode(),
                                    {"Content-Type": "application/json", "Upload-Token": upload["upload_token"]})
            except OSError:
                return
            if status != 201:
                with self.lock:
                    self.failures.append(f"submission answered {status}: {body[:200]!r}")
                return
            created = json.loads(body)
            with self.lock:
                self.submissions.append({"id": created["id"], "token": created["edit_token"], "file": upload["file"]})

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)


def check_database(db: str, uploads: list[dict], submissions: list[dict]) -> list[str]:
    problems = []
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        if (integrity := connection.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
            problems.append(f"integrity_check: {integrity}")
        rows = {}
        for public_id, seq, size, sha, length, content_sha in connection.execute(
                "SELECT public_id, submission_seq, size, hex(sha256), length(content), NULL FROM attachment"):
            rows[public_id] = (seq, size, sha.lower(), length)
        # Every row whole: its bytes hash to its recorded SHA-256 (read one at a time).
        for public_id, (seq, size, sha, length) in rows.items():
            content = connection.execute("SELECT content FROM attachment WHERE public_id = ?", (public_id,)).fetchone()[0]
            if length != size or hashlib.sha256(content).hexdigest() != sha:
                problems.append(f"attachment {public_id} is half-written or altered")
        orphans = connection.execute(
            "SELECT count(*) FROM attachment a LEFT JOIN submission s ON s.seq = a.submission_seq "
            "WHERE a.submission_seq IS NOT NULL AND s.seq IS NULL").fetchone()[0]
        if orphans:
            problems.append(f"{orphans} attachments bound to a missing submission")
        for file in uploads:
            row = rows.get(file["id"])
            if row is None:
                problems.append(f"acknowledged upload {file['id']} lost")
            elif row[2] != file["sha256"] or row[1] != file["size"]:
                problems.append(f"acknowledged upload {file['id']} changed")
        seqs = dict(connection.execute("SELECT id, seq FROM submission"))
        for entry in submissions:
            row = rows.get(entry["file"]["id"])
            if entry["id"] not in seqs:
                problems.append(f"acknowledged submission {entry['id']} lost")
            elif row is None or row[0] != seqs[entry["id"]]:
                problems.append(f"the file of submission {entry['id']} is not bound to it")
    finally:
        connection.close()
    spool = db + "-spool"
    left = [name for name in os.listdir(spool)] if os.path.isdir(spool) else []
    if left:
        problems.append(f"{len(left)} spool files left beside the database")
    return problems


def check_http(server: ConsultServer, submissions: list[dict]) -> list[str]:
    problems = []
    for entry in submissions:
        status, _, body = server.request("GET", f"/api/v1/submissions/{entry['id']}", token=entry["token"])
        if status != 200 or json.loads(body)["answers"].get("paper") != [entry["file"]]:
            problems.append(f"submission {entry['id']} does not read back with its file ({status})")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consult", default=os.path.join(REPOSITORY, ".build", "debug", "consult"))
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()
    rng = random.Random(options.seed)
    work = tempfile.mkdtemp(prefix="consult-uploads-")
    db = os.path.join(work, "consult.sqlite")
    log = open(os.path.join(work, "server.log"), "w")
    failures: list[str] = []
    uploads: list[dict] = []
    submissions: list[dict] = []
    server = None
    try:
        for kill in range(1, options.kills + 1):
            server = ConsultServer(options.consult, db, log)
            load = Load(server.port, options.clients, options.seed + kill)
            time.sleep(rng.uniform(1.0, 4.0))
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
            load.join()
            failures += load.failures
            uploads += load.uploads
            submissions += load.submissions
            server = ConsultServer(options.consult, db, log)  # the restart clears the spool
            found = check_database(db, uploads, submissions) + check_http(server, submissions)
            print(f"kill {kill}: {len(load.uploads)} uploads and {len(load.submissions)} submissions acknowledged; "
                  f"{len(found)} problems")
            failures += found
            server.stop()
            server = None
    except Exception as error:  # noqa: BLE001 - a failure of the harness is a test failure
        failures.append(f"{type(error).__name__}: {error}")
    finally:
        if server:
            server.stop()
        log.close()
    lost = sum(1 for failure in failures if "lost" in failure)
    print(f"uploads: {options.kills} kills survived, {len(uploads)} uploads and {len(submissions)} submissions "
          f"acknowledged, {len(uploads) + len(submissions) - lost} found intact, {lost} lost")
    if failures or options.keep:
        print(f"kept {work} (seed {options.seed})")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print("uploads: PASS" if not failures else f"uploads: FAIL ({failures[0]})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
