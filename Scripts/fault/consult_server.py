"""The real `consult serve` on a free loopback port, for the fault tests (disk, backup) and the deployment suites."""
import http.client
import json
import os
import socket
import subprocess
import time

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ConsultServer:
    """Starts `consult serve` on `db` with the shipped surveys and no rate limit (every test
    client shares 127.0.0.1) unless `rate_limit` says otherwise, and `extra_args`, and waits,
    at most 10 s (or `start_timeout`), until `/healthz` answers. `db` is a file or a database URL;
    `surveys` a survey folder other than the shipped one; `port` a given port (a node started again
    where nginx expects it)."""

    def __init__(self, binary, db, log, rate_limit=0, extra_args=(), surveys=None, port=None, start_timeout=10):
        self.port = port or free_port()
        limit = [] if rate_limit is None else ["--rate-limit", str(rate_limit)]  # None: the server's default
        self.process = subprocess.Popen(
            [binary, "serve", "--db", db, "--surveys", surveys or os.path.join(REPOSITORY, "Surveys"),
             "--host", "127.0.0.1", "--port", str(self.port), *limit, *extra_args],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        for _ in range(int(start_timeout * 20)):
            if self.process.poll() is not None:
                raise RuntimeError("the server stopped at start")
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("the server did not answer /healthz")

    def request(self, method, path, body=None, token=None):
        """(status, content type, body bytes); `body` is sent as JSON, `token` as a bearer token."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read()
        finally:
            connection.close()

    def request_with_headers(self, method, path, body, headers):
        """Like `request`, with extra headers (position papers: `Upload-Token`)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=json.dumps(body),
                               headers={"Content-Type": "application/json", **headers})
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read()
        finally:
            connection.close()

    def kill(self):
        """SIGKILL, as a crash would end it, and waits for it to be gone."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def stop(self):
        """SIGTERM, then SIGKILL if it has not stopped within 15 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
