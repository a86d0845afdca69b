#!/usr/bin/env python3
"""Sends a corpus of hand-made hostile requests to a real `consult serve` and checks that
nothing is let in and nothing is lost.

The server runs from a private copy of the binary on a fresh database with a few valid
submissions and drafts. Every case (Scripts/fault/hostile_cases.py) is sent as raw bytes
over a socket, so malformed HTTP reaches the server as written. For each case:

- the status is the expected one (never 5xx); a closed connection without an answer is
  accepted only for cases of malformed HTTP framing, and is reported as "closed";
- errors on /api/ routes are application/problem+json with type, title, status, detail;
- no error body reveals internals (SQL, GRDB, file paths, Swift source names, traps);
- the status is one the OpenAPI document (GET /openapi.json) lists for the operation;
- the database is unchanged (row counts and a hash of every row of submission,
  submission_version, answer, draft, audit_entry, role_token and the other state tables,
  read through a read-only sqlite3 connection); refused_attempt may grow by one only for
  submissions to a closed survey, and cases that are valid (hostile but legal content)
  may only add their one submission and must read back unchanged;
- the server still answers /healthz.

Prints `ok|FAIL group/name status` per case and `hostile: N tried, P passed, F failed`;
exits 0 only if every case passed.

    Scripts/fault/hostile_requests.py [--consult PATH] [--keep] [--only TEXT]

Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.dont_write_bytecode = True  # no __pycache__ beside the scripts

import hostile_cases as corpus  # noqa: E402

# Tables whose content must not change under a refused request.
STATE_TABLES = [
    "submission", "submission_version", "answer_value", "answer_code", "question_tally", "option_tally",
    "number_tally", "draft", "audit_entry", "role_token", "survey_deadline", "idempotency_key", "staff_session",
    "server_secret",
]
# Reading room (themes): the codebook, the codings and the respondent lookup.
STATE_TABLES += ["theme", "coding", "respondent_pseudonym"]
# Position papers: uploaded files, staged or bound.
STATE_TABLES += ["attachment"]
# campaigns: the clusters, their members and the keyed client addresses of submissions.
STATE_TABLES += ["campaign_cluster", "campaign_member", "submission_client"]
# Columns that record when a token was last used, not what it is: a refused request with a valid token is still a use.
STATE_COLUMNS = {"role_token": "id, role, name, token_hash, created_at_ms, expires_at_ms, revoked_at_ms"}
# Counters kept up to date in place by each accepted submission: they grow, never shrink or vanish.
TALLY_TABLES = {"question_tally": "respondents", "option_tally": "respondents", "number_tally": "answers"}
# The audit log's action for an export download.
DOWNLOADED = "export.downloaded"
# Strings that would reveal the server's internals in an error body (unless the request carried them).
LEAKS = [
    "sqlite", "grdb", "/work/", "/tmp/", "/home/", "/root/", "/usr/", ".swift", "fatal", "traceback",
    "stack trace", "niocore", "httpparsererror", "decodingerror", "swift.", "no such table",
    "constraint failed", "syntax error", "unexpected error", "hummingbird",
]


# ---------------------------------------------------------------------------------------
# Raw HTTP


@dataclass
class Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes


class Reply:
    """What came back for one case: the first final response, how many there were, timing."""

    def __init__(self, responses: list[Response], closed: bool, elapsed: float, error: str | None):
        finals = [r for r in responses if not 100 <= r.status < 200]
        interim = [r for r in responses if 100 <= r.status < 200]
        self.first = responses[0] if responses else None
        self.final = finals[0] if finals else None
        self.response_count = len(finals)
        self.interim = interim
        self.closed = closed
        self.elapsed = elapsed
        self.error = error

    @property
    def status(self) -> int | None:
        # An interim 100 with no final answer yet counts as the answer (Expect: 100-continue).
        if self.final is not None:
            return self.final.status
        return self.first.status if self.first is not None else None

    @property
    def body(self) -> bytes:
        return self.final.body if self.final else b""

    def header(self, name: str) -> str | None:
        if not self.final:
            return None
        for key, value in self.final.headers:
            if key.lower() == name.lower():
                return value
        return None


def parse_responses(buffer: bytes, head: bool, closed: bool) -> tuple[list[Response], bool]:
    """The responses in `buffer`; the flag says whether the last one is complete."""
    responses: list[Response] = []
    position = 0
    while position < len(buffer):
        end = buffer.find(b"\r\n\r\n", position)
        if end < 0:
            return responses, False
        lines = buffer[position:end].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        try:
            status = int(parts[1])
        except (IndexError, ValueError):
            return responses, False
        reason = parts[2] if len(parts) > 2 else ""
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        fields = {name.lower(): value for name, value in headers}
        start = end + 4
        if 100 <= status < 200:
            responses.append(Response(status, reason, headers, b""))
            position = start
            continue
        if head or status in (204, 304):
            responses.append(Response(status, reason, headers, b""))
            position = start
        elif "chunked" in fields.get("transfer-encoding", "").lower():
            body = bytearray()
            cursor = start
            while True:
                line_end = buffer.find(b"\r\n", cursor)
                if line_end < 0:
                    return responses, False
                size = int(buffer[cursor:line_end].split(b";")[0] or b"0", 16)
                cursor = line_end + 2
                if size == 0:
                    trailer_end = buffer.find(b"\r\n", cursor)
                    if trailer_end < 0:
                        return responses, False
                    cursor = trailer_end + 2
                    break
                if len(buffer) < cursor + size + 2:
                    return responses, False
                body += buffer[cursor:cursor + size]
                cursor += size + 2
            responses.append(Response(status, reason, headers, bytes(body)))
            position = cursor
        elif "content-length" in fields:
            length = int(fields["content-length"])
            if len(buffer) < start + length:
                return responses, False
            responses.append(Response(status, reason, headers, buffer[start:start + length]))
            position = start + length
        else:
            if not closed:
                return responses, False
            responses.append(Response(status, reason, headers, buffer[start:]))
            position = len(buffer)
    return responses, True


def exchange(port: int, data: bytes, *, head: bool = False, half_close: bool = False, timeout: float = 30.0,
             linger: float = 0.5) -> Reply:
    """Sends `data` on a new connection (from a thread, so that an early answer to a large
    body is read) and reads every response until the server closes, goes quiet after a
    complete response, or `timeout` passes."""
    started = time.monotonic()
    deadline = started + timeout
    try:
        connection = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError as error:
        return Reply([], True, 0.0, f"cannot connect: {error}")

    def send():
        try:
            connection.sendall(data)
            if half_close:
                connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer and close before reading everything

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    buffer = b""
    closed = False
    error = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        responses, complete = parse_responses(buffer, head, closed)
        has_final = complete and any(not 100 <= r.status < 200 for r in responses)
        connection.settimeout(min(remaining, linger) if has_final else min(remaining, 1.0))
        try:
            chunk = connection.recv(1 << 16)
        except socket.timeout:
            if has_final:
                break
            continue
        except (ConnectionResetError, BrokenPipeError) as reset:
            closed = True
            error = f"connection reset ({reset.__class__.__name__})"
            break
        if not chunk:
            closed = True
            break
        buffer += chunk
    connection.close()
    sender.join(timeout=5)
    responses, _ = parse_responses(buffer, head, True)
    return Reply(responses, closed, time.monotonic() - started, error)


# ---------------------------------------------------------------------------------------
# The server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, consult: Path, surveys: Path, folder: Path):
        self.folder = folder
        self.binary = self._copy(consult)
        self.surveys = surveys
        self.db = folder / "consult.sqlite"
        self.log_path = folder / "serve.log"
        self.process: subprocess.Popen | None = None
        self.port = 0
        # Where the server writes temporary files (exports), so the cases can see what it leaves there.
        self.temporary = folder / "tmp"
        self.temporary.mkdir()
        # Short connection timeouts (seconds), so the slow-client cases finish quickly; None if unsupported.
        self.limits: dict[str, int] | None = None
        self.extra_options: list[str] = []

    def _copy(self, consult: Path) -> Path:
        """A private copy of the binary and its resource bundles (the build folder may change meanwhile)."""
        original = consult.resolve()
        if not original.exists():
            raise SystemExit(f"hostile: {original} does not exist; build it with `swift build --product consult`")
        target = self.folder / "bin"
        target.mkdir()
        shutil.copy2(original, target / "consult")
        for bundle in original.parent.glob("*.resources"):
            shutil.copytree(bundle, target / bundle.name)
        return target / "consult"

    def cli(self, *arguments: str) -> str:
        command = [str(self.binary), *arguments]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise SystemExit(f"hostile: {' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def token(self, role: str, name: str) -> str:
        return self.cli("token", "create", "--role", role, "--name", name, "--db", str(self.db))

    def start(self) -> None:
        self.port = free_port()
        command = [str(self.binary), "serve", "--db", str(self.db), "--surveys", str(self.surveys),
                   "--host", "127.0.0.1", "--port", str(self.port)]
        help_text = subprocess.run([str(self.binary), "serve", "--help"], capture_output=True, text=True,
                                   timeout=60).stdout
        if "--rate-limit" in help_text:
            command += ["--rate-limit", "0"]
        if "--header-timeout" in help_text:
            if self.limits is None:
                self.limits = {"header": 3, "body": 5, "idle": 4}
            command += ["--header-timeout", str(self.limits["header"]), "--body-timeout", str(self.limits["body"]),
                        "--idle-timeout", str(self.limits["idle"])]
        if self.extra_options and self.extra_options[0] in help_text:
            command += self.extra_options
        environment = dict(os.environ, TMPDIR=str(self.temporary))
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env=environment)
        log.close()
        for _ in range(200):  # at most about 20 s
            if self.process.poll() is not None:
                break
            if self.healthy(timeout=1):
                return
            time.sleep(0.1)
        self.stop()
        raise SystemExit(f"hostile: consult serve did not become healthy on port {self.port}:\n{self.log_tail()}")

    def healthy(self, timeout: float = 5) -> bool:
        reply = exchange(self.port, corpus.Requests(self.port).get("/healthz"), timeout=timeout)
        return reply.status == 200

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
                print("hostile: consult serve ignored SIGTERM for 15 s; killed", flush=True)
        self.process = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


# ---------------------------------------------------------------------------------------
# The database's fingerprint


class Fingerprint:
    """Row counts and row multisets of the state tables, and the refused attempts."""

    def __init__(self, db: Path):
        connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            # The campaign worker places accepted submissions in the background, within seconds, in
            # the transaction that takes them off its queue: wait for it, so its rows are counted
            # with the request that caused them.
            settled = time.monotonic() + 15
            while connection.execute("SELECT count(*) FROM near_duplicate_queue").fetchone()[0] \
                    and time.monotonic() < settled:
                time.sleep(0.05)
            self.rows: dict[str, collections.Counter] = {}
            for table in STATE_TABLES:
                counter = collections.Counter()
                # Export downloads are audited: they are counted apart, as each case expects its own.
                query = f"SELECT {STATE_COLUMNS.get(table, '*')} FROM {table}" + (
                    f" WHERE action != '{DOWNLOADED}'" if table == "audit_entry" else "")
                for row in connection.execute(query):  # noqa: S608 - fixed names
                    counter[hashlib.sha256(repr(row).encode()).hexdigest()] += 1
                self.rows[table] = counter
            self.tallied = {table: connection.execute(f"SELECT total({column}) FROM {table}").fetchone()[0]  # noqa: S608
                            for table, column in TALLY_TABLES.items()}
            self.refused = connection.execute("SELECT count(*) FROM refused_attempt").fetchone()[0]
            self.downloads = connection.execute(
                "SELECT count(*) FROM audit_entry WHERE action = ?", (DOWNLOADED,)).fetchone()[0]
        finally:
            connection.close()

    def count(self, table: str) -> int:
        return sum(self.rows[table].values())

    def digest(self, table: str) -> str:
        return hashlib.sha256("".join(sorted(self.rows[table].elements())).encode()).hexdigest()[:12]

    def changes(self, before: "Fingerprint", mode: str, downloads: int = 0) -> list[str]:
        """What changed from `before` that `mode` does not allow; `downloads` export downloads must have been audited."""
        problems = []
        if self.downloads - before.downloads != downloads:
            problems.append(f"audit log: {self.downloads - before.downloads} export downloads recorded, "
                            f"expected {downloads}")
        if mode == "added":
            for table in STATE_TABLES:
                if table in TALLY_TABLES:
                    if self.tallied[table] <= before.tallied[table]:
                        problems.append(f"{table}: the new submission was not counted")
                    continue
                lost = before.rows[table] - self.rows[table]
                if lost:
                    problems.append(f"{table}: {sum(lost.values())} earlier rows changed or vanished")
            if self.count("submission") != before.count("submission") + 1:
                problems.append(f"submission: {before.count('submission')} -> {self.count('submission')} rows, "
                                "expected exactly one more")
            for table in ("draft", "audit_entry", "role_token", "survey_deadline", "staff_session", "server_secret"):
                if self.rows[table] != before.rows[table]:
                    problems.append(f"{table} changed")
        else:
            for table in STATE_TABLES:
                if self.rows[table] != before.rows[table]:
                    problems.append(f"{table} changed: {before.count(table)} rows ({before.digest(table)}) -> "
                                    f"{self.count(table)} rows ({self.digest(table)})")
        allowed = 1 if mode == "refusal" else 0
        if self.refused - before.refused != allowed:
            problems.append(f"refused_attempt: {before.refused} -> {self.refused}, expected +{allowed}")
        return problems


# ---------------------------------------------------------------------------------------
# Seeding and the context the cases see


@dataclass
class Owned:
    id: str
    token: str
    receipt: dict | None = None


@dataclass
class Session:
    cookie: str
    csrf: str


class Context:
    def __init__(self, server: Server):
        self.server = server
        self.port = server.port
        self.requests = corpus.Requests(server.port)
        self.organizer = ""
        self.analyst = ""
        self.submissions: list[Owned] = []
        self.drafts: list[Owned] = []
        self.sessions: list[Session] = []
        self.idempotency_key = "hostile-seed-key-1"
        self.idempotent_body = b""
        self.analyst_cookie = ""
        self.downloads = 0  # export downloads made by the checks, each of which the audit log must show

    @property
    def limits(self) -> dict[str, int] | None:
        """The connection timeouts the server was started with (seconds), if it has them."""
        return self.server.limits

    def export_files(self) -> list[str]:
        """What is in the server's temporary folder (where exports are written)."""
        return sorted(str(path.relative_to(self.server.temporary)) for path in self.server.temporary.rglob("*"))

    def abort_download(self, path: str) -> bytes:
        """Starts a download as the analyst, reads its first bytes and closes the connection."""
        headers = [("Cookie", self.analyst_cookie)] if path.startswith("/analyst/") else []
        token = None if headers else self.analyst
        data = self.requests.build("GET", path, token=token, headers=headers, close=False)
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as connection:
            connection.sendall(data)
            first = connection.recv(64)
        if first.startswith(b"HTTP/1.1 200"):
            self.downloads += 1
        return first

    def sign_in_analyst(self) -> None:
        """A browser session signed in with the analyst's token, for the analyst pages' downloads."""
        page = self.call(self.requests.get("/sign-in"))
        match = re.search(rb'name="csrf" value="([^"]+)"', page.body)
        cookie = (page.header("Set-Cookie") or "").split(";", 1)[0]
        if page.status != 200 or not match or not cookie:
            raise SystemExit(f"hostile: cannot open a browser session: {page.status}")
        form = f"csrf={match.group(1).decode()}&token={urllib.parse.quote(self.analyst)}"
        reply = self.call(self.requests.form("/sign-in", form, cookie=cookie))
        cookies = [value.split(";", 1)[0] for name, value in (reply.final.headers if reply.final else [])
                   if name.lower() == "set-cookie"]
        if reply.status != 303 or not cookies:
            raise SystemExit(f"hostile: the analyst cannot sign in: {reply.status} {reply.body[:200]!r}")
        self.analyst_cookie = "; ".join(cookies)

    def call(self, data: bytes) -> Reply:
        return exchange(self.port, data, timeout=60)

    def read_submission(self, id: str, token: str) -> dict:
        reply = self.call(self.requests.get(f"/api/v1/submissions/{id}", token=token))
        if reply.status != 200:
            raise RuntimeError(f"GET /api/v1/submissions/{id}: {reply.status} {reply.body[:200]!r}")
        return json.loads(reply.body)

    def download(self, path: str) -> tuple[int | None, bytes]:
        reply = self.call(self.requests.get(path, token=self.analyst))
        if reply.status == 200:
            self.downloads += 1
        return reply.status, reply.body

    def seed(self) -> None:
        """Organizer and analyst tokens, three submissions, two drafts, two browser sessions."""
        r = self.requests
        variants = [
            {},
            {"agency_type": "customs_border", "country": "DE", "publication": "public_named",
             "contact_email": "anna@example.org", "other_rights_effects": "yes",
             "other_rights_details": "Freedom of movement at borders."},
            {"agency_type": {"choice": "other", "other": "Municipal transport police"}, "country": "BR",
             "publication": "confidential", "missing_safeguards": []},
        ]
        for index, changes in enumerate(variants):
            data = corpus.submission(**changes)
            headers = []
            if index == 0:
                headers = [("Idempotency-Key", self.idempotency_key)]
                self.idempotent_body = data
            reply = self.call(r.json("POST", corpus.SUB, data, headers=headers))
            if reply.status != 201:
                raise SystemExit(f"hostile: seeding a submission failed: {reply.status} {reply.body[:300]!r}")
            created = json.loads(reply.body)
            self.submissions.append(Owned(created["id"], created["edit_token"], created["receipt"]))
        for answers in ({"system_name": "Draft system", "lawful_basis_likelihood": 3}, {}):
            reply = self.call(r.json("POST", corpus.DRAFTS, corpus.body({"answers": answers})))
            if reply.status != 201:
                raise SystemExit(f"hostile: seeding a draft failed: {reply.status} {reply.body[:300]!r}")
            created = json.loads(reply.body)
            self.drafts.append(Owned(created["id"], created["resume_token"]))
        for _ in range(2):
            reply = self.call(r.get("/sign-in"))
            cookie = reply.header("Set-Cookie") or ""
            match = re.search(rb'name="csrf" value="([^"]+)"', reply.body)
            if reply.status != 200 or not cookie or not match:
                raise SystemExit(f"hostile: cannot open a browser session: {reply.status}")
            self.sessions.append(Session(cookie.split(";", 1)[0], match.group(1).decode()))
        survey = self.call(r.get(f"/api/v1/surveys/{corpus.CLOSED_SURVEY}"))
        status = json.loads(survey.body).get("status") if survey.status == 200 else None
        if status != "closed":
            raise SystemExit(f"hostile: {corpus.CLOSED_SURVEY} should be closed; it is {status!r}")


