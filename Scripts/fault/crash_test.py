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

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from submission_checks import (  # noqa: E402 - shared with Tests/Deployment/two_nodes_test.py
    REQUEST_TIMEOUT, AnswerMaker, Attempt, acknowledge, check_in_database, check_stored, join, load, request,
    stored_rows)
from submission_checks import check_over_http as check_through  # noqa: E402

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SURVEYS = os.path.join(REPOSITORY, "Surveys")
SURVEY = "ai-risk-assessment"
SUBMIT = f"/api/v1/surveys/{SURVEY}/submissions"
HOST = "127.0.0.1"
START_TIMEOUT = 30.0           # seconds for a (re)start to answer /healthz
SIGTERM_EXIT_TIMEOUT = 10.0    # seconds for a clean stop after SIGTERM

# ---------------------------------------------------------------------------------------
# Small helpers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


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


def connect_to(port: int):
    """New plain HTTP connections to the server on `port`."""
    return lambda: http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)


def check_over_http(port: int, attempts: list[Attempt]) -> dict[str, str]:
    """tag -> problem for every acknowledged attempt that the server on `port` does not give back intact."""
    return check_through(connect_to(port), attempts)


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
        results, threads = load(connect_to(self.server.port), SUBMIT, self.options.clients, self.maker, prefix, self.rng, stop,
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
        rows, total, orphans, integrity = stored_rows(self.db, SURVEY)
        if integrity != "ok":
            self.fail(f"{label}: PRAGMA integrity_check: {integrity[:300]}")
        if orphans:
            self.fail(f"{label}: {orphans} submissions without their version row")
        # Every acknowledged submission of the run so far, in the database; requests without a
        # response may be stored, but only whole.
        problems, failures, stored_unknown = check_stored(rows, all_acks, unknown)
        for failure in failures:
            self.fail(f"{label}: {failure}")
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
        for attempt in stored_unknown:
            if attempt.error == "refused":
                self.fail(f"{label}: {attempt.tag} was refused at connect yet is stored")
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
        rows, _, _, _ = stored_rows(self.db, SURVEY)
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
