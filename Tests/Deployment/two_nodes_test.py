#!/usr/bin/env python3
"""Two consult nodes on one database behind a real nginx with TLS (issue 18).

    python3 Tests/Deployment/two_nodes_test.py --consult .build/debug/consult [--db-url URL | --postgres]
                                               [unittest options]

Starts two `consult serve` nodes on one database — by default a new SQLite file in a temporary folder
(SQLite in WAL mode is safe for several processes on one machine); with `--db-url URL` the database
at URL; with `--postgres` a throw-away cluster made by Scripts/fault/pgcluster.py — and Debian's nginx
in front of them with Scripts/deploy/nginx-consult-nodes.conf (an `upstream` of both nodes), moved to
loopback ports and a self-signed certificate. The surveys are a temporary folder: the shipped
`ai-risk-assessment` (open until 2099) and `ai-risk-race`, a copy of it with its own id and deadline.

- The deadline race: submissions from many client threads through nginx (so over both nodes) across
  the deadline, while an organizer extends the deadline through ONE node directly. Every `201`'s
  receipt and every refusal's problem must agree with the deadline in force when it was stored
  (0 misjudged); the database then holds exactly the accepted ones, each whole, each receipt verifies,
  and the refused attempts counted by the server equal the refusals.
- The crash of a node: under steady load through nginx one node is killed with SIGKILL, nginx sends the
  load to the other, the node is started again; every acknowledged submission is then present and
  whole (answers as sent, receipt verifies), 0 lost.

Each prints its figures. Everything (temporary folder, nodes, nginx, cluster) is removed at the end,
processes by their PID; KEEP_NODES_TEST=1 keeps the folder.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
REPOSITORY = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPOSITORY / "Scripts" / "fault"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from consult_server import ConsultServer, free_port  # noqa: E402
from nginx_test import documented_site, main_config as nginx_main_config, start_nginx  # noqa: E402
from pgcluster import PostgresCluster  # noqa: E402
from submission_checks import (  # noqa: E402
    REQUEST_TIMEOUT, AnswerMaker, Attempt, acknowledge, check_in_database, check_over_http, check_stored, join, load,
    request, stored_rows)

SITE_CONFIG = REPOSITORY / "Scripts" / "deploy" / "nginx-consult-nodes.conf"
SINGLE_SITE_CONFIG = REPOSITORY / "Scripts" / "deploy" / "nginx-consult.conf"
CRASH_SURVEY = "ai-risk-assessment"   # open until 2099
RACE_SURVEY = "ai-risk-race"          # a copy of it whose deadline the race sets
NODE_HEADER = "X-Consult-Node"        # added by the test's nginx main file: which node answered

# Set by main() from the command line.
CONSULT_BINARY = ""
DB_URL: str | None = None
USE_POSTGRES = False
CLIENTS = 16

# The race, in milliseconds: the deadline D0 is set LEAD after the load starts; MOVE_AT after D0 an
# organizer extends it through one node to D1 = D0 + EXTENSION; the load goes on until TAIL after D1
# (and until MIN_SENT submissions were sent).
RACE_LEAD_MS = 1500
RACE_MOVE_AT_MS = 200
RACE_EXTENSION_MS = 1000
RACE_TAIL_MS = 800
MIN_SENT = 200

# The crash: load for KILL_AFTER s, SIGKILL one node, keep sending DOWN_FOR s, start it again, keep
# sending until nginx gave it requests again (its fail_timeout is 2 s) and AFTER_RESTART s more.
KILL_AFTER = 1.5
DOWN_FOR = 1.0
AFTER_RESTART = 1.0
# PostgreSQL's crash and failover: how long the nodes may take to store again once the database is back.
RECOVERY_LIMIT = 30.0


def USE_POSTGRES_AT_IMPORT() -> bool:  # noqa: N802 - read as the class is defined, before main() parses options
    return "--postgres" in sys.argv


def site_config(https_port: int, http_port: int, node_ports: list[int], certificate: Path, key: Path) -> str:
    """The documented several-node site, moved to loopback ports and the run's certificate."""
    return documented_site(
        SITE_CONFIG, https_port, http_port, certificate, key,
        [("server 127.0.0.1:8080 ", f"server 127.0.0.1:{node_ports[0]} "),
         ("server 127.0.0.1:8081 ", f"server 127.0.0.1:{node_ports[1]} ")])


