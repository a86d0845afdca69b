#!/usr/bin/env python3
"""Disk trouble: the database's file system fills up, then turns read-only.

The real server runs with its database on a small size-limited file system (a tmpfs
mounted by this test, which needs root; without it the test says so and is skipped).
While the disk is full, submissions must get a clear 503 problem response, nothing
half-written may remain, every submission acknowledged before is kept, and once space
is back the server accepts submissions again. On a read-only disk the server refuses
to start with a message naming the database file, and starts once it is writable.

Usage: Scripts/fault/disk_test.py [--consult PATH] [--keep]
Prints `disk: PASS`, `disk: SKIP (reason)` or `disk: FAIL (reason)` last; exits 0 unless it failed.
"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from consult_server import REPOSITORY, ConsultServer, free_port

EXAMPLE = os.path.join(REPOSITORY, "Scripts", "examples", "ai-risk-submission.json")
SUBMIT = "/api/v1/surveys/ai-risk-assessment/submissions"


def submission(index):
    body = json.load(open(EXAMPLE))
    # A long description makes each submission take real space.
    body["answers"]["use_case_description"] = f"Submission {index}: " + "disk test " * 400
    return body


def fingerprint(db):
    """Counts of the tables a half-written submission would touch, read-only."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        counts = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("submission", "submission_version", "answer_value", "question_tally",
                                "option_tally", "number_tally")}
        orphans = connection.execute(
            "SELECT count(*) FROM submission s LEFT JOIN submission_version v "
            "ON v.submission_seq = s.seq AND v.version = s.version WHERE v.submission_seq IS NULL").fetchone()[0]
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        return counts, orphans, integrity
    finally:
        connection.close()


PAPER = b"%PDF-1.4\n" + b"position paper " * 20000 + b"\nstartxref\n0\n%%EOF\n"


