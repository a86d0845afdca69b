#!/usr/bin/env python3
"""Crash test: every acknowledged submission survives a crash of the server.

The real server (`consult serve`, a private copy of the binary) runs on a fresh database in
a temporary folder. Client threads, each with its own keep-alive connection, post valid,
varied submissions to the open `ai-risk-assessment` survey as fast as they can; after a
random delay the server is killed with SIGKILL and started again on the same database.
Every submission that got a 201 ("acknowledged") must then be there, intact:

- GET /api/v1/submissions/{id} with its edit token gives 200 and the answers that were sent;
- its receipt still verifies (POST /api/v1/receipts/verify gives {"valid": true});
- in the database (read with Python's sqlite3, read-only) its current version's
  answers_sha256 equals the receipt's, is the SHA-256 of the stored answers_json, and
  those answers are the ones sent; no request was stored twice and no submission lacks
  its version row;
- PRAGMA integrity_check says "ok"; the restarted server answers /healthz and accepts a
  new submission.

Requests that got no response (connection reset, refused) are "unknown": they may or may
not have been stored. Each submission carries a unique tag in its system name, so the
test can tell which of them were.

Then the same with SIGTERM: the server must stop accepting, finish the requests in flight
and exit with status 0 within 10 s; every 201 must be stored, every request sent before the
signal must get its response, and a request that got no response must not have been stored
(an answer dropped after the commit would leave the respondent without their receipt).
Requests sent after the signal may be answered, refused, or closed unanswered on a
connection kept alive from before. The responses that arrived after the signal are counted.

Any status other than 201 to a valid submission is a failure. "Acknowledged" counts every
201 of the phase, including the 16 warm-up submissions (which first check that generated
answers read back unchanged) and the one new submission after each restart.

The database grows over all rounds; at the end every acknowledged submission of the whole
run is checked again over HTTP, the server is stopped with SIGTERM and the closed file is
checked once more.

Note: SIGKILL ends the process, not the machine; this proves that a 201 is only sent once
the submission is committed, not that the commit reached the disk (synchronous=FULL is
what promises the latter).

Usage: Scripts/fault/crash_test.py [--consult PATH] [--kills N] [--sigterm-rounds M]
                                   [--clients C] [--seed S] [--keep]
Prints one line per round, then
  crash test: N kills survived, A acknowledged, F found intact, L lost
  sigterm test: M rounds, A acknowledged, F found, L lost, C completed after the signal
and last `crash: PASS` or `crash: FAIL (reason)`; exits 0 only on PASS. The temporary
folder (database, server logs) is removed unless --keep is given or the test failed.
Python 3.11 standard library only; loopback only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SURVEYS = os.path.join(REPOSITORY, "Surveys")
SURVEY = "ai-risk-assessment"
SUBMIT = f"/api/v1/surveys/{SURVEY}/submissions"
HOST = "127.0.0.1"
TAG_QUESTION = "system_name"   # a required single-line text question: carries each request's tag
START_TIMEOUT = 30.0           # seconds for a (re)start to answer /healthz
SIGTERM_EXIT_TIMEOUT = 10.0    # seconds for a clean stop after SIGTERM
REQUEST_TIMEOUT = 15.0         # seconds per client request
VERIFY_THREADS = 8

WORDS = [
    "camera", "plate", "match", "officer", "review", "database", "risk", "warrant", "court",
    "données", "Überwachung", "naïve", "Łódź", "straße", "señal", "προστασία", "数据", "🚓",
    "\"quoted\"", "back\\slash", "tab\tseparated", "a/b", "<tag>", "&amp;", "100%", "l'agent",
]
COUNTRIES = ["FR", "DE", "AT", "IT", "ES", "PL", "NL", "SE", "BE", "PT", "IE", "FI", "DK", "CZ",
             "GR", "RO", "HU", "US", "CA", "BR", "JP", "KE", "NG", "IN", "AU", "GB", "CH", "NO"]


# ---------------------------------------------------------------------------------------
# Small helpers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def same_json(a, b) -> bool:
    """JSON equality that does not let true equal 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def error_kind(error: BaseException) -> str:
    """How a request without a response failed."""
    if isinstance(error, ConnectionRefusedError):
        return "refused"       # never connected: the request was not sent
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "timeout"
    if isinstance(error, (ConnectionError, http.client.HTTPException)):
        return "reset"         # sent (at least partly), no response
    return f"other:{type(error).__name__}"


