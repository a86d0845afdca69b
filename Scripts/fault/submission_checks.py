"""Submissions that the fault suites send and check afterwards, shared by Scripts/fault/crash_test.py and
Tests/Deployment/two_nodes_test.py: varied valid answers carrying a unique tag, client threads posting them, and
the checks that every acknowledged one is stored whole (in the SQLite file, and over HTTP with its receipt).

Connections come from a `connect()` callable, so the same code talks to one server over plain HTTP or to nginx
over TLS. Python 3.11 standard library only.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import http.client
import json
import random
import socket
import sqlite3
import threading
import time
from typing import Callable

TAG_QUESTION = "system_name"   # a required single-line text question: carries each request's tag
REQUEST_TIMEOUT = 15.0         # seconds per client request
VERIFY_THREADS = 8

Connect = Callable[[], http.client.HTTPConnection]

WORDS = [
    "camera", "plate", "match", "officer", "review", "database", "risk", "warrant", "court",
    "données", "Überwachung", "naïve", "Łódź", "straße", "señal", "προστασία", "数据", "🚓",
    "\"quoted\"", "back\\slash", "tab\tseparated", "a/b", "<tag>", "&amp;", "100%", "l'agent",
]
COUNTRIES = ["FR", "DE", "AT", "IT", "ES", "PL", "NL", "SE", "BE", "PT", "IE", "FI", "DK", "CZ",
             "GR", "RO", "HU", "US", "CA", "BR", "JP", "KE", "NG", "IN", "AU", "GB", "CH", "NO"]



# ---------------------------------------------------------------------------------------
# Small helpers


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
            token: str | None = None, received: dict | None = None) -> tuple[int, bytes, bool]:
    """(status, body, whether the connection closes); the response's headers go into `received` if given."""
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
    if received is not None:
        received.update((name.lower(), value) for name, value in response.getheaders())
    return response.status, data, response.will_close



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

    __slots__ = ("tag", "answers", "started", "finished", "started_wall", "finished_wall", "status", "body",
                 "error", "ack", "closing", "node")

    def __init__(self, tag: str, answers: dict):
        self.tag = tag
        self.answers = answers
        self.started = 0.0
        self.finished = 0.0
        self.started_wall = 0.0         # time.time() beside the monotonic times, to compare with the server's clock
        self.finished_wall = 0.0
        self.status: int | None = None
        self.body = b""
        self.error: str | None = None
        self.ack: dict | None = None   # id, edit_token, receipt of a 201
        self.closing = False           # the response said the connection closes after it
        self.node: str | None = None   # behind nginx: the node that answered (its X-Consult-Node header)


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


def load(connect: Connect, path: str, clients: int, maker: AnswerMaker, prefix: str, rng: random.Random,
         stop: threading.Event, limit: float) -> tuple[list[list[Attempt]], list[threading.Thread]]:
    """Starts `clients` threads, each with its own kept-alive connection from `connect`, posting submissions to
    `path` until `stop` is set (or `limit` seconds)."""
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
                connection = connect()
            attempt.started = time.monotonic()
            attempt.started_wall = time.time()
            received: dict = {}
            try:
                attempt.status, attempt.body, will_close = request(
                    connection, "POST", path, {"answers": attempt.answers}, received=received)
                attempt.node = received.get("x-consult-node")
                attempt.finished = time.monotonic()
                attempt.finished_wall = time.time()
                attempt.closing = will_close
                if will_close:
                    connection.close()
                    connection = None
            except Exception as error:  # noqa: BLE001 - every failure is recorded
                attempt.finished = time.monotonic()
                attempt.finished_wall = time.time()
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


def stored_rows(db: str, survey: str) -> tuple[dict, int, int, str]:
    """Read-only: `survey`'s tag -> [(id, answers_json, answers_sha256)], submissions (of every survey), orphans,
    integrity."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        rows: dict[str, list] = {}
        for identifier, answers_json, sha in connection.execute(
                "SELECT s.id, v.answers_json, v.answers_sha256 FROM submission s "
                "JOIN submission_version v ON v.submission_seq = s.seq AND v.version = s.version "
                "WHERE s.survey_id = ?", (survey,)):
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


def check_stored(rows: dict, acknowledged: list[Attempt], unknown: list[Attempt]
                 ) -> tuple[dict[str, str], list[str], list[Attempt]]:
    """What the database (`rows` from `stored_rows`) holds of a run: tag -> problem for each acknowledged
    attempt not stored intact ("lost" if absent); the other failures in words (a request stored twice, a
    submission this run did not send, one without a response stored with other answers than those sent);
    and the attempts without a response that were stored (whole, or a failure says otherwise)."""
    failures = []
    duplicated = [tag for tag, found in rows.items() if tag is not None and len(found) > 1]
    if duplicated:
        failures.append(f"{len(duplicated)} requests stored more than once, e.g. {duplicated[0]}")
    untagged = len(rows.get(None, []))
    if untagged:
        failures.append(f"{untagged} stored submissions that this test did not send")
    problems = {attempt.tag: problem for attempt in acknowledged if (problem := check_in_database(attempt, rows))}
    stored_unknown = [attempt for attempt in unknown if attempt.tag in rows]
    for attempt in stored_unknown:
        _, answers_json, sha = rows[attempt.tag][0]
        if hashlib.sha256(answers_json.encode()).hexdigest() != sha or not same_json(
                json.loads(answers_json), attempt.answers):
            failures.append(f"{attempt.tag} (no response) is stored with other answers than those sent")
    return problems, failures, stored_unknown


def check_over_http(connect: Connect, attempts: list[Attempt]) -> dict[str, str]:
    """tag -> problem for every acknowledged attempt that the server (or nginx) reached by `connect` does not give
    back intact."""
    local = threading.local()
    opened: list[http.client.HTTPConnection] = []

    def connection() -> http.client.HTTPConnection:
        if getattr(local, "connection", None) is None:
            local.connection = connect()
            opened.append(local.connection)
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
    for each in opened:
        each.close()
    return problems

