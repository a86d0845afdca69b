#!/usr/bin/env python3
"""consult behind a real nginx with TLS, as the README's deployment section sets it up.

    python3 Tests/Deployment/nginx_test.py --consult .build/debug/consult [unittest options]

Runs Debian's nginx (not as a daemon, its prefix, logs and temporary files in a temporary
folder) with Scripts/deploy/nginx-consult.conf, moved to loopback ports and a self-signed
certificate made for the run, in front of `consult serve --public-url https://localhost:PORT
--trusted-proxy 127.0.0.1 --rate-limit 3`. Test clients come from other loopback addresses
(127.0.0.2, 127.0.0.3, …), so to consult they are distinct clients that are not proxies.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
REPOSITORY = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPOSITORY / "Scripts" / "fault"))

from consult_server import ConsultServer, free_port  # noqa: E402

SITE_CONFIG = REPOSITORY / "Scripts" / "deploy" / "nginx-consult.conf"
SURVEY = "ai-risk-assessment"  # open until 2099
RATE_LIMIT = 3
CONSULT_BINARY = ""


def documented_site(
    site: Path, https_port: int, http_port: int, certificate: Path, key: Path, backends: list[tuple[str, str]]
) -> str:
    """A documented nginx site file moved to loopback ports and the run's certificate, its backends
    replaced by `backends` (old, new). Each replaced line must be there exactly once, so the test
    always runs the documented file."""
    text = site.read_text()
    replacements = [
        ("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        ("listen [::]:443 ssl;", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("/etc/letsencrypt/live/consult.example.org/fullchain.pem", str(certificate)),
        ("/etc/letsencrypt/live/consult.example.org/privkey.pem", str(key)),
        *backends,
        ("return 301 https://consult.example.org$request_uri;", f"return 301 https://localhost:{https_port}$request_uri;"),
    ]
    for old, new in replacements:
        if text.count(old) != 1:
            raise AssertionError(f"{site} should hold {old!r} once")
        text = text.replace(old, new)
    return text


def site_config(https_port: int, http_port: int, consult_port: int, certificate: Path, key: Path) -> str:
    """The README's nginx site, moved to loopback ports and the run's certificate."""
    return documented_site(
        SITE_CONFIG, https_port, http_port, certificate, key,
        [("proxy_pass http://127.0.0.1:8080;", f"proxy_pass http://127.0.0.1:{consult_port};")])


def start_nginx(folder: Path, https_port: int) -> tuple[subprocess.Popen, object]:
    """Debian's nginx in the foreground on `folder`'s nginx.conf, once it listens on `https_port`; its output goes
    to folder/nginx.out (returned open, to be closed with the process)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    log = open(folder / "nginx.out", "ab")
    process = subprocess.Popen(
        [nginx, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wait_for_port(https_port, process, folder / "error.log")
    return process, log


def main_config(folder: Path, connections: int = 64, http_lines: str = "") -> str:
    """nginx's main file for a server that keeps everything in `folder`; `http_lines` go into its http block."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the key in the private folder
    paths = "\n".join(f"    {name}_temp_path {folder / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    log = http_lines or f"    access_log {folder / 'access.log'};"
    return f"""{user}worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections {connections}; }}