# ---------------------------------------------------------------------------------------
# The OpenAPI document's statuses


class Documented:
    """The statuses the served OpenAPI document lists per operation."""

    def __init__(self, document: dict):
        self.operations = []
        for template, item in document.get("paths", {}).items():
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
            literal = len(re.sub(r"\{[^}]+\}", "", template))
            methods = {m.upper(): set(op.get("responses", {})) for m, op in item.items()
                       if m.lower() in ("get", "put", "post", "delete", "patch", "head", "options")}
            self.operations.append((literal, template, pattern, methods))
        self.operations.sort(key=lambda entry: -entry[0])

    def statuses(self, method: str, path: str) -> tuple[str, set[str]] | None:
        for _, template, pattern, methods in self.operations:
            if pattern.match(path):
                if method == "HEAD" and "HEAD" not in methods:
                    return None  # HEAD is GET without a body; the document need not list it
                if method in methods:
                    return template, methods[method]
                return None
        return None


def request_line(data: bytes) -> tuple[str, str]:
    line = data.split(b"\r\n", 1)[0].split(b"\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    method = parts[0] if parts else ""
    target = parts[1] if len(parts) > 1 else ""
    return method, target.split("?", 1)[0]


# ---------------------------------------------------------------------------------------
# Running the cases


def check_case(case: corpus.Case, reply: Reply, documented: Documented) -> list[str]:
    problems = []
    method, path = request_line(case.data)
    status = reply.status
    if status is None:
        if not (case.close_ok and reply.closed):
            what = "closed the connection without an answer" if reply.closed else \
                f"no answer within {case.timeout:g} s"
            return [what + (f" ({reply.error})" if reply.error else "")]
        return []
    if status >= 500:
        problems.append(f"server error {status}")
    if status not in case.expect:
        problems.append(f"status {status}, expected {'/'.join(map(str, sorted(case.expect)))}")
    if case.max_responses is not None and reply.response_count > case.max_responses:
        problems.append(f"{reply.response_count} responses to one request: the extra bytes were run as a request")
    if case.head and reply.final is not None and reply.final.body:
        problems.append("a HEAD answer carried a body")
    body = reply.body
    parser_error = case.framing and status == 400 and not body
    if status >= 400 and path.startswith("/api/") and not case.head and not parser_error:
        kind = (reply.header("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/problem+json":
            problems.append(f"error Content-Type is {kind or 'missing'!r}, not application/problem+json")
        try:
            problem = json.loads(body)
            if not isinstance(problem, dict):
                raise ValueError
            for member in ("type", "title", "detail"):
                if not isinstance(problem.get(member), str) or not problem.get(member):
                    problems.append(f"problem has no {member!r}")
            if problem.get("status") != status:
                problems.append(f"problem status {problem.get('status')!r} differs from {status}")
        except ValueError:
            problems.append("error body is not a JSON object")
    if status >= 400:
        # Echoes of the request (the path in `instance`, a rejected value) are not leaks.
        lowered_body = body.lower()
        raw_target = case.data.split(b"\r\n", 1)[0].split(b" ")[1:2]
        for echo in raw_target + [urllib.parse.unquote_to_bytes(t) for t in raw_target]:
            lowered_body = lowered_body.replace(echo.lower(), b"")
        lowered_request = case.data.lower()
        for leak in LEAKS:
            needle = leak.encode()
            if needle in lowered_body and needle not in lowered_request:
                problems.append(f"error body reveals {leak!r}")
    if (path.startswith("/api/") or path in ("/healthz", "/openapi.json")) and not parser_error:
        found = documented.statuses(method, path)
        if found is not None:
            template, listed = found
            if str(status) not in listed and f"{str(status)[0]}XX" not in listed and "default" not in listed \
                    and 100 <= status < 600 and status != 100:
                problems.append(f"status {status} is not documented for {method} {template} "
                                f"(lists {', '.join(sorted(listed))})")
    if case.check is not None and status in case.expect:
        problems += case.check(reply, CURRENT_CONTEXT)
    return problems


CURRENT_CONTEXT: Context | None = None


def start_seeded(server: Server, context: Context) -> None:
    """Starts the server, points the context at it and seeds the data the cases act on."""
    global CURRENT_CONTEXT
    server.start()
    context.port = server.port
    context.requests = corpus.Requests(server.port)
    CURRENT_CONTEXT = context
    context.seed()
    context.sign_in_analyst()


def main() -> int:
    global CURRENT_CONTEXT
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consult", type=Path, default=REPO / ".build" / "debug" / "consult",
                        help="the consult binary (copied before use with its resource bundles)")
    parser.add_argument("--surveys", type=Path, default=REPO / "Surveys", help="the surveys folder")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, log)")
    parser.add_argument("--only", default="", help="run only cases whose group/name contains this text")
    parser.add_argument("--verbose", action="store_true", help="print each answer's first bytes")
    parser.add_argument("--measure", action="store_true",
                        help="instead of the cases, measure slow clients and export temporary files (RELIABILITY.md)")
    options = parser.parse_args()
    if options.measure:
        return measure(options)

    folder = Path(tempfile.mkdtemp(prefix="consult-hostile-"))
    server = Server(options.consult, options.surveys.resolve(), folder)
    tried = passed = 0
    failed_names: list[str] = []
    try:
        context = Context(server)
        context.organizer = server.token("organizer", "Olga Organizer")
        context.analyst = server.token("analyst", "Anton Analyst")
        start_seeded(server, context)
        document_reply = context.call(context.requests.get("/openapi.json"))
        documented = Documented(json.loads(document_reply.body))
        seeded = {owned.id: context.read_submission(owned.id, owned.token) for owned in context.submissions}
        cases = corpus.build_cases(context)
        if options.only:
            cases = [case for case in cases if options.only.lower() in f"{case.group}/{case.name}".lower()]
        before = Fingerprint(server.db)
        for case in cases:
            tried += 1
            downloads_before = context.downloads
            reply = exchange(server.port, case.data, head=case.head, half_close=case.half_close,
                             timeout=case.timeout)
            problems = check_case(case, reply, documented)
            after = Fingerprint(server.db)
            mode = case.db if case.db != "added" or (reply.status or 0) // 100 == 2 else "same"
            downloads = context.downloads - downloads_before + (case.downloads if reply.status == 200 else 0)
            problems += after.changes(before, mode, downloads)
            before = after
            if not server.alive() or not server.healthy():
                problems.append("the server is no longer healthy")
            shown = str(reply.status) if reply.status is not None else ("closed" if reply.closed else "silent")
            label = f"{case.group}/{case.name}"
            if problems:
                failed_names.append(label)
                print(f"FAIL {label} {shown} — " + "; ".join(problems), flush=True)
                if case.note:
                    print(f"     ({case.note})", flush=True)
            else:
                passed += 1
                print(f"ok   {label} {shown}", flush=True)
            if options.verbose and reply.final is not None:
                print(f"     {reply.body[:200]!r}", flush=True)
            if not server.alive():
                print("hostile: the server died; the log ends with:\n" + server.log_tail(), flush=True)
                break
        # The seeded submissions read back unchanged, and the server is still up.
        tried += 1
        intact = []
        for owned in context.submissions:
            try:
                now = context.read_submission(owned.id, owned.token)
                if now != seeded[owned.id]:
                    intact.append(f"submission {owned.id} changed")
            except RuntimeError as error:
                intact.append(str(error))
        if not server.healthy():
            intact.append("/healthz does not answer 200")
        if intact:
            failed_names.append("final/seeded data intact, server healthy")
            print("FAIL final/seeded data intact, server healthy — " + "; ".join(intact), flush=True)
        else:
            passed += 1
            print("ok   final/seeded data intact, server healthy 200", flush=True)
        unexpected = [line for line in server.log_tail(100000).splitlines() if "unexpected error" in line]
        if unexpected:
            print(f"hostile: the server logged {len(unexpected)} unexpected errors, e.g.\n  "
                  + "\n  ".join(unexpected[:5]), flush=True)
    finally:
        server.stop()
        if options.keep:
            print(f"hostile: kept {folder}", flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    failed = tried - passed
    print(f"hostile: {tried} tried, {passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


def measure(options) -> int:
    """The figures RELIABILITY.md records: 300 clients sending a header line every 5 s, with the
    default limits and with a cap of 100 connections; the files left in the server's temporary
    folder after 1,000 HEAD requests and 1,000 downloads cut off by the client."""
    import slow_clients
    global CURRENT_CONTEXT
    folder = Path(tempfile.mkdtemp(prefix="consult-measure-"))
    server = Server(options.consult, options.surveys.resolve(), folder)
    failures = []
    try:
        context = Context(server)
        context.organizer = server.token("organizer", "Olga Organizer")
        context.analyst = server.token("analyst", "Anton Analyst")
        for label, extra in (("default limits", []), ("--max-connections 100", ["--max-connections", "100"])):
            server.limits = {"header": 10, "body": 30, "idle": 15}  # the defaults, stated
            server.extra_options = extra
            server.start()
            context.port = server.port
            context.requests = corpus.Requests(server.port)
            normal = []

            def meanwhile():
                started = time.monotonic()
                answer = exchange(server.port, context.requests.get("/healthz"), timeout=60)
                normal.append((answer.status, time.monotonic() - started))

            durations, _ = slow_clients.hold(server.port, "header", 300, interval=5.0, give_up=90,
                                             while_open=meanwhile)
            print(f"slow clients, {label}: 300 connections sending a header line every 5 s: "
                  f"{slow_clients.summary(durations)}; a normal request meanwhile: "
                  f"{normal[0][0]} in {normal[0][1]:.2f} s", flush=True)
            if any(d is None for d in durations) or not normal or normal[0][0] != 200:
                failures.append(f"slow clients, {label}")
            server.stop()
        server.limits = None
        server.extra_options = []
        start_seeded(server, context)
        paths = [f"/api/v1/surveys/{corpus.SURVEY}/{file}" for file in corpus.EXPORT_FILES]
        paths += [f"/analyst/s/{corpus.SURVEY}/download/{file}" for file in corpus.EXPORT_FILES]
        started = time.monotonic()
        heads = 0
        for index in range(1000):
            path = paths[index % len(paths)]
            headers = [("Cookie", context.analyst_cookie)] if path.startswith("/analyst/") else []
            data = context.requests.build("HEAD", path, token=None if headers else context.analyst, headers=headers)
            heads += exchange(server.port, data, head=True, timeout=30, linger=0.05).status == 200
        head_files = context.export_files()
        aborted = sum(context.abort_download(paths[index % len(paths)]).startswith(b"HTTP/1.1 200")
                      for index in range(1000))
        time.sleep(1)  # let the server notice the last hang-ups
        files = context.export_files()
        print(f"export temporary files: {heads} of 1,000 HEAD answered 200, then {len(head_files)} files; "
              f"{aborted} of 1,000 downloads cut off after their first bytes, then {len(files)} files "
              f"({time.monotonic() - started:.0f} s)", flush=True)
        if files or head_files or heads != 1000 or aborted != 1000:
            failures.append("export temporary files")
    finally:
        server.stop()
        if options.keep:
            print(f"hostile: kept {folder}", flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print("measure: " + ("failed: " + ", ".join(failures) if failures else "ok"), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
