#!/usr/bin/env python3
"""Backups while serving: `consult backup` copies the database while clients keep
submitting; the copy, served on its own, holds every submission acknowledged before
the backup began, whole (same answers, receipts that verify), and passes its integrity check.

Usage: Scripts/fault/backup_test.py [--consult PATH] [--keep]
Prints `backup: PASS` or `backup: FAIL (reason)` last; exits 0 only when it passed.
"""
import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from consult_server import REPOSITORY, ConsultServer

EXAMPLE = os.path.join(REPOSITORY, "Scripts", "examples", "ai-risk-submission.json")
SUBMIT = "/api/v1/surveys/ai-risk-assessment/submissions"


def upload_paper(port, data):
    """Position papers: uploads `data` as a PDF; the upload's JSON."""
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", "/api/v1/surveys/position-papers/files?question=paper&name=paper.pdf", body=data,
                           headers={"Content-Type": "application/pdf"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 201:
            raise RuntimeError(f"an upload got {response.status}: {body[:200]!r}")
        return json.loads(body)
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consult", default=os.path.join(REPOSITORY, ".build", "debug", "consult"))
    parser.add_argument("--count", type=int, default=300, help="submissions acknowledged before the backup")
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()
    work = tempfile.mkdtemp(prefix="consult-backup-")
    db, copy = os.path.join(work, "live.sqlite"), os.path.join(work, "copy.sqlite")
    log = open(os.path.join(work, "server.log"), "w")
    failures, servers = [], []
    example = json.load(open(EXAMPLE))
    try:
        live = ConsultServer(options.consult, db, log)
        servers.append(live)
        acknowledged = []
        for index in range(options.count):
            body = json.loads(json.dumps(example))
            body["answers"]["system_name"] = f"System {index}"
            status, _, reply = live.request("POST", SUBMIT, body)
            if status != 201:
                raise RuntimeError(f"submission {index} got {status}")
            reply = json.loads(reply)
            acknowledged.append((reply["id"], reply["edit_token"], body["answers"], reply["receipt"]))

        # Position papers: files uploaded and submitted before the backup (varied sizes, up to 3 MB).
        papers = []
        for index in range(6):
            data = b"%PDF-1.6\n" + os.urandom(1000 + index * 600_000) + b"\nstartxref\n0\n%%EOF\n"
            uploaded = upload_paper(live.port, data)
            answers = {"sector": "academia", "country": "BE", "publication": "confidential", "paper": [uploaded["file"]]}
            status, _, reply = live.request_with_headers(
                "POST", "/api/v1/surveys/position-papers/submissions", {"answers": answers},
                {"Upload-Token": uploaded["upload_token"]})
            if status != 201:
                raise RuntimeError(f"a submission with a file got {status}")
            papers.append((json.loads(reply)["id"], uploaded["file"], hashlib.sha256(data).hexdigest()))

        stop_load = threading.Event()
        during = []

        def load():
            index = 0
            while not stop_load.is_set() and index < 100_000:
                body = json.loads(json.dumps(example))
                body["answers"]["system_name"] = f"During backup {index}"
                during.append(live.request("POST", SUBMIT, body)[0])
                index += 1

        writer = threading.Thread(target=load)
        writer.start()
        time.sleep(0.3)
        started = time.monotonic()
        backup = subprocess.run([options.consult, "backup", "--db", db, "--out", copy],
                                capture_output=True, text=True, timeout=300)
        took = time.monotonic() - started
        stop_load.set()
        writer.join(timeout=60)
        if backup.returncode != 0:
            raise RuntimeError(f"consult backup failed: {backup.stderr.strip()}")
        if any(status != 201 for status in during):
            failures.append(f"submissions during the backup got {sorted(set(during))}")
        live.stop()

        connection = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        copied = connection.execute("SELECT count(*) FROM submission").fetchone()[0]
        connection.close()
        if integrity != "ok":
            failures.append(f"the copy's integrity check says {integrity}")

        restored = ConsultServer(options.consult, copy, log)
        servers.append(restored)
        intact = 0
        for identifier, token, answers, receipt in acknowledged:
            status, _, reply = restored.request("GET", f"/api/v1/submissions/{identifier}", token=token)
            verified = restored.request("POST", "/api/v1/receipts/verify", receipt)[2]
            if status == 200 and json.loads(reply)["answers"] == answers and json.loads(verified).get("valid"):
                intact += 1
        lost = len(acknowledged) - intact
        if lost:
            failures.append(f"{lost} acknowledged submissions missing or changed in the copy")
        # Position papers: every file in the copy byte for byte (hash of the bytes sent = hash of the copy's bytes).
        connection = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
        same_files = 0
        for identifier, file, digest in papers:
            row = connection.execute(
                "SELECT a.content FROM attachment a JOIN submission s ON s.seq = a.submission_seq "
                "WHERE a.public_id = ? AND s.id = ?", (file["id"], identifier)).fetchone()
            if row and hashlib.sha256(row[0]).hexdigest() == digest == file["sha256"]:
                same_files += 1
        connection.close()
        if same_files != len(papers):
            failures.append(f"{len(papers) - same_files} of {len(papers)} uploaded files differ or are missing in the copy")
        print(f"backup: {same_files} of {len(papers)} position papers restored byte for byte (SHA-256 compared)")
        print(f"backup: {len(acknowledged)} acknowledged before, {intact} restored intact, {lost} lost; "
              f"{len(during)} accepted during the {took:.1f} s backup, {copied} submissions in the copy, integrity {integrity}")
    except Exception as error:  # noqa: BLE001 - any failure of the harness is a test failure
        failures.append(f"{type(error).__name__}: {error}")
    finally:
        for server in servers:
            server.stop()
        log.close()
        if options.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("backup: PASS" if not failures else f"backup: FAIL ({failures[0]})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
