"""Machinery of the browser tests: Debian's Chromium through Playwright against `streamlit run
app.py` on a free local port.

Without /usr/bin/chromium the browser tests skip, saying how to enable them; with REQUIRE_BROWSER=1
(as `.ci/run` sets) they fail instead. SAVE_SCREENSHOTS=1 saves the pages the tests visit to
docs/img/ for the README.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = ROOT / "docs" / "img"
TIMING_FILE = ROOT / "out" / "browser-timing.json"
START_TIMEOUT_S = 90
WAIT_MS = 90_000


def require_browser() -> None:
    """Skip (or, with REQUIRE_BROWSER=1, fail) when Chromium or Playwright is missing."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"Chromium not found at {CHROMIUM}"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is not installed"
    if problem is None:
        return
    how = ("install Debian's chromium (`apt-get install chromium`, as .ci/run does) and the dev "
           "extra (`pip install -e '.[dev]'`) to run the browser tests")
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{problem}, and REQUIRE_BROWSER=1 asks for the browser tests: {how}")
    pytest.skip(f"{problem}: {how}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    """`streamlit run app.py` on a free port of 127.0.0.1, in its own process group."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = ROOT / "out" / f"streamlit-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> StreamlitServer:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
        ]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self.log.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not answer on {self.url} within {START_TIMEOUT_S} s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the group this fixture started, by its id
            self.proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)


def start_server(db: Path) -> StreamlitServer:
    """The app on a free port, with its own drill database (the variable is inherited)."""
    require_browser()
    old = os.environ.get("SIM_DRILL_DB")
    os.environ["SIM_DRILL_DB"] = str(db)
    try:
        return StreamlitServer().start()
    finally:
        if old is None:
            del os.environ["SIM_DRILL_DB"]
        else:
            os.environ["SIM_DRILL_DB"] = old


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    require_browser()
    server = StreamlitServer().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class RequestRecorder:
    """Every request a browser context makes; the app may only talk to its own host."""

    def __init__(self, context, app_url: str) -> None:
        from urllib.parse import urlsplit

        self.own = urlsplit(app_url).netloc
        self.urls: list[str] = []
        context.on("request", lambda request: self.urls.append(request.url))

    def foreign(self) -> list[str]:
        from urllib.parse import urlsplit

        return [u for u in self.urls
                if urlsplit(u).scheme not in ("data", "blob", "about") and urlsplit(u).netloc != self.own]

    def check(self) -> None:
        outside = self.foreign()
        assert not outside, f"{len(outside)} request(s) left the app's host {self.own}: {outside[:10]}"


def new_context(browser, app_url: str, **options):
    """A browser context whose requests are recorded (context.recorder)."""
    options.setdefault("viewport", {"width": 1400, "height": 1000})
    context = browser.new_context(**options)
    context.recorder = RequestRecorder(context, app_url)
    return context


@pytest.fixture
def app_page(browser, app_url):
    """A fresh browser context (a new Streamlit session) on the app's first page; the test fails
    if any request went to another host than the app's."""
    context = new_context(browser, app_url)
    pg = context.new_page()
    pg.set_default_timeout(WAIT_MS)
    pg.goto(app_url)
    wait_for_app(pg)
    try:
        yield pg
        context.recorder.check()
    finally:
        context.close()


def new_page(browser, url: str, storage_state=None):
    """A new browser session on `url` (with a saved browser's cookies); `context.recorder.check()`
    says whether it called out."""
    context = new_context(browser, url, accept_downloads=True, storage_state=storage_state)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(url)
    wait_for_app(page)
    return context, page


def click(page, name: str) -> None:
    page.get_by_role("button", name=re.compile(name)).first.click()
    page.wait_for_timeout(300)
    wait_for_app(page)


def metric(page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]', has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text()


def wait_for_app(page) -> None:
    """Until the page's script has finished running."""
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_selector("h1")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT_MS
    )


def open_page(page, title: str) -> None:
    """Follow a sidebar link (a new URL would start a new session and lose the run)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=False).first.click()
    page.wait_for_selector(f"h1:has-text('{title}')")
    wait_for_app(page)


def screenshot(page, name: str, height: int = 1600) -> None:
    """Save the page to docs/img/NAME.png when SAVE_SCREENSHOTS=1 (for the README)."""
    if os.environ.get("SAVE_SCREENSHOTS") != "1":
        return
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": height})
    page.evaluate("() => { document.querySelectorAll('[data-testid=\"stMain\"], section')"
                  ".forEach(e => e.scrollTo(0, 0)); window.scrollTo(0, 0); }")
    page.wait_for_timeout(800)  # let plotly finish its transitions
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"))
    page.set_viewport_size({"width": 1400, "height": 1000})


def report_timing(name: str, seconds: float) -> None:
    """Report a timing without asserting on it: printed, and kept in out/browser-timing.json."""
    print(f"\n{name}: {seconds:.2f} s")
    TIMING_FILE.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(TIMING_FILE.read_text())
    except (OSError, ValueError):
        data = {}
    data[name] = round(seconds, 2)
    TIMING_FILE.write_text(json.dumps(data, indent=2) + "\n")