def request(connection: http.client.HTTPConnection, method: str, path: str, payload=None,
            token: str | None = None) -> tuple[int, bytes, bool]:
    headers = {"Accept": "application/json"}
    body = None
    if payload is not None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    return response.status, data, response.will_close


def one_request(port: int, method: str, path: str, payload=None, token=None, timeout=10.0):
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        status, data, _ = request(connection, method, path, payload, token)
        return status, data
    finally:
        connection.close()


# ---------------------------------------------------------------------------------------
# The server


class Server:
    """`consult serve` on a free loopback port; one instance per start."""

    def __init__(self, binary: str, db: str, folder: str, label: str):
        self.port = free_port()
        self.log_path = os.path.join(folder, f"serve-{label}.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [binary, "serve", "--db", db, "--surveys", SURVEYS, "--host", HOST, "--port", str(self.port),
                 "--rate-limit", "0"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.started = time.monotonic()

    def wait_healthy(self) -> float:
        """Seconds until /healthz answered 200; raises if it does not within START_TIMEOUT."""
        deadline = self.started + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode} at start:\n{self.log_tail()}")
            try:
                if one_request(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                    return time.monotonic() - self.started
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the server did not answer /healthz within {START_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, number: int) -> None:
        if self.alive():
            self.process.send_signal(number)

    def wait(self, timeout: float) -> int | None:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        self.wait(10)

    def log_tail(self, lines: int = 20) -> str:
        try:
            with open(self.log_path, errors="replace") as log:
                return "\n".join(log.read().splitlines()[-lines:])
        except OSError:
            return "(no log)"


# ---------------------------------------------------------------------------------------
# Answers


class AnswerMaker:
    """Valid, varied answers for the survey, built from its definition as the server gives it."""

    def __init__(self, definition: dict):
        self.questions = [q for section in definition["sections"] for q in section["questions"]]
        if not any(q["id"] == TAG_QUESTION for q in self.questions):
            raise RuntimeError(f"the survey has no question {TAG_QUESTION!r} to carry the tags")

    @staticmethod
    def _text(rng: random.Random, limit: int, multiline: bool) -> str:
        words = [rng.choice(WORDS) for _ in range(rng.randint(2, 40))]
        if multiline:
            for _ in range(rng.randint(0, 2)):
                words.insert(rng.randrange(len(words) + 1), "\n")
        text = " ".join(words).replace(" \n ", "\n").strip()
        return text[: max(1, min(limit, 1000) // 2)].strip() or "text"

    def _value(self, question: dict, rng: random.Random):
        kind = question["type"]
        if kind == "single_choice":
            return rng.choice(question["options"])["id"]
        if kind == "multiple_choice":
            options = [o["id"] for o in question["options"]]
            low = question.get("min_picks") or 0
            high = min(question.get("max_picks") or len(options), len(options))
            # At least one pick: the server keeps an empty list as "not answered" (it reads back
            # without the question), which is not what this test is about.
            picked = set(rng.sample(options, rng.randint(max(low, 1), high)))
            return [o for o in options if o in picked]
        if kind == "scale":
            return rng.choice(question["points"])["value"]
        if kind == "number":
            low = question.get("min")
            high = question.get("max")
            low = 0 if low is None else low
            high = low + 10_000_000 if high is None else high
            if question.get("integer"):
                return rng.randint(int(low), int(high))
            return round(rng.uniform(low, high), 2)
        if kind == "text":
            return self._text(rng, question.get("max_length") or 1000, bool(question.get("multiline")))
        if kind == "country":
            return rng.choice(COUNTRIES)
        if kind == "email":
            return f"contact.{rng.randrange(10**6)}@example.org"
        raise RuntimeError(f"question {question['id']!r} has type {kind!r}, which this test cannot answer")

    def answers(self, rng: random.Random, tag: str) -> dict:
        answers: dict = {}
        for question in self.questions:
            condition = question.get("show_if")
            if condition:
                allowed = condition.get("any_of") or ([condition["equals"]] if "equals" in condition else [])
                given = answers.get(condition["question"])
                given = given if isinstance(given, list) else [given]
                if not any(value in allowed for value in given):
                    continue
            if not question.get("required") and rng.random() < 0.3:
                continue
            try:
                answers[question["id"]] = self._value(question, rng)
            except RuntimeError:
                if question.get("required"):
                    raise
        answers[TAG_QUESTION] = f"{self._text(rng, 120, False)} #{tag}"
        return answers


def tag_of(system_name) -> str | None:
    if not isinstance(system_name, str) or "#" not in system_name:
        return None
    return system_name.rsplit("#", 1)[1]


# ---------------------------------------------------------------------------------------
# Load


class Attempt:
    """One POST of a submission and what became of it."""

    __slots__ = ("tag", "answers", "started", "finished", "status", "body", "error", "ack", "closing")

    def __init__(self, tag: str, answers: dict):
        self.tag = tag
        self.answers = answers
        self.started = 0.0
        self.finished = 0.0
        self.status: int | None = None
        self.body = b""
        self.error: str | None = None
        self.ack: dict | None = None   # id, edit_token, receipt of a 201
        self.closing = False           # the response said the connection closes after it


def acknowledge(attempt: Attempt) -> str | None:
    """Fills attempt.ack from a 201 body; returns a problem or None."""
    try:
        body = json.loads(attempt.body)
        ack = {"id": body["id"], "edit_token": body["edit_token"], "receipt": body["receipt"]}
        if not (isinstance(ack["id"], str) and isinstance(ack["edit_token"], str)
                and ack["receipt"].get("submission_id") == ack["id"]
                and isinstance(ack["receipt"].get("answers_sha256"), str)):
            return f"a 201 with an odd body: {attempt.body[:200]!r}"
        attempt.ack = ack
        return None
    except (ValueError, KeyError, TypeError, AttributeError):
        return f"a 201 whose body is not a submission: {attempt.body[:200]!r}"


def load(port: int, clients: int, maker: AnswerMaker, prefix: str, rng: random.Random,
         stop: threading.Event, limit: float) -> tuple[list[list[Attempt]], list[threading.Thread]]:
    """Starts `clients` threads posting submissions until `stop` is set (or `limit` seconds)."""
    results: list[list[Attempt]] = [[] for _ in range(clients)]
    seeds = [rng.randrange(2**63) for _ in range(clients)]
    hard_deadline = time.monotonic() + limit

    def worker(index: int) -> None:
        local = random.Random(seeds[index])
        connection = None
        number = 0
        while not stop.is_set() and time.monotonic() < hard_deadline:
            number += 1
            tag = f"{prefix}-w{index}-n{number}"
            attempt = Attempt(tag, maker.answers(local, tag))
            if connection is None:
                connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
            attempt.started = time.monotonic()
            try:
                attempt.status, attempt.body, will_close = request(connection, "POST", SUBMIT, {"answers": attempt.answers})
                attempt.finished = time.monotonic()
                attempt.closing = will_close
                if will_close:
                    connection.close()
                    connection = None
            except Exception as error:  # noqa: BLE001 - every failure is recorded
                attempt.finished = time.monotonic()
                attempt.error = error_kind(error)
                connection.close()
                connection = None
                stop.wait(0.02)   # no hot loop against a dead port
            results[index].append(attempt)
        if connection is not None:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True, name=f"client-{i}") for i in range(clients)]
    for thread in threads:
        thread.start()
    return results, threads


def join(threads: list[threading.Thread], timeout: float) -> int:
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return sum(thread.is_alive() for thread in threads)


# ---------------------------------------------------------------------------------------
# Checks


def stored_rows(db: str) -> tuple[dict, int, int, str]:
    """Read-only: tag -> [(id, answers_json, answers_sha256)], submissions, orphans, integrity."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows: dict[str, list] = {}
        for identifier, answers_json, sha in connection.execute(
                "SELECT s.id, v.answers_json, v.answers_sha256 FROM submission s "
                "JOIN submission_version v ON v.submission_seq = s.seq AND v.version = s.version "
                "WHERE s.survey_id = ?", (SURVEY,)):
            try:
                tag = tag_of(json.loads(answers_json).get(TAG_QUESTION))
            except ValueError:
                tag = None
            rows.setdefault(tag, []).append((identifier, answers_json, sha))
        total = connection.execute("SELECT count(*) FROM submission").fetchone()[0]
        orphans = connection.execute(
            "SELECT count(*) FROM submission s LEFT JOIN submission_version v "
            "ON v.submission_seq = s.seq AND v.version = s.version WHERE v.submission_seq IS NULL").fetchone()[0]
        integrity = "\n".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
        return rows, total, orphans, integrity
    finally:
        connection.close()


def check_in_database(attempt: Attempt, rows: dict) -> str | None:
    """None if the acknowledged attempt is stored intact, else what is wrong ("lost" if absent)."""
    found = rows.get(attempt.tag, [])
    if not found:
        return "lost"
    if len(found) > 1:
        return f"stored {len(found)} times"
    identifier, answers_json, sha = found[0]
    if identifier != attempt.ack["id"]:
        return f"stored under id {identifier}, acknowledged as {attempt.ack['id']}"
    if sha != attempt.ack["receipt"]["answers_sha256"]:
        return f"stored answers_sha256 {sha} differs from the receipt's"
    if hashlib.sha256(answers_json.encode()).hexdigest() != sha:
        return "stored answers_json does not hash to its answers_sha256"
    if not same_json(json.loads(answers_json), attempt.answers):
        return "stored answers differ from those sent"
    return None


def check_over_http(port: int, attempts: list[Attempt]) -> dict[str, str]:
    """tag -> problem for every acknowledged attempt that the server does not give back intact."""
    local = threading.local()

    def connection() -> http.client.HTTPConnection:
        if getattr(local, "connection", None) is None:
            local.connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        return local.connection

    def call(method, path, payload=None, token=None):
        for attempt_number in range(2):   # one retry on a fresh connection if a kept-alive one was closed
            try:
                status, data, will_close = request(connection(), method, path, payload, token)
                if will_close:
                    local.connection.close()
                    local.connection = None
                return status, data
            except (ConnectionError, http.client.HTTPException):
                local.connection.close()
                local.connection = None
                if attempt_number == 1:
                    raise
        raise AssertionError("unreachable")

    def one(attempt: Attempt) -> tuple[str, str | None]:
        try:
            ack = attempt.ack
            status, data = call("GET", f"/api/v1/submissions/{ack['id']}", token=ack["edit_token"])
            if status != 200:
                return attempt.tag, f"GET gave {status}: {data[:200]!r}"
            if not same_json(json.loads(data).get("answers"), attempt.answers):
                return attempt.tag, "GET gave other answers than those sent"
            status, data = call("POST", "/api/v1/receipts/verify", ack["receipt"])
            if status != 200 or json.loads(data).get("valid") is not True:
                return attempt.tag, f"receipt does not verify: {status} {data[:200]!r}"
            return attempt.tag, None
        except Exception as error:  # noqa: BLE001
            return attempt.tag, f"{type(error).__name__}: {error}"

    problems: dict[str, str] = {}
    with concurrent.futures.ThreadPoolExecutor(VERIFY_THREADS) as pool:
        for tag, problem in pool.map(one, attempts):
            if problem:
                problems[tag] = problem
    return problems


# ---------------------------------------------------------------------------------------
# The test


class CrashTest:
    def __init__(self, options):
        self.options = options
        self.rng = random.Random(options.seed)
        self.folder = tempfile.mkdtemp(prefix="consult-crash-")
        self.db = os.path.join(self.folder, "consult.sqlite")
        self.binary = self._copy_binary(options.consult)
        self.server: Server | None = None
        self.starts = 0
        self.maker: AnswerMaker | None = None
        self.failures: list[str] = []
        self.kill_acks: list[Attempt] = []
        self.term_acks: list[Attempt] = []
        self.probe_number = 0
        self.kills_survived = 0
        self.completed_after_signal = 0

    def fail(self, message: str) -> None:
        print(f"  FAIL {message}", flush=True)
        self.failures.append(message)

    def _copy_binary(self, original: str) -> str:
        """A private copy (the build folder may be rebuilt meanwhile), with its resource bundles."""
        original = os.path.abspath(original)
        if not os.path.isfile(original):
            raise RuntimeError(f"{original} does not exist; build it with `swift build --product consult`")
        folder = os.path.join(self.folder, "bin")
        os.mkdir(folder)
        shutil.copy2(original, os.path.join(folder, "consult"))
        source = os.path.dirname(original)
        for name in os.listdir(source):
            if name.endswith(".resources") and os.path.isdir(os.path.join(source, name)):
                shutil.copytree(os.path.join(source, name), os.path.join(folder, name))
        return os.path.join(folder, "consult")

    def start(self) -> float:
        self.starts += 1
        self.server = Server(self.binary, self.db, self.folder, str(self.starts))
        return self.server.wait_healthy()

    def probe(self) -> Attempt:
        """A single new submission on the running server; must be a 201."""
        self.probe_number += 1
        tag = f"p{self.probe_number}"
        attempt = Attempt(tag, self.maker.answers(self.rng, tag))
        attempt.status, attempt.body = one_request(self.server.port, "POST", SUBMIT, {"answers": attempt.answers})
        if attempt.status != 201:
            raise RuntimeError(f"a new submission after the (re)start got {attempt.status}: {attempt.body[:300]!r}")
        problem = acknowledge(attempt)
        if problem:
            raise RuntimeError(problem)
        return attempt

    def warm_up(self) -> list[Attempt]:
        """Fetches the survey and checks that generated answers are accepted and read back unchanged."""
        status, data = one_request(self.server.port, "GET", f"/api/v1/surveys/{SURVEY}")
        if status != 200:
            raise RuntimeError(f"GET /api/v1/surveys/{SURVEY} gave {status}")
        definition = json.loads(data)
        if definition.get("status") != "open":
            raise RuntimeError(f"the survey {SURVEY} is {definition.get('status')!r}, not open")
        self.maker = AnswerMaker(definition)
        attempts = [self.probe() for _ in range(16)]
        problems = check_over_http(self.server.port, attempts)
        if problems:
            raise RuntimeError(f"generated submissions do not read back unchanged before any crash: "
                               f"{next(iter(problems.values()))}")
        return attempts

    def run_load(self, prefix: str, stop_with: int) -> tuple[list[Attempt], float, float, float | None]:
        """Load, then the signal after a random delay. Returns the attempts, the delay, the
        signal's monotonic time, and (SIGTERM) the exit status or None if it did not exit in time."""
        stop = threading.Event()
        delay = self.rng.uniform(0.5, 3.0)
        results, threads = load(self.server.port, self.options.clients, self.maker, prefix, self.rng, stop,
                                limit=delay + SIGTERM_EXIT_TIMEOUT + 20)
        time.sleep(delay)
        signalled = time.monotonic()
        self.server.signal(stop_with)
        exit_status = None
        if stop_with == signal.SIGKILL:
            self.server.wait(10)
        else:
            exit_status = self.server.wait(SIGTERM_EXIT_TIMEOUT)
            if exit_status is None:
                self.fail(f"{prefix}: the server did not exit within {SIGTERM_EXIT_TIMEOUT:.0f} s of SIGTERM; "
                          f"killed\n{self.server.log_tail()}")
                self.server.kill()
        stop.set()
        stuck = join(threads, REQUEST_TIMEOUT + 10)
        if stuck:
            self.fail(f"{prefix}: {stuck} client threads did not finish")
        return [a for worker in results for a in worker], delay, signalled, exit_status

    def classify(self, prefix: str, attempts: list[Attempt]) -> tuple[list[Attempt], list[Attempt]]:
        """Acknowledged and unknown attempts; any other HTTP status to a valid submission is a failure."""
        acknowledged, unknown, odd = [], [], []
        for attempt in attempts:
            if attempt.status == 201:
                problem = acknowledge(attempt)
                if problem:
                    self.fail(f"{prefix}: {problem}")
                else:
                    acknowledged.append(attempt)
            elif attempt.status is None:
                unknown.append(attempt)
            else:
                odd.append(attempt)
        if odd:
            statuses = sorted({a.status for a in odd})
            self.fail(f"{prefix}: {len(odd)} valid submissions got no 201 but {statuses}, e.g. "
                      f"{odd[0].status} {odd[0].body[:300]!r}")
        return acknowledged, unknown

    def verify(self, label: str, new_acks: list[Attempt], all_acks: list[Attempt],
               unknown: list[Attempt]) -> tuple[int, int, int, list[Attempt]]:
        """After a restart: the round's acknowledged over HTTP, everything in the database.
        Returns (this round's intact, this round's lost, total stored, stored unknowns)."""
        rows, total, orphans, integrity = stored_rows(self.db)
        if integrity != "ok":
            self.fail(f"{label}: PRAGMA integrity_check: {integrity[:300]}")
        if orphans:
            self.fail(f"{label}: {orphans} submissions without their version row")
        duplicated = [tag for tag, found in rows.items() if tag is not None and len(found) > 1]
        if duplicated:
            self.fail(f"{label}: {len(duplicated)} requests stored more than once, e.g. {duplicated[0]}")
        untagged = len(rows.get(None, []))
        if untagged:
            self.fail(f"{label}: {untagged} stored submissions that this test did not send")
        # Every acknowledged submission of the run so far, in the database.
        problems = {}
        for attempt in all_acks:
            problem = check_in_database(attempt, rows)
            if problem:
                problems[attempt.tag] = problem
        lost_all = [tag for tag, problem in problems.items() if problem == "lost"]
        damaged = {tag: p for tag, p in problems.items() if p != "lost"}
        if lost_all:
            self.fail(f"{label}: {len(lost_all)} acknowledged submissions are not in the database, e.g. {lost_all[0]}")
        if damaged:
            tag, problem = next(iter(damaged.items()))
            self.fail(f"{label}: {len(damaged)} acknowledged submissions are damaged in the database, e.g. {tag}: {problem}")
        # This round's, over HTTP.
        http_problems = check_over_http(self.server.port, new_acks)
        if http_problems:
            tag, problem = next(iter(http_problems.items()))
            self.fail(f"{label}: {len(http_problems)} acknowledged submissions do not come back over HTTP, "
                      f"e.g. {tag}: {problem}")
        new_tags = {a.tag for a in new_acks}
        lost = sum(1 for tag in lost_all if tag in new_tags)
        intact = sum(1 for a in new_acks if a.tag not in problems and a.tag not in http_problems)
        # Requests without a response may be stored, but only whole.
        stored_unknown = [a for a in unknown if a.tag in rows]
        for attempt in stored_unknown:
            identifier, answers_json, sha = rows[attempt.tag][0]
            if attempt.error == "refused":
                self.fail(f"{label}: {attempt.tag} was refused at connect yet is stored")
            elif hashlib.sha256(answers_json.encode()).hexdigest() != sha or not same_json(
                    json.loads(answers_json), attempt.answers):
                self.fail(f"{label}: {attempt.tag} (no response) is stored with other answers than those sent")
        return intact, lost, total, stored_unknown, integrity

    def kill_round(self, number: int) -> None:
        prefix = f"k{number}"
        failures_before = len(self.failures)
        attempts, delay, killed, _ = self.run_load(prefix, signal.SIGKILL)
        acknowledged, unknown = self.classify(prefix, attempts)
        self.kill_acks.extend(acknowledged)
        restart = self.start()
        intact, lost, total, stored_unknown, integrity = self.verify(
            prefix, acknowledged, self.kill_acks + self.term_acks, unknown)
        self.kill_acks.append(self.probe())
        if len(self.failures) == failures_before:
            self.kills_survived += 1
        in_flight = [a for a in unknown if a.started < killed]
        sent_after = [a for a in unknown if a.started >= killed]
        print(f"kill {number}/{self.options.kills}: SIGKILL after {delay:.2f} s; {len(acknowledged)} acknowledged; "
              f"{len(in_flight)} in flight without response ({summary_of_errors(in_flight)}), "
              f"{len(stored_unknown)} of them stored; {len(sent_after)} sent after the kill "
              f"({summary_of_errors(sent_after)}); restart {restart:.2f} s; "
              f"{intact}/{len(acknowledged)} intact, {lost} lost; {total} in the database; "
              f"integrity {integrity.splitlines()[0]}"
              + ("" if len(self.failures) == failures_before else " -- FAILED"), flush=True)

    def sigterm_round(self, number: int) -> None:
        prefix = f"t{number}"
        failures_before = len(self.failures)
        attempts, delay, signalled, exit_status = self.run_load(prefix, signal.SIGTERM)
        log = self.server.log_tail(40)
        if exit_status is not None and exit_status != 0:
            self.fail(f"{prefix}: the server exited with status {exit_status} after SIGTERM\n{log}")
        wal = self.db + "-wal"
        wal_bytes = os.path.getsize(wal) if os.path.exists(wal) else 0
        acknowledged, unknown = self.classify(prefix, attempts)
        self.term_acks.extend(acknowledged)
        answered_after = [a for a in attempts if a.status is not None and a.finished > signalled]
        self.completed_after_signal += len(answered_after)
        # Sent before the signal, not finished when it came: each must get its response.
        in_flight = [a for a in attempts if a.started < signalled < a.finished]
        dropped = [a for a in in_flight if a.status is None]
        if dropped:
            self.fail(f"{prefix}: {len(dropped)} of the {len(in_flight)} requests in flight at SIGTERM got no response "
                      f"({summary_of_errors(dropped)}), e.g. {dropped[0].tag}, sent "
                      f"{(signalled - dropped[0].started) * 1000:.1f} ms before the signal")
        # Sent after the signal: a response, a refused connection, or (on a connection kept alive
        # from before) a close without response.
        sent_after = [a for a in attempts if a.started >= signalled]
        restart = self.start()
        intact, lost, total, stored_unknown, integrity = self.verify(
            prefix, acknowledged, self.kill_acks + self.term_acks, unknown)
        if stored_unknown:
            self.fail(f"{prefix}: {len(stored_unknown)} requests were stored but got no response during the "
                      f"graceful stop (e.g. {stored_unknown[0].tag}: {stored_unknown[0].error})")
        self.term_acks.append(self.probe())
        last = max((a.finished for a in answered_after), default=signalled) - signalled
        closing = sum(a.closing for a in answered_after)
        print(f"sigterm {number}/{self.options.sigterm_rounds}: SIGTERM after {delay:.2f} s; exit {exit_status}; "
              f"{len(acknowledged)} acknowledged; {len(in_flight)} in flight at the signal, "
              f"{len(in_flight) - len(dropped)} of them answered; {len(answered_after)} responses after the signal "
              f"(the last {last * 1000:.0f} ms after it, {closing} with Connection: close); "
              f"{len(sent_after)} sent after it: {sum(a.status is not None for a in sent_after)} answered, "
              f"{summary_of_errors([a for a in sent_after if a.status is None])}; "
              f"{len(stored_unknown)} unanswered stored; wal after exit {wal_bytes} bytes; restart {restart:.2f} s; "
              f"{intact}/{len(acknowledged)} intact, {lost} lost; {total} in the database; "
              f"integrity {integrity.splitlines()[0]}"
              + ("" if len(self.failures) == failures_before else " -- FAILED"), flush=True)

    def final_check(self) -> tuple[set[str], set[str]]:
        """Every acknowledged submission of the run, over HTTP and in the database. Returns the
        tags found intact and the tags lost."""
        everything = self.kill_acks + self.term_acks
        http_problems = check_over_http(self.server.port, everything)
        self.server.signal(signal.SIGTERM)
        status = self.server.wait(SIGTERM_EXIT_TIMEOUT)
        if status != 0:
            self.fail(f"final stop: SIGTERM gave exit status {status}")
            self.server.kill()
        # The closed file, opened read-write as any tool would.
        connection = sqlite3.connect(self.db, timeout=30)
        try:
            integrity = "\n".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
        finally:
            connection.close()
        if integrity != "ok":
            self.fail(f"final: PRAGMA integrity_check on the closed database: {integrity[:300]}")
        rows, _, _, _ = stored_rows(self.db)
        intact, lost = set(), set()
        for attempt in everything:
            problem = check_in_database(attempt, rows)
            if problem == "lost":
                lost.add(attempt.tag)
            elif problem is None and attempt.tag not in http_problems:
                intact.add(attempt.tag)
        damaged = len(everything) - len(intact) - len(lost)
        if http_problems:
            tag, problem = next(iter(http_problems.items()))
            self.fail(f"final: {len(http_problems)} acknowledged submissions do not come back over HTTP, e.g. {tag}: {problem}")
        if lost:
            self.fail(f"final: {len(lost)} acknowledged submissions lost")
        if damaged:
            self.fail(f"final: {damaged} acknowledged submissions not intact")
        print(f"final: {len(everything)} acknowledged submissions checked over HTTP and in the closed database "
              f"({sum(len(v) for v in rows.values())} stored); {len(intact)} intact, {len(lost)} lost; "
              f"integrity {integrity}", flush=True)
        return intact, lost

    def run(self) -> int:
        options = self.options
        print(f"crash test: seed {options.seed}, {options.clients} clients, {options.kills} kills, "
              f"{options.sigterm_rounds} SIGTERM rounds, folder {self.folder}", flush=True)
        began = time.monotonic()
        intact: set[str] = set()
        lost: set[str] = set()
        try:
            self.start()
            self.kill_acks.extend(self.warm_up())
            for number in range(1, options.kills + 1):
                self.kill_round(number)
            for number in range(1, options.sigterm_rounds + 1):
                self.sigterm_round(number)
            intact, lost = self.final_check()
        except Exception as error:  # noqa: BLE001 - any failure of the harness is a test failure
            self.fail(f"{type(error).__name__}: {error}")
        finally:
            if self.server is not None:
                self.server.kill()
        kill_tags = {a.tag for a in self.kill_acks}
        term_tags = {a.tag for a in self.term_acks}
        print(f"crash test: {self.kills_survived} kills survived, {len(kill_tags)} acknowledged, "
              f"{len(kill_tags & intact)} found intact, {len(kill_tags & lost)} lost")
        print(f"sigterm test: {options.sigterm_rounds} rounds, {len(term_tags)} acknowledged, "
              f"{len(term_tags & intact)} found, {len(term_tags & lost)} lost, "
              f"{self.completed_after_signal} completed after the signal")
        print(f"took {time.monotonic() - began:.0f} s")
        if self.kills_survived != options.kills and not self.failures:
            self.failures.append(f"only {self.kills_survived} of {options.kills} kills survived")
        if options.keep or self.failures:
            print(f"kept {self.folder}")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)
        if self.failures:
            print(f"crash: FAIL ({self.failures[0].splitlines()[0]})")
            return 1
        print("crash: PASS")
        return 0


def summary_of_errors(attempts: list[Attempt]) -> str:
    counts: dict[str, int] = {}
    for attempt in attempts:
        counts[attempt.error] = counts.get(attempt.error, 0) + 1
    return ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items())) or "none"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consult", default=os.path.join(REPOSITORY, ".build", "debug", "consult"),
                        help="the consult binary (default: .build/debug/consult)")
    parser.add_argument("--kills", type=int, default=20, help="SIGKILL rounds (default 20)")
    parser.add_argument("--sigterm-rounds", type=int, default=5, help="SIGTERM rounds (default 5)")
    parser.add_argument("--clients", type=int, default=32, help="client threads (default 32)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a random one, printed)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args()
    if options.kills < 0 or options.sigterm_rounds < 0 or not 1 <= options.clients <= 256:
        parser.error("--kills and --sigterm-rounds must be >= 0, --clients between 1 and 256")
    if options.seed is None:
        options.seed = random.SystemRandom().randrange(10**9)
    try:
        test = CrashTest(options)
    except (OSError, RuntimeError) as error:
        print(f"crash: FAIL ({error})")
        return 1
    return test.run()


if __name__ == "__main__":
    sys.exit(main())