def upload(port, index):
    """Position papers: uploads a 300 KB PDF; (status, body)."""
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", f"/api/v1/surveys/position-papers/files?question=paper&name=p{index}.pdf",
                           body=PAPER + str(index).encode(), headers={"Content-Type": "application/pdf"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def attachment_rows(db):
    """How many attachment rows there are, and whether each is whole (its bytes hash to its sha256)."""
    import hashlib
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT content, sha256, size FROM attachment").fetchall()
        whole = all(hashlib.sha256(content).digest() == sha and len(content) == size for content, sha, size in rows)
        return {"count": len(rows), "whole": whole}
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consult", default=os.path.join(REPOSITORY, ".build", "debug", "consult"))
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()

    if os.geteuid() != 0:
        print("disk: SKIP (mounting a size-limited file system needs root)")
        return 0
    work = tempfile.mkdtemp(prefix="consult-disk-")
    mount = os.path.join(work, "fs")
    os.mkdir(mount)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mount]).returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        print("disk: SKIP (this machine does not allow mounting a tmpfs)")
        return 0
    db = os.path.join(mount, "consult.sqlite")
    log = open(os.path.join(work, "server.log"), "w")
    server = None
    failures = []
    acknowledged = []

    def check(condition, message):
        print(("ok   " if condition else "FAIL ") + message)
        if not condition:
            failures.append(message)

    try:
        server = ConsultServer(options.consult, db, log)
        for index in range(5):
            status, _, body = server.request("POST", SUBMIT, submission(index))
            check(status == 201, f"submission {index} before the disk fills: {status}")
            if status == 201:
                acknowledged.append(json.loads(body)["id"])

        # Fill the file system, leaving a few KB: too little for a submission and its WAL frames.
        filler = os.path.join(mount, "filler")
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], stderr=subprocess.DEVNULL)
        before = fingerprint(db)
        statuses = []
        unclear = []
        for index in range(5, 25):
            status, content_type, body = server.request("POST", SUBMIT, submission(index))
            statuses.append(status)
            if status == 201:
                acknowledged.append(json.loads(body)["id"])
            elif status == 503:
                problem = json.loads(body)
                if not (content_type.startswith("application/problem+json")
                        and problem.get("type") == "/problems/service-unavailable"
                        and "SQLITE" not in body.decode() and "/tmp" not in body.decode()):
                    unclear.append(body.decode())
        check(not unclear, f"every 503 is a service-unavailable problem without internals ({len(unclear)} are not)")
        check(503 in statuses and all(s in (201, 503) for s in statuses),
              f"with the disk full, submissions get 503 (statuses {sorted(set(statuses))})")
        check(server.request("GET", "/healthz")[0] == 200, "the server still answers while the disk is full")
        after = fingerprint(db)
        check(after[1] == 0 and after[2] == "ok", f"nothing half-written while full: orphans {after[1]}, integrity {after[2]}")
        check(after[0]["submission"] == before[0]["submission"] + statuses.count(201),
              "only acknowledged submissions were added while full")
        # Position papers: uploads while full get 503, and leave no row and no spool file behind.
        staged_before = attachment_rows(db)
        upload_statuses = [upload(server.port, index)[0] for index in range(5)]
        check(all(s in (201, 503) for s in upload_statuses) and 503 in upload_statuses,
              f"with the disk full, uploads get 503 (statuses {sorted(set(upload_statuses))})")
        staged_after = attachment_rows(db)
        check(staged_after["whole"] and staged_after["count"] == staged_before["count"] + upload_statuses.count(201),
              f"no upload half-written while full: {staged_after}")
        spool = db + "-spool"
        check(not (os.path.isdir(spool) and os.listdir(spool)), "no spool file is left while full")

        os.remove(filler)
        status, _, body = server.request("POST", SUBMIT, submission(100))
        check(status == 201, f"once space is back, a submission is accepted: {status}")
        uploaded, _ = upload(server.port, 100)
        check(uploaded == 201, f"once space is back, an upload is accepted: {uploaded}")
        if status == 201:
            acknowledged.append(json.loads(body)["id"])

        # Read-only: with the server stopped, the file system is remounted read-only (a running
        # server's open files would keep the remount from happening); the server must refuse to
        # start with a message naming the file, and start again once the disk is writable.
        server.stop()
        server = None
        subprocess.run(["mount", "-o", "remount,ro", mount], check=True)
        refused = subprocess.run(
            [options.consult, "serve", "--db", db, "--surveys", os.path.join(REPOSITORY, "Surveys"),
             "--host", "127.0.0.1", "--port", str(free_port())],
            capture_output=True, text=True, timeout=30)
        check(refused.returncode != 0 and db in refused.stderr and "Fatal" not in refused.stderr,
              f"on a read-only disk the server refuses to start, naming the file: {refused.stderr.strip().splitlines()[0] if refused.stderr.strip() else '(no message)'}")
        subprocess.run(["mount", "-o", "remount,rw", mount], check=True)
        server = ConsultServer(options.consult, db, log)
        status, _, body = server.request("POST", SUBMIT, submission(300))
        check(status == 201, f"once writable again, the server starts and accepts a submission: {status}")
        if status == 201:
            acknowledged.append(json.loads(body)["id"])

        server.stop()
        server = ConsultServer(options.consult, db, log)
        counts, orphans, integrity = fingerprint(db)
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        stored = {row[0] for row in connection.execute("SELECT id FROM submission")}
        connection.close()
        missing = [identifier for identifier in acknowledged if identifier not in stored]
        check(not missing and orphans == 0 and integrity == "ok",
              f"after a restart: {len(acknowledged)} acknowledged, {len(acknowledged) - len(missing)} found, "
              f"{len(missing)} lost, integrity {integrity}")
        print(f"disk: {len(acknowledged)} acknowledged, {len(acknowledged) - len(missing)} found, {len(missing)} lost, "
              f"{statuses.count(503)} refused with 503 while full")
    except Exception as error:  # noqa: BLE001 - any failure of the harness is a test failure
        failures.append(f"{type(error).__name__}: {error}")
    finally:
        if server:
            server.stop()
        log.close()
        subprocess.run(["umount", mount], stderr=subprocess.DEVNULL)
        if options.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("disk: PASS" if not failures else f"disk: FAIL ({failures[0]})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
