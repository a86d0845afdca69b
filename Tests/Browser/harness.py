"""The browser suite's machinery: a real consult server in a temporary folder, a headless
Chromium driven through chromedriver, plain HTTP with a browser's cookies, and the checks
that run on every page the browser reaches (accessibility basics, security headers, script
errors).

Python 3.11 standard library and selenium only.
"""

from __future__ import annotations

import base64
import datetime as dt
import html.parser
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CONSULT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CONSULT_CHROMEDRIVER", "/usr/bin/chromedriver")


class Settings:
    """What the command line chose; set once by browser_test.main()."""

    consult: Path = REPO / ".build" / "debug" / "consult"
    surveys: Path = REPO / "Surveys"
    screenshots: Path | None = None
    keep: bool = False


# ---------------------------------------------------------------------------------------
# Time


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso_utc(moment: dt.datetime, milliseconds: bool = False) -> str:
    moment = moment.astimezone(dt.timezone.utc)
    if milliseconds:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


# ---------------------------------------------------------------------------------------
# Plain HTTP


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: D401 - urllib's hook
        return None


_opener = urllib.request.build_opener(_NoRedirects())


class HTTPResult:
    def __init__(self, status: int, headers, body: bytes, url: str):
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def header_list(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<HTTP {self.status} {self.url}: {self.text[:300]!r}>"


def http(method: str, url: str, *, body: bytes | None = None, headers: dict | None = None,
         timeout: float = 30) -> HTTPResult:
    """One request, redirects not followed, every status returned (never raised)."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _opener.open(request, timeout=timeout) as response:
            return HTTPResult(response.status, response.headers, response.read(), url)
    except urllib.error.HTTPError as error:
        return HTTPResult(error.code, error.headers, error.read(), url)


def form_body(pairs: list[tuple[str, str]]) -> bytes:
    return urllib.parse.urlencode(pairs).encode()


def set_cookies(result: HTTPResult) -> dict[str, str]:
    """The name=value pairs of a response's Set-Cookie headers."""
    cookies = {}
    for line in result.header_list("Set-Cookie"):
        name, _, rest = line.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    return cookies


# ---------------------------------------------------------------------------------------
# The server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


_binary_copy: Path | None = None


def consult_binary() -> Path:
    """A private copy of the consult binary (the build folder may be rebuilt during the run).

    The copy is used only if it finds its resources (templates); otherwise the original.
    """
    global _binary_copy
    if _binary_copy is not None:
        return _binary_copy
    original = Settings.consult.resolve()
    if not original.exists():
        raise RuntimeError(f"{original} does not exist; build it with `swift build --product consult`")
    folder = Path(tempfile.mkdtemp(prefix="consult-browser-bin-"))
    copy = folder / "consult"
    shutil.copy2(original, copy)
    probe = ConsultServer("probe", binary=copy, reopen=False)
    try:
        probe.start()
        home = http("GET", probe.url("/"))
        works = home.status == 200 and "<h1>" in home.text
    except RuntimeError:
        works = False
    finally:
        probe.close()
    _binary_copy = copy if works else original
    if not works:
        print(f"browser tests: the copied binary cannot find its resources; running {original}", flush=True)
    return _binary_copy


class ConsultServer:
    """`consult serve` on a free loopback port, with a fresh database in a temporary folder."""

    def __init__(self, label: str, *, binary: Path | None = None, reopen: bool = True,
                 generate: int = 0):
        self.label = label
        self.binary = binary or consult_binary()
        self.folder = Path(tempfile.mkdtemp(prefix=f"consult-browser-{label}-"))
        self.db = self.folder / "consult.sqlite"
        self.log_path = self.folder / "serve.log"
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.organizer = self.cli("token", "create", "--role", "organizer", "--name", "Olga Organizer")
        self.analyst = self.cli("token", "create", "--role", "analyst", "--name", "Anton Analyst")
        if generate:
            self.cli("generate", "neurotech-2025", "--count", str(generate), "--seed", "7",
                     "--surveys", str(Settings.surveys))
        if reopen:
            # The consultation closed in 2025; give it a deadline two hours from now.
            self.cli("deadline", "set", "neurotech-2025", "--closes-at", iso_utc(utc_now() + dt.timedelta(hours=2)),
                     "--reason", "Browser test", "--surveys", str(Settings.surveys))

    def cli(self, *arguments: str) -> str:
        """Runs a consult command on this database; returns the last line it printed."""
        command = [str(self.binary), *arguments, "--db", str(self.db)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def start(self) -> None:
        self.port = free_port()
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(self.binary), "serve", "--db", str(self.db), "--surveys", str(Settings.surveys),
             "--host", "127.0.0.1", "--port", str(self.port),
             # Every test client comes from 127.0.0.1: the per-address limit would count them all as one.
             "--rate-limit", "0"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        for _ in range(100):
            if self.process.poll() is not None:
                break
            try:
                if http("GET", self.url("/healthz"), timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"consult serve did not become healthy on port {self.port}:\n{self.log_tail()}")

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
                print(f"browser tests: consult serve ({self.label}) ignored SIGTERM for 15 s; killed", flush=True)
        self.process = None

    def close(self) -> None:
        self.stop()
        if not Settings.keep:
            shutil.rmtree(self.folder, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def api(self, method: str, path: str, *, token: str | None = None, payload=None) -> HTTPResult:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        return http(method, self.url(path), body=body, headers=headers)

    def stats(self, survey: str = "neurotech-2025") -> dict:
        result = self.api("GET", f"/api/v1/surveys/{survey}/stats", token=self.organizer)
        if result.status != 200:
            raise AssertionError(f"stats of {survey}: {result!r}")
        return result.json()


# ---------------------------------------------------------------------------------------
# Checks on every page


class _PageScan(html.parser.HTMLParser):
    """What the accessibility check needs from a page's HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.h1 = 0
        self.ids: dict[str, int] = {}
        self.controls: list[tuple[str, dict, bool]] = []  # tag, attributes, inside a label with text
        self.label_targets: list[str] = []
        self.labelled: set[str] = set()
        self._labels: list[dict] = []  # open labels: {"for", "text", "controls"}

    def handle_starttag(self, tag, attrs):
        attributes = {name: (value or "") for name, value in attrs}
        if "id" in attributes:
            self.ids[attributes["id"]] = self.ids.get(attributes["id"], 0) + 1
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label":
            self._labels.append({"for": attributes.get("for"), "text": "", "controls": []})
        elif tag in ("input", "select", "textarea"):
            self.controls.append((tag, attributes, False))
            if self._labels:
                self._labels[-1]["controls"].append(len(self.controls) - 1)

    def handle_endtag(self, tag):
        if tag == "label" and self._labels:
            label = self._labels.pop()
            has_text = bool(label["text"].strip())
            if label["for"] is not None:
                self.label_targets.append(label["for"])
                if has_text:
                    self.labelled.add(label["for"])
            for index in label["controls"]:
                if has_text:
                    tag_, attributes, _ = self.controls[index]
                    self.controls[index] = (tag_, attributes, True)
            if self._labels:
                self._labels[-1]["text"] += label["text"]

    def handle_data(self, data):
        if self._labels:
            self._labels[-1]["text"] += data


def accessibility_problems(page_html: str) -> list[str]:
    """Unlabelled form controls, a missing `<html lang>`, not exactly one `h1`, labels that
    point at nothing, duplicate ids."""
    scan = _PageScan()
    scan.feed(page_html)
    scan.close()
    problems = []
    if not (scan.lang or "").strip():
        problems.append("<html> has no lang attribute")
    if scan.h1 != 1:
        problems.append(f"the page has {scan.h1} h1 elements, not exactly one")
    for tag, attributes, wrapped in scan.controls:
        kind = attributes.get("type", "").lower()
        if tag == "input" and kind in ("hidden", "submit", "button", "reset", "image"):
            continue
        control_id = attributes.get("id", "")
        if wrapped or attributes.get("aria-label", "").strip():
            continue
        if control_id and control_id in scan.labelled:
            continue
        labelled_by = attributes.get("aria-labelledby", "").split()
        if labelled_by and all(name in scan.ids for name in labelled_by):
            continue
        description = " ".join(f'{name}="{attributes[name]}"' for name in ("type", "id", "name") if name in attributes)
        problems.append(f"<{tag} {description}> has no label")
    for target in scan.label_targets:
        if target not in scan.ids:
            problems.append(f'<label for="{target}"> points at no element')
    for name, count in scan.ids.items():
        if count > 1:
            problems.append(f'id "{name}" is used {count} times')
    return problems


def security_header_problems(headers: dict[str, str]) -> list[str]:
    """Missing or weak browser security headers (`headers` with lower-case names)."""
    problems = []
    policy = headers.get("content-security-policy")
    if not policy:
        problems.append("no Content-Security-Policy")
    else:
        directives = {}
        for part in policy.split(";"):
            words = part.split()
            if words:
                directives[words[0].lower()] = [word.lower() for word in words[1:]]
        scripts = directives.get("script-src", directives.get("default-src"))
        if scripts is None:
            problems.append(f"Content-Security-Policy limits no scripts: {policy}")
        else:
            for weak in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
                if weak in scripts:
                    problems.append(f"Content-Security-Policy allows scripts from {weak}: {policy}")
    if (headers.get("x-content-type-options") or "").strip().lower() != "nosniff":
        problems.append(f"X-Content-Type-Options is {headers.get('x-content-type-options')!r}, not nosniff")
    referrer = (headers.get("referrer-policy") or "").strip().lower()
    if not referrer:
        problems.append("no Referrer-Policy")
    elif referrer in ("unsafe-url", "no-referrer-when-downgrade"):
        problems.append(f"Referrer-Policy {referrer} leaks secret links")
    if (headers.get("x-frame-options") or "").strip().upper() != "DENY":
        problems.append(f"X-Frame-Options is {headers.get('x-frame-options')!r}, not DENY")
    return problems


# ---------------------------------------------------------------------------------------
# The browser


def _chrome(javascript: bool) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                     "--no-first-run", "--disable-extensions", "--disable-background-networking"):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


class Browser:
    """A fresh headless Chromium for one test; every page it reaches is checked (see `arrived`)."""

    def __init__(self, server: ConsultServer, *, javascript: bool = True, phone: bool = False):
        self.server = server
        self.javascript = javascript
        self.driver = _chrome(javascript)
        self.driver.set_page_load_timeout(30)
        if phone:
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                        {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.pages: list[str] = []

    def quit(self) -> None:
        try:
            self.driver.quit()
        except WebDriverException:
            pass

    # Navigation ----------------------------------------------------------------------

    def open(self, path_or_url: str, screenshot: str | None = None) -> None:
        url = path_or_url if path_or_url.startswith("http") else self.server.url(path_or_url)
        self.driver.get(url)
        self.arrived(screenshot)

    def click(self, selector: str, screenshot: str | None = None) -> None:
        """Clicks what submits a form or follows a link, and waits for the next page."""
        self.click_element(self.find(selector), screenshot)

    def click_element(self, element, screenshot: str | None = None) -> None:
        marker = uuid.uuid4().hex
        self.driver.execute_script(
            "window.__consultPage = arguments[1]; arguments[0].scrollIntoView({block: 'center'})", element, marker)
        element.click()

        def next_page_loaded(driver) -> bool:
            try:
                return driver.execute_script(
                    "return window.__consultPage !== arguments[0] && document.readyState === 'complete'", marker)
            except WebDriverException:  # the old document went away under the script
                return False

        WebDriverWait(self.driver, 30).until(next_page_loaded, f"no new page after clicking on {self.path}")
        self.arrived(screenshot)

    def arrived(self, screenshot: str | None = None) -> None:
        """Waits for the page to load, then fails on what every page must get right."""
        WebDriverWait(self.driver, 30, ignored_exceptions=(WebDriverException,)).until(
            lambda driver: driver.execute_script("return document.readyState") == "complete")
        self._read_network_log()
        page = f"{self.path} ({self.title()!r}, status {self.status})"
        self.pages.append(page)
        problems = accessibility_problems(self.driver.page_source)
        if problems:
            raise AssertionError(f"accessibility problems on {page}:\n  " + "\n  ".join(problems))
        problems = security_header_problems(self.headers)
        if problems:
            raise AssertionError(f"security header problems on {page}:\n  " + "\n  ".join(problems))
        if self.javascript:
            errors = [entry["message"] for entry in self.driver.get_log("browser")
                      if entry.get("level") == "SEVERE" and entry.get("source") != "network"]
            if errors:
                raise AssertionError(f"script or policy errors on {page}:\n  " + "\n  ".join(errors))
        if screenshot:
            self.screenshot(screenshot)

    def _read_network_log(self) -> None:
        """The status and headers of the last HTML document the browser received."""
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") != "Network.responseReceived":
                continue
            params = message["params"]
            if params.get("type") != "Document":
                continue
            response = params["response"]
            self.status = response.get("status")
            self.headers = {name.lower(): value for name, value in response.get("headers", {}).items()}

    def screenshot(self, name: str) -> None:
        if Settings.screenshots is None:
            return
        Settings.screenshots.mkdir(parents=True, exist_ok=True)
        path = Settings.screenshots / f"{name}.png"
        try:
            metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            viewport = metrics.get("cssLayoutViewport") or metrics["layoutViewport"]
            width = max(size["width"], viewport["clientWidth"])
            height = min(max(size["height"], viewport["clientHeight"]), 12000)
            shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
            path.write_bytes(base64.b64decode(shot["data"]))
        except WebDriverException:
            self.driver.save_screenshot(str(path))

    # Reading the page ------------------------------------------------------------------

    @property
    def path(self) -> str:
        parts = urllib.parse.urlsplit(self.driver.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def url_path(self) -> str:
        return urllib.parse.urlsplit(self.driver.current_url).path

    def title(self) -> str:
        return self.driver.title

    def find(self, selector: str):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def find_all(self, selector: str):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def exists(self, selector: str) -> bool:
        return bool(self.find_all(selector))

    def text(self, selector: str = "body") -> str:
        return self.find(selector).text

    def h1(self) -> str:
        return self.find("h1").text.strip()

    def value(self, element_id: str) -> str:
        return self.driver.find_element(By.ID, element_id).get_attribute("value") or ""

    def checked(self, element_id: str) -> bool:
        return self.driver.find_element(By.ID, element_id).is_selected()

    def displayed(self, element_id: str) -> bool:
        return self.driver.find_element(By.ID, element_id).is_displayed()

    def selected_option(self, element_id: str) -> str:
        return Select(self.driver.find_element(By.ID, element_id)).first_selected_option.get_attribute("value")

    # Filling forms -------------------------------------------------------------------

    def pick(self, *element_ids: str) -> None:
        """Ticks radio buttons or check boxes, as a person clicks them."""
        for element_id in element_ids:
            element = self.driver.find_element(By.ID, element_id)
            if not element.is_selected():
                self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
                element.click()
            if not element.is_selected():
                raise AssertionError(f"clicking #{element_id} on {self.path} did not select it")

    def type(self, element_id: str, text: str) -> None:
        element = self.driver.find_element(By.ID, element_id)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.clear()
        element.send_keys(text)

    def choose(self, element_id: str, value: str) -> None:
        Select(self.driver.find_element(By.ID, element_id)).select_by_value(value)

    # HTTP as this browser ------------------------------------------------------------

    def cookie_header(self) -> str:
        return "; ".join(f"{cookie['name']}={cookie['value']}" for cookie in self.driver.get_cookies())

    def fetch(self, method: str, path: str, *, form: list[tuple[str, str]] | None = None,
              cookies: str | None = None) -> HTTPResult:
        """A request with this browser's cookies (those the current page's URL would send)."""
        headers = {"Cookie": self.cookie_header() if cookies is None else cookies}
        body = None
        if form is not None:
            body = form_body(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        url = path if path.startswith("http") else self.server.url(path)
        return http(method, url, body=body, headers=headers)
