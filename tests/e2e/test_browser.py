"""The app in a real browser: Debian's Chromium, headless, driven by Playwright.

`creditgraph app` serves on a free localhost port against a private engine holding the sample;
the browser searches a planted subject from ground_truth.json, opens its network, sees the
blacklisted neighbour, runs blacklist_propagation on the Packs page and opens a row's evidence.
Every request the pages make is recorded and must stay on localhost (the app works offline).
Screenshots go to tests/artifacts/ (ignored by git).

Chromium is never downloaded: the Debian package's binary is passed as the executable, and
`.ci/run` installs that package before `make test`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from tests.app.sample_engine import APP_GRAPH, REPO, planted, start_sample_engine, subject_of

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

PATTERN = planted("blacklist_propagation")
LISTED = subject_of(PATTERN, "listed")       # an enterprise with an active SHIXIN entry
PERSON = subject_of(PATTERN, "reached")      # a person one hop from it

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(not CHROMIUM.is_file(),
                       reason=f"no Chromium at {CHROMIUM}: install Debian's package "
                              "(apt-get install chromium); .ci/run does this before make test"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"creditgraph app exited with {proc.returncode}: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the app did not answer on {url} within {timeout:.0f} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`creditgraph app` on a free port, against an engine holding both sample snapshots."""
    home = tmp_path_factory.mktemp("e2ehome")
    engine = start_sample_engine(home)
    port = free_port()
    env = dict(os.environ, CREDITGRAPH_DB="embedded", CREDITGRAPH_HOME=str(home),
               CREDITGRAPH_GRAPH=APP_GRAPH)
    proc = subprocess.Popen([sys.executable, "-m", "creditgraph", "app", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        # The app runs in its own process group: end it and Streamlit's children together.
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        engine.stop()


@pytest.fixture(scope="module")
def browser_page(server: str):
    """A fresh Chromium profile; every request's host is recorded in ``page.remote_requests``."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    remote: list[str] = []

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            remote.append(r.request.url)
            r.abort()

    with tempfile.TemporaryDirectory(prefix="cg-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        context.route("**/*", route)
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.remote_requests = remote
        yield page
        context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def wait_idle(page) -> None:
    """Until Streamlit has finished the current run (its status widget is gone)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=90_000)


def test_investigator_journey(server: str, browser_page):
    try:
        journey(server, browser_page)
    except Exception:
        shot(browser_page, "failure")
        raise


def journey(server: str, page) -> None:

    # Search a planted person by name: namesakes are told apart by masked ID and region.
    page.goto(f"{server}/")                  # Search is the default page
    box = page.get_by_label("USCC, enterprise or organisation name, or person name")
    box.fill(PERSON["name"])
    box.press("Enter")
    open_button = page.locator(f'[class*="st-key-open_"][class*="{PERSON["sid"]}"] button')
    open_button.wait_for()
    wait_idle(page)
    shot(page, "1-search")
    open_button.click()

    # Its profile, then its network.
    page.get_by_role("heading", name=PERSON["name"]).wait_for()
    wait_idle(page)
    shot(page, "2-subject")
    page.locator(".st-key-to_network button").click()
    page.get_by_text("Blacklisted in this view").wait_for()
    assert page.get_by_text(LISTED["name"]).first.is_visible()
    drawing = page.frame_locator("iframe").first
    drawing.locator("canvas").first.wait_for()
    assert "sid=" + PERSON["sid"] in page.url
    wait_idle(page)
    page.wait_for_timeout(2500)     # let the drawing settle
    shot(page, "3-network")
    page.locator("iframe").first.screenshot(path=str(ARTIFACTS / "network-drawing.png"))

    # Two hops out: the listed enterprise's other links come into view (docs/img/network.png).
    slider = page.locator('.st-key-net_depth input[type="range"]')
    slider.focus()
    slider.press("ArrowRight")
    page.frame_locator("iframe").first.get_by_text("depth 2", exact=False).first.wait_for()
    wait_idle(page)
    page.wait_for_timeout(3000)
    page.screenshot(path=str(ARTIFACTS / "network.png"))

    # Run blacklist_propagation and open a row's evidence.
    page.goto(f"{server}/packs")
    choice = page.locator(".st-key-pack_query input")
    choice.wait_for()
    wait_idle(page)
    choice.click()
    choice.fill("blacklist_propagation")
    page.get_by_role("option", name="blacklist_propagation").first.click()
    page.get_by_text("Parameters of blacklist_propagation").wait_for()
    wait_idle(page)
    page.get_by_role("button", name="Run").click()
    result = page.get_by_text("rows in")
    result.wait_for(timeout=120_000)
    assert " 0 rows" not in result.inner_text()
    wait_idle(page)
    page.locator(".st-key-pack_evidence button").click()
    page.frame_locator("iframe").first.locator("canvas").first.wait_for()
    wait_idle(page)
    shot(page, "4-packs")

    assert page.remote_requests == [], f"the app tried to reach other hosts: {page.remote_requests[:5]}"