http {{
{log}
{paths}
    include {folder / "consult.conf"};
}}
"""


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"nginx stopped at start:\n{log.read_text() if log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nginx did not listen")


class Response:
    def __init__(self, response: http.client.HTTPResponse):
        self.status = response.status
        self.headers = response.headers
        self.body = response.read().decode("utf-8", "replace")

    @property
    def cookies(self) -> list[str]:
        return self.headers.get_all("Set-Cookie") or []


class NginxDeploymentTest(unittest.TestCase):
    folder: Path
    consult: ConsultServer
    nginx: subprocess.Popen
    https_port: int
    http_port: int
    tls: ssl.SSLContext

    @classmethod
    def setUpClass(cls) -> None:
        cls.folder = Path(tempfile.mkdtemp(prefix="consult-nginx-"))
        try:
            cls.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls) -> None:
        folder = cls.folder
        certificate, key = folder / "certificate.pem", folder / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
            check=True, capture_output=True, timeout=60)
        cls.tls = ssl.create_default_context(cafile=str(certificate))
        cls.https_port, cls.http_port = free_port(), free_port()
        cls.public_url = f"https://localhost:{cls.https_port}"
        cls.consult_log = open(folder / "consult.log", "ab")
        cls.consult = ConsultServer(
            CONSULT_BINARY, str(folder / "consult.sqlite"), cls.consult_log, rate_limit=RATE_LIMIT,
            extra_args=["--public-url", cls.public_url, "--trusted-proxy", "127.0.0.1"])
        (folder / "consult.conf").write_text(site_config(cls.https_port, cls.http_port, cls.consult.port, certificate, key))
        (folder / "nginx.conf").write_text(main_config(folder))
        cls.nginx, cls.nginx_log = start_nginx(folder, cls.https_port)

    @classmethod
    def tearDownClass(cls) -> None:
        if getattr(cls, "nginx", None) is not None and cls.nginx.poll() is None:
            cls.nginx.terminate()
            try:
                cls.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cls.nginx.kill()
                cls.nginx.wait()
        if getattr(cls, "consult", None) is not None:
            cls.consult.stop()
        for log in ("consult_log", "nginx_log"):
            if getattr(cls, log, None) is not None:
                getattr(cls, log).close()
        if os.environ.get("KEEP_NGINX_TEST"):
            print(f"kept {cls.folder}", file=sys.stderr)
        else:
            shutil.rmtree(cls.folder, ignore_errors=True)

    # Requests

    def through_nginx(self, method: str, path: str, *, source: str, headers: dict[str, str] | None = None,
                      body: str | None = None) -> Response:
        """A request over TLS to nginx from the loopback address `source`, verifying the certificate."""
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.https_port, context=self.tls, timeout=30, source_address=(source, 0))
        return self.send(connection, method, path, headers, body)

    def direct(self, method: str, path: str, *, source: str, headers: dict[str, str] | None = None,
               body: str | None = None) -> Response:
        """A request straight to consult, past nginx, from the loopback address `source`."""
        connection = http.client.HTTPConnection("127.0.0.1", self.consult.port, timeout=30, source_address=(source, 0))
        return self.send(connection, method, path, headers, body)

    @staticmethod
    def send(connection: http.client.HTTPConnection, method: str, path: str, headers: dict[str, str] | None,
             body: str | None) -> Response:
        try:
            connection.request(method, path, body=body, headers=headers or {})
            return Response(connection.getresponse())
        finally:
            connection.close()

    def spend(self, send, source: str, forwarded_for: str | None = None) -> int:
        """A request that changes nothing (a receipt check) but counts against the rate limit; its status."""
        headers = {"Content-Type": "application/json"}
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        return send("POST", "/api/v1/receipts/verify", source=source, headers=headers, body="{}").status

    # Tests

    def test_links_are_https_on_the_public_url_whatever_host_says_and_cookies_are_secure(self):
        forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}
        introduction = self.through_nginx("GET", f"/s/{SURVEY}", source="127.0.0.5", headers=forged)
        self.assertEqual(introduction.status, 200, introduction.body[:500])
        session = re.search(r"consult_session=([^;]+)", " ".join(introduction.cookies))
        csrf = re.search(r'name="csrf" value="([^"]+)"', introduction.body)
        self.assertTrue(session and csrf, introduction.cookies)
        started = self.through_nginx(
            "POST", f"/s/{SURVEY}/start", source="127.0.0.5",
            headers={**forged, "Cookie": f"consult_session={session.group(1)}",
                     "Content-Type": "application/x-www-form-urlencoded"},
            body=f"csrf={csrf.group(1)}")
        self.assertEqual(started.status, 303, started.body[:500])
        draft = re.search(r"consult_draft=([^;]+)", " ".join(started.cookies))
        self.assertTrue(draft, started.cookies)
        page = self.through_nginx(
            "GET", f"/s/{SURVEY}/page/1", source="127.0.0.5",
            headers={**forged, "Cookie": f"consult_session={session.group(1)}; consult_draft={draft.group(1)}"})
        self.assertEqual(page.status, 200, page.body[:500])
        link = re.search(r'id="resume-link"[^>]*value="([^"]+)"', page.body)
        self.assertTrue(link, page.body[:2000])
        self.assertTrue(link.group(1).startswith(f"{self.public_url}/s/{SURVEY}/resume/"), link.group(1))
        self.assertNotIn("evil", page.body)

        cookies = introduction.cookies + started.cookies
        self.assertGreaterEqual(len(cookies), 2)
        for cookie in cookies:
            self.assertRegex(cookie, r";\s*Secure(;|$)")
        for response in (introduction, started, page):
            self.assertEqual(response.headers.get("Strict-Transport-Security"), "max-age=31536000")

    def test_the_readme_shows_the_configuration_this_test_runs(self):
        readme = (REPOSITORY / "README.md").read_text()
        self.assertIn(f"```nginx\n{SITE_CONFIG.read_text().strip()}\n```", readme)

    def test_plain_http_sends_browsers_to_the_public_url(self):
        connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=30)
        response = self.send(connection, "GET", f"/s/{SURVEY}?x=1", {"Host": "evil.example"}, None)
        self.assertEqual(response.status, 301)
        self.assertEqual(response.headers.get("Location"), f"{self.public_url}/s/{SURVEY}?x=1")

    def test_two_clients_behind_nginx_have_separate_rate_limits(self):
        # Each client also writes an X-Forwarded-For of its own choosing: nginx appends the real
        # peer, which is what consult counts, so the made-up addresses gain nothing.
        statuses = [self.spend(self.through_nginx, "127.0.0.2", f"198.51.100.{n}") for n in range(RATE_LIMIT)]
        self.assertNotIn(429, statuses)
        self.assertEqual(self.spend(self.through_nginx, "127.0.0.2", "198.51.100.99"), 429)
        self.assertNotEqual(self.spend(self.through_nginx, "127.0.0.3"), 429)

    def test_a_forged_forwarded_for_from_a_peer_that_is_not_a_proxy_is_ignored(self):
        statuses = [self.spend(self.direct, "127.0.0.4", f"203.0.113.{n}") for n in range(RATE_LIMIT)]
        self.assertNotIn(429, statuses)
        refused = self.direct("POST", "/api/v1/receipts/verify", source="127.0.0.4", body="{}",
                              headers={"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.200"})
        self.assertEqual(refused.status, 429)
        self.assertEqual(json.loads(refused.body)["type"], "/problems/rate-limited")


def main() -> None:
    global CONSULT_BINARY
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consult", required=True, help="the consult binary")
    options, rest = parser.parse_known_args()
    CONSULT_BINARY = str(Path(options.consult).resolve())
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
