#!/usr/bin/env python3
"""Measures what one anonymous client can write as drafts into a real `consult serve`
with its default limits (600 requests that change data a minute, 100 open drafts per address).

For `--seconds` (default 60) one client, over keep-alive connections and as fast as the
server answers:

1. starts drafts of ai-risk-assessment holding the largest answers the survey accepts (every
   text at its `max_length` in 4-byte characters, i.e. at the byte bound) until it is refused;
2. opens the edit link of a submission over and over (a GET: it used to start a draft each time);
3. rewrites its open drafts with the same largest answers for the rest of the time.

Prints the requests and answers by status and problem type, the drafts stored, and how much
the database file (with its WAL) grew, in total and per second. Exits 1 if more drafts than the
cap were stored or a GET wrote anything.

    Scripts/fault/draft_flood.py [--consult .build/debug/consult] [--seconds 60]

Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True

from consult_server import ConsultServer  # noqa: E402

SURVEY = "ai-risk-assessment"
EXAMPLE = HERE.parent / "examples" / "ai-risk-submission.json"


class Client:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.statuses: collections.Counter = collections.Counter()

    def send(self, method: str, path: str, body=None, token: str | None = None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        kind = ""
        if response.status >= 400:
            try:
                kind = " " + json.loads(payload).get("type", "")
            except ValueError:
                pass
        self.statuses[f"{method} …/{path.split('/')[3]} {response.status}{kind}"] += 1
        return response.status, payload


def largest_answers(client: Client) -> dict:
    """Every text question of the survey at its max_length, in 4-byte characters."""
    status, body = client.send("GET", f"/api/v1/surveys/{SURVEY}")
    assert status == 200, body
    answers = {}
    for section in json.loads(body)["sections"]:
        for question in section["questions"]:
            if question.get("type") == "text" and not question.get("show_if"):
                answers[question["id"]] = "\U0001F600" * int(question["max_length"])
    return answers


def database_bytes(path: Path) -> int:
    return sum(os.path.getsize(f) for f in (path, Path(f"{path}-wal")) if os.path.exists(f))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consult", default=str(HERE.parents[1] / ".build" / "debug" / "consult"))
    parser.add_argument("--seconds", type=float, default=60)
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="consult-flood-"))
    db = folder / "consult.sqlite"
    with open(folder / "serve.log", "wb") as log:
        server = ConsultServer(options.consult, str(db), log, rate_limit=None)
        try:
            client = Client(server.port)
            answers = largest_answers(client)
            draft_body = {"answers": answers}
            size = len(json.dumps(draft_body, ensure_ascii=False).encode())
            example = json.loads(EXAMPLE.read_text())
            status, body = client.send("POST", f"/api/v1/surveys/{SURVEY}/submissions", example)
            assert status == 201, body
            submission = json.loads(body)
            client.statuses.clear()
            before = database_bytes(db)
            started = time.monotonic()
            end = started + options.seconds

            drafts = []
            while time.monotonic() < end:
                status, body = client.send("POST", f"/api/v1/surveys/{SURVEY}/drafts", draft_body)
                if status == 201:
                    created = json.loads(body)
                    drafts.append((created["id"], created["resume_token"]))
                elif status == 429 and b"too-many-drafts" in body:
                    break
            counted = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT count(*) FROM draft").fetchone()[0]
            for _ in range(200):
                client.send("GET", f"/s/{SURVEY}/edit/{submission['id']}?token={submission['edit_token']}")
            after_gets = sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute("SELECT count(*) FROM draft").fetchone()[0]
            index = 0
            while drafts and time.monotonic() < end:
                draft_id, token = drafts[index % len(drafts)]
                client.send("PUT", f"/api/v1/drafts/{draft_id}", draft_body, token=token)
                index += 1
            elapsed = time.monotonic() - started
            grown = database_bytes(db) - before
        finally:
            server.stop()

    print(f"draft flood: one client, {elapsed:.0f} s, default limits; each draft body {size:,} bytes")
    for line, count in sorted(client.statuses.items()):
        print(f"  {count:6d} × {line}")
    print(f"  drafts stored: {counted} (after 200 GETs of an edit link: {after_gets})")
    print(f"  database + WAL grew by {grown / 1e6:.1f} MB ({grown / elapsed / 1e3:.0f} kB/s over the run)")
    failed = counted > 100 or after_gets != counted
    print("draft flood: " + ("FAIL" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