def main_config(folder: Path) -> str:
    """nginx's main file for a server that keeps everything in `folder`; its access log and a response header
    name the node that answered each request."""
    return nginx_main_config(folder, connections=1024, http_lines=f"""    log_format nodes '$msec $status $upstream_addr $upstream_status $request_method $uri';
    access_log {folder / "access.log"} nodes;
    add_header {NODE_HEADER} $upstream_addr always;""")


def survey_copy(source: Path, survey_id: str, closes_at: str) -> str:
    """The shipped survey file with another id and deadline (each line must be there once)."""
    text = source.read_text()
    for pattern, new in ((r"(?m)^id: .*$", f"id: {survey_id}"), (r"(?m)^closes_at: .*$", f"closes_at: {closes_at}")):
        text, count = re.subn(pattern, new, text)
        if count != 1:
            raise AssertionError(f"{source} should have one {pattern!r} line")
    return text


def utc_ms(text: str) -> int:
    """Milliseconds since 1970 of the API's UTC text (`2026-12-05T07:30:00.123Z`)."""
    return round(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def utc_text(milliseconds: int) -> str:
    instant = dt.datetime.fromtimestamp(milliseconds / 1000, dt.timezone.utc)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{milliseconds % 1000:03d}Z"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def sleep_until_ms(milliseconds: int) -> None:
    while (left := milliseconds - now_ms()) > 0:
        time.sleep(min(left / 1000, 0.05))


class TwoNodesTest(unittest.TestCase):
    folder: Path
    db: str
    sqlite_file: str | None
    cluster: PostgresCluster | None = None
    replica: PostgresCluster | None = None
    nodes: list[ConsultServer]
    node_ports: list[int]
    nginx: subprocess.Popen | None = None
    tls: ssl.SSLContext
    organizer: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.began = time.monotonic()
        cls.folder = Path(tempfile.mkdtemp(prefix="consult-nodes-"))
        cls.nodes = []
        try:
            cls.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls) -> None:
        folder = cls.folder
        surveys = folder / "surveys"
        surveys.mkdir()
        shipped = REPOSITORY / "Surveys" / f"{CRASH_SURVEY}.yaml"
        shutil.copy(shipped, surveys / shipped.name)
        # Open for the suite's run; the race sets the deadline it runs across.
        closes = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=30)
        (surveys / f"{RACE_SURVEY}.yaml").write_text(
            survey_copy(shipped, RACE_SURVEY, closes.strftime("%Y-%m-%dT%H:%M:%SZ")))
        cls.surveys = str(surveys)

        if DB_URL:
            cls.db, cls.sqlite_file = DB_URL, None
        elif USE_POSTGRES:
            cls.cluster = PostgresCluster()
            cls.cluster.start()
            # Every commit waits for the synchronous replica, which test 5 promotes when the primary is lost.
            cls.replica = cls.cluster.replica()
            cls.db, cls.sqlite_file = cls.cluster.url, None
        else:
            cls.db = cls.sqlite_file = str(folder / "consult.sqlite")
        cls.organizer = cls.cli("token", "create", "--role", "organizer", "--name", "Two-node test")

        certificate, key = folder / "certificate.pem", folder / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
            check=True, capture_output=True, timeout=60)
        cls.tls = ssl.create_default_context(cafile=str(certificate))
        cls.https_port, cls.http_port = free_port(), free_port()
        cls.public_url = f"https://localhost:{cls.https_port}"
        cls.node_ports = [free_port(), free_port()]
        cls.node_logs = [open(folder / f"node-{n}.log", "ab") for n in range(2)]
        for number in range(2):  # one after the other: the first start of a new database migrates it
            cls.nodes.append(cls.start_node(number))

        (folder / "consult.conf").write_text(site_config(cls.https_port, cls.http_port, cls.node_ports, certificate, key))
        (folder / "nginx.conf").write_text(main_config(folder))
        cls.nginx, cls.nginx_log = start_nginx(folder, cls.https_port)

    @classmethod
    def start_node(cls, number: int) -> ConsultServer:
        return ConsultServer(
            CONSULT_BINARY, cls.db, cls.node_logs[number], rate_limit=0, surveys=cls.surveys,
            port=cls.node_ports[number], start_timeout=30,
            extra_args=["--public-url", cls.public_url, "--trusted-proxy", "127.0.0.1"])

    @classmethod
    def cli(cls, *arguments: str) -> str:
        """A consult command on the suite's database; the last line it printed."""
        command = [CONSULT_BINARY, *arguments, "--db", cls.db]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError(f"consult {arguments[0]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
        return lines[-1] if lines else ""

    @classmethod
    def tearDownClass(cls) -> None:
        if cls.nginx is not None and cls.nginx.poll() is None:
            cls.nginx.terminate()
            try:
                cls.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cls.nginx.kill()
                cls.nginx.wait()
        for node in cls.nodes:
            node.stop()
        for cluster in (cls.replica, cls.cluster):
            if cluster is not None:
                cluster.stop()
        for log in [*getattr(cls, "node_logs", []), getattr(cls, "nginx_log", None)]:
            if log is not None:
                log.close()
        if os.environ.get("KEEP_NODES_TEST"):
            print(f"kept {cls.folder}", file=sys.stderr)
        else:
            shutil.rmtree(cls.folder, ignore_errors=True)
        print(f"two nodes: the suite took {time.monotonic() - cls.began:.1f} s", file=sys.stderr)

    # Connections and requests

    def through_nginx(self) -> http.client.HTTPConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.https_port, context=self.tls, timeout=REQUEST_TIMEOUT)

    def to_node(self, number: int):
        port = self.node_ports[number]
        return lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)

    def call(self, connect, method: str, path: str, payload=None, token: str | None = None) -> tuple[int, object]:
        connection = connect()
        try:
            status, data, _ = request(connection, method, path, payload, token)
        finally:
            connection.close()
        try:
            return status, json.loads(data)
        except ValueError:
            return status, data

    def answer_maker(self, survey: str) -> AnswerMaker:
        status, definition = self.call(self.through_nginx, "GET", f"/api/v1/surveys/{survey}")
        self.assertEqual(status, 200, definition)
        self.assertEqual(definition["status"], "open", definition)
        return AnswerMaker(definition)

    def move_deadline(self, node: int, closes_ms: int, reason: str) -> tuple[int, dict]:
        """Moves the race survey's deadline through `node` directly; the deadline now in force, as the server
        says (the oracle judges by it), and its answer."""
        status, body = self.call(self.to_node(node), "PUT", f"/api/v1/surveys/{RACE_SURVEY}/deadline",
                                 {"closes_at": utc_text(closes_ms), "reason": reason}, self.organizer)
        self.assertEqual(status, 200, body)
        in_force = utc_ms(body["closes_at"])
        # The deadline asked for, to the millisecond (a parsed instant once lost 1 ms through a binary fraction).
        self.assertEqual(in_force, closes_ms, body)
        return in_force, body

    def stats(self, survey: str) -> dict:
        status, body = self.call(self.to_node(0), "GET", f"/api/v1/surveys/{survey}/stats", token=self.organizer)
        self.assertEqual(status, 200, body)
        return body

    def nodes_of(self, attempts: list[Attempt]) -> str:
        """How many of `attempts` each node answered, e.g. `node 0: 12, node 1: 14, node 0 → node 1: 1` (the last
        refused by node 0 at connect, so nginx passed it on to node 1)."""
        names = {self.node_name(number): f"node {number}" for number in range(2)}
        counts: dict[str, int] = {}
        for attempt in attempts:
            tried = (attempt.node or "no node").split(", ")
            name = " → ".join(names.get(address, address) for address in tried)
            counts[name] = counts.get(name, 0) + 1
        return ", ".join(f"{name}: {count}" for name, count in sorted(counts.items()))

    def node_name(self, number: int) -> str:
        return f"127.0.0.1:{self.node_ports[number]}"

    # Tests

    def test_1_deadline_race_over_both_nodes_misjudges_nothing(self):
        maker = self.answer_maker(RACE_SURVEY)
        rng = random.Random(18)
        stop = threading.Event()
        d0, _ = self.move_deadline(1, now_ms() + RACE_LEAD_MS, "Two-node test: the deadline the race runs across")
        results, threads = load(self.through_nginx, f"/api/v1/surveys/{RACE_SURVEY}/submissions", CLIENTS, maker,
                                "race", rng, stop, limit=60)
        try:
            sleep_until_ms(d0 + RACE_MOVE_AT_MS)
            move_sent = time.monotonic()
            d1, moved = self.move_deadline(0, d0 + RACE_EXTENSION_MS, "Two-node test: extended during the race")
            move_answered = time.monotonic()
            self.assertEqual(moved["previous_closes_at"], utc_text(d0))
            sleep_until_ms(d1 + RACE_TAIL_MS)
            give_up = time.monotonic() + 20
            while sum(len(r) for r in results) < MIN_SENT and time.monotonic() < give_up:
                time.sleep(0.05)
        finally:
            stop.set()
            stuck = join(threads, REQUEST_TIMEOUT + 10)
        self.assertEqual(stuck, 0, "client threads did not finish")
        attempts = [a for worker in results for a in worker]
        self.assertGreaterEqual(len(attempts), MIN_SENT)

        accepted: list[Attempt] = []
        refused: list[tuple[Attempt, int, int]] = []   # attempt, received_at, the deadline it was judged by
        misjudged: list[str] = []
        odd: list[str] = []
        for attempt in attempts:
            if attempt.status == 201:
                problem = acknowledge(attempt)
                if problem:
                    odd.append(problem)
                    continue
                body = json.loads(attempt.body)
                received = utc_ms(attempt.ack["receipt"]["received_at"])
                if body["received_at"] != attempt.ack["receipt"]["received_at"]:
                    odd.append(f"{attempt.tag}: received_at {body['received_at']} differs from its receipt's")
                accepted.append(attempt)
                # On time by D0 if received by D0; by D1 only if stored after the move began.
                if received > max(d0, d1):
                    misjudged.append(f"{attempt.tag} accepted, received {utc_text(received)} after every deadline")
                elif received > d0 and attempt.finished < move_sent:
                    misjudged.append(f"{attempt.tag} accepted, received {utc_text(received)} after {utc_text(d0)}, "
                                     f"answered before the deadline was moved")
            elif attempt.status == 403:
                problem = json.loads(attempt.body)
                if problem.get("type") != "/problems/deadline-passed":
                    odd.append(f"{attempt.tag}: 403 {attempt.body[:300]!r}")
                    continue
                received, judged_by = utc_ms(problem["received_at"]), utc_ms(problem["closes_at"])
                refused.append((attempt, received, judged_by))
                if judged_by not in (d0, d1):
                    misjudged.append(f"{attempt.tag} refused by {problem['closes_at']}, never the deadline")
                elif received <= judged_by:
                    misjudged.append(f"{attempt.tag} refused, received {problem['received_at']}, not after "
                                     f"the deadline {problem['closes_at']} it names")
                elif received <= min(d0, d1):
                    misjudged.append(f"{attempt.tag} refused, received {problem['received_at']} before every deadline")
                elif judged_by == d0 and attempt.started > move_answered:
                    misjudged.append(f"{attempt.tag} sent after the move was answered, judged by the old deadline")
                elif judged_by == d1 and attempt.finished < move_sent:
                    misjudged.append(f"{attempt.tag} judged by the new deadline before it was moved")
            else:
                odd.append(f"{attempt.tag}: {attempt.status} {attempt.error or ''} {attempt.body[:300]!r}")
            # The instant the server received it lies within the client's request, on the machine's one clock.
            if attempt.status in (201, 403):
                stamp = utc_ms(json.loads(attempt.body)["received_at"])
                if not attempt.started_wall * 1000 - 2 <= stamp <= attempt.finished_wall * 1000 + 2:
                    odd.append(f"{attempt.tag}: received_at {utc_text(stamp)} outside its request")

        by_d0 = sum(1 for _, _, judged in refused if judged == d0)
        reopened = [a for a in accepted if utc_ms(a.ack["receipt"]["received_at"]) > d0]
        print(f"\ndeadline race: {len(attempts)} sent through nginx by {CLIENTS} clients; D0 {utc_text(d0)}, "
              f"moved through node 0 to D1 {utc_text(d1)} ({(move_answered - move_sent) * 1000:.0f} ms); "
              f"{len(accepted)} accepted ({len(reopened)} received after D0), {len(refused)} refused "
              f"({by_d0} by D0, {len(refused) - by_d0} by D1); misjudged {len(misjudged)}; "
              f"accepted by {self.nodes_of(accepted)}; refused by {self.nodes_of([a for a, _, _ in refused])}",
              file=sys.stderr)
        self.assertEqual(len(odd), 0, f"{len(odd)} unexpected answers, e.g.\n" + "\n".join(odd[:5]))
        self.assertEqual(len(misjudged), 0, f"{len(misjudged)} misjudged, e.g.\n" + "\n".join(misjudged[:5]))
        self.assertTrue(accepted and refused, "the race did not cross the deadline")
        self.assertTrue(reopened, "nothing was accepted in the extension: the move was not seen")
        answered_by = {a.node for a in attempts}
        self.assertTrue(self.node_name(0) in answered_by and self.node_name(1) in answered_by,
                        f"both nodes judge submissions: {answered_by}")

        # What is stored: exactly the accepted ones, whole, with receipts that verify.
        problems = check_over_http(self.through_nginx, accepted)
        self.assertEqual(problems, {}, f"{len(problems)} accepted submissions do not read back whole")
        stats = self.stats(RACE_SURVEY)
        self.assertEqual(stats["submissions"], len(accepted))
        self.assertEqual(stats["refused_late"], len(refused))
        if self.sqlite_file:
            rows, _, orphans, integrity = stored_rows(self.sqlite_file, RACE_SURVEY)
            self.assertEqual((integrity, orphans), ("ok", 0))
            self.assertEqual(set(rows), {a.tag for a in accepted}, "the database holds exactly the accepted ones")
            damaged = {a.tag: p for a in accepted if (p := check_in_database(a, rows))}
            self.assertEqual(damaged, {})
        print(f"deadline race: {stats['submissions']} stored, each receipt verifies; {stats['refused_late']} "
              f"refused attempts counted", file=sys.stderr)

    def test_2_a_node_killed_under_load_loses_nothing(self):
        maker = self.answer_maker(CRASH_SURVEY)
        rng = random.Random(2)
        stop = threading.Event()
        victim = 0
        results, threads = load(self.through_nginx, f"/api/v1/surveys/{CRASH_SURVEY}/submissions", CLIENTS, maker,
                                "crash", rng, stop, limit=90)
        access_log = self.folder / "access.log"
        try:
            time.sleep(KILL_AFTER)
            killed = time.monotonic()
            self.nodes[victim].kill()
            time.sleep(DOWN_FOR)
            self.nodes[victim] = self.start_node(victim)
            restarted = time.monotonic()
            restarted_wall = time.time()
            # Until nginx has given the restarted node submissions again (its fail_timeout is 2 s).
            give_up = time.monotonic() + 15
            while time.monotonic() < give_up and not self.posts_to(victim, after=restarted_wall, log=access_log):
                time.sleep(0.1)
            time.sleep(AFTER_RESTART)
        finally:
            stop.set()
            stuck = join(threads, REQUEST_TIMEOUT + 10)
        self.assertEqual(stuck, 0, "client threads did not finish")
        attempts = [a for worker in results for a in worker]

        acknowledged, unknown, odd = [], [], []
        for attempt in attempts:
            if attempt.status == 201:
                problem = acknowledge(attempt)
                if problem:
                    odd.append(problem)
                else:
                    acknowledged.append(attempt)
            elif attempt.status is None or (attempt.status == 502 and b"/problems/" not in attempt.body):
                unknown.append(attempt)   # no answer, or nginx's own 502: the node died with the request
            else:
                odd.append(f"{attempt.tag}: {attempt.status} {attempt.body[:300]!r}")
        during = [a for a in acknowledged if killed < a.started and a.finished < restarted]
        after = self.posts_to(victim, after=restarted_wall, log=access_log)
        self.assertEqual(len(odd), 0, f"{len(odd)} valid submissions got neither 201 nor a lost connection, e.g.\n"
                         + "\n".join(odd[:5]))
        self.assertTrue(during, "nothing was acknowledged while a node was down")
        self.assertGreater(after, 0, "the restarted node got no submission")

        problems = check_over_http(self.through_nginx, acknowledged)
        stored_unknown, lost = 0, [tag for tag, problem in problems.items() if "404" in problem]
        if self.sqlite_file:
            rows, _, orphans, integrity = stored_rows(self.sqlite_file, CRASH_SURVEY)
            self.assertEqual((integrity, orphans), ("ok", 0))
            in_database, failures, stored = check_stored(rows, acknowledged, unknown)
            self.assertEqual(failures, [])
            for tag, problem in in_database.items():
                problems.setdefault(tag, problem)
                if problem == "lost":
                    lost.append(tag)
            stored_unknown = len(stored)
            self.assertEqual(len(rows), len(acknowledged) + stored_unknown)
        stats = self.stats(CRASH_SURVEY)
        self.assertGreaterEqual(stats["submissions"], len(acknowledged))
        self.assertLessEqual(stats["submissions"], len(acknowledged) + len(unknown))
        print(f"\nnode crash: {len(attempts)} sent through nginx by {CLIENTS} clients; node 0 killed after "
              f"{KILL_AFTER} s, started again {restarted - killed:.1f} s later; {len(acknowledged)} acknowledged "
              f"({len(during)} while it was down; by {self.nodes_of(acknowledged)}), {len(unknown)} without "
              f"an answer ({stored_unknown} of them stored, whole), {after} posts to the restarted node; "
              f"{len(acknowledged) - len(problems)} intact, {len(set(lost))} lost", file=sys.stderr)
        self.assertEqual(len(problems), 0, f"{len(problems)} acknowledged submissions not whole, e.g. "
                         + "; ".join(f"{tag}: {problem}" for tag, problem in list(problems.items())[:5]))

    @unittest.skipUnless(USE_POSTGRES_AT_IMPORT(), "a throw-away database server to crash: --postgres only")
    def test_4_the_database_crashed_under_load_loses_nothing(self):
        """`pg_ctl stop -m immediate` (a crash: no checkpoint) under load, then the same cluster started again;
        the nodes keep running and reconnect."""
        outcome = self.under_load("dbcrash", self.crash_and_restart_database)
        self.report("database crash (pg_ctl stop -m immediate, then start)", outcome)

    @unittest.skipUnless(USE_POSTGRES_AT_IMPORT(), "a throw-away replica to fail over to: --postgres only")
    def test_5_the_primary_lost_and_the_synchronous_replica_promoted_loses_nothing(self):
        """The primary crashes under load and is never started again; the synchronous replica is promoted and
        both nodes are started again on it (as an operator or a failover manager would)."""
        outcome = self.under_load("failover", self.fail_over_to_the_replica)
        self.report("failover (primary crashed, replica promoted, nodes moved to it)", outcome)

    def crash_and_restart_database(self) -> None:
        self.cluster.stop_immediate()
        time.sleep(DOWN_FOR)
        self.cluster.start()

    def fail_over_to_the_replica(self) -> None:
        self.cluster.stop_immediate()
        time.sleep(DOWN_FOR / 2)
        self.replica.promote()
        type(self).db = self.replica.url
        for number in range(len(self.nodes)):
            self.nodes[number].kill()
            self.nodes[number] = self.start_node(number)

    def under_load(self, prefix: str, fault) -> dict:
        """Submissions through nginx for KILL_AFTER s, then `fault()` while they go on, then AFTER_RESTART s
        more; every acknowledged one is then checked over HTTP (answers as sent, receipt verifies)."""
        maker = self.answer_maker(CRASH_SURVEY)
        stop = threading.Event()
        results, threads = load(self.through_nginx, f"/api/v1/surveys/{CRASH_SURVEY}/submissions", CLIENTS, maker,
                                prefix, random.Random(prefix), stop, limit=120)
        try:
            time.sleep(KILL_AFTER)
            faulted = time.monotonic()
            fault()
            recovered = time.monotonic()
            # Until the nodes store again (their connection pools reconnect on their own), then a while more.
            give_up = recovered + RECOVERY_LIMIT
            while time.monotonic() < give_up and not any(
                    a.status == 201 and a.started > recovered for worker in results for a in list(worker)):
                time.sleep(0.1)
            stored_again = time.monotonic()
            time.sleep(AFTER_RESTART)
        finally:
            stop.set()
            stuck = join(threads, REQUEST_TIMEOUT + 10)
        self.assertEqual(stuck, 0, "client threads did not finish")
        attempts = [a for worker in results for a in worker]
        acknowledged, unavailable, unknown, odd = [], [], [], []
        for attempt in attempts:
            if attempt.status == 201:
                problem = acknowledge(attempt)
                (odd.append(problem) if problem else acknowledged.append(attempt))
            elif attempt.status is None or (attempt.status == 502 and b"/problems/" not in attempt.body):
                unknown.append(attempt)
            elif attempt.status in (500, 503) and b"/problems/" in attempt.body:
                unavailable.append(attempt)   # the node said it could not store it: not acknowledged
            else:
                odd.append(f"{attempt.tag}: {attempt.status} {attempt.body[:300]!r}")
        self.assertEqual(odd, [], "valid submissions got neither 201, a problem nor a lost connection")
        before = [a for a in acknowledged if a.finished < faulted]
        after = [a for a in acknowledged if a.started > recovered]
        self.assertTrue(before, "nothing was acknowledged before the fault")
        self.assertTrue(after, "nothing was acknowledged after the recovery")
        problems = check_over_http(self.through_nginx, acknowledged)
        self.assertEqual(problems, {}, f"{len(problems)} acknowledged submissions lost or not whole, e.g. "
                         + "; ".join(f"{tag}: {problem}" for tag, problem in list(problems.items())[:5]))
        return {"sent": len(attempts), "acknowledged": len(acknowledged), "before": len(before), "after": len(after),
                "unavailable": len(unavailable), "unknown": len(unknown), "outage": recovered - faulted,
                "reconnect": stored_again - recovered}

    def report(self, what: str, outcome: dict) -> None:
        print(f"\n{what}: {outcome['sent']} sent through nginx by {CLIENTS} clients; {outcome['acknowledged']} "
              f"acknowledged ({outcome['before']} before the fault, {outcome['after']} after the recovery, "
              f"{outcome['outage']:.1f} s later; stored again {outcome['reconnect']:.1f} s after it), "
              f"{outcome['unavailable']} refused as unavailable, "
              f"{outcome['unknown']} without an answer; 0 lost, every one whole", file=sys.stderr)

    def posts_to(self, node: int, after: float, log: Path) -> int:
        """Submissions nginx's access log shows answered by `node` after the instant `after`."""
        count = 0
        for line in log.read_text().splitlines():
            fields = line.split()
            if (len(fields) >= 6 and float(fields[0]) > after and fields[2] == self.node_name(node)
                    and fields[4] == "POST"):
                count += 1
        return count

    def test_3_the_nodes_site_is_the_documented_site_with_an_upstream(self):
        def directives(text: str) -> list[str]:
            return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]

        nodes = directives(SITE_CONFIG.read_text())
        single = directives(SINGLE_SITE_CONFIG.read_text())
        upstream = nodes[:nodes.index("}") + 1]
        self.assertEqual(upstream[0], "upstream consult_nodes {")
        rest = [line for line in nodes[len(upstream):] if line != "proxy_next_upstream error timeout;"]
        self.assertEqual(rest, [line.replace("proxy_pass http://127.0.0.1:8080;", "proxy_pass http://consult_nodes;")
                                for line in single])
        # The README shows the upstream block as the file has it.
        block = re.search(r"(?ms)^upstream consult_nodes \{$.*?^\}$", SITE_CONFIG.read_text())
        readme = (REPOSITORY / "README.md").read_text()
        self.assertTrue(block.group(0) in readme, "README shows the upstream block of nginx-consult-nodes.conf")
        self.assertIn("Scripts/deploy/nginx-consult-nodes.conf", readme)


def main() -> None:
    global CONSULT_BINARY, DB_URL, USE_POSTGRES, CLIENTS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consult", required=True, help="the consult binary")
    parser.add_argument("--db-url", help="the database both nodes use (default: a new SQLite file)")
    parser.add_argument("--postgres", action="store_true",
                        help="both nodes on a throw-away PostgreSQL cluster (Scripts/fault/pgcluster.py)")
    parser.add_argument("--clients", type=int, default=CLIENTS, help=f"client threads (default {CLIENTS})")
    options, rest = parser.parse_known_args()
    if options.db_url and options.postgres:
        parser.error("--db-url and --postgres exclude each other")
    CONSULT_BINARY = str(Path(options.consult).resolve())
    DB_URL, USE_POSTGRES, CLIENTS = options.db_url, options.postgres, options.clients
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
