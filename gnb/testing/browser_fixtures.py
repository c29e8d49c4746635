"""The browser tests' fixtures: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

Each test gets a live site with the shared test catalogue and opens one browser context per traveller (a phone
viewport, 390 × 844). Every step's screenshot lands in ``var/test-output/browser/<test name>/<NN-step>.png``, and
each traveller records the console errors, uncaught exceptions, failed requests and error answers of its pages.
A browser tests folder's ``conftest.py`` imports them (they are fixtures of those folders only).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, sync_playwright

from gnb.testing.browser import PHONE, Screenshots, Traveller
from gnb.testing.catalog import make_catalog

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "var" / "test-output" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
# The machine has no network: without these Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's Chromium")
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API runs an asyncio loop in this thread (in a greenlet) for as long as it is started,
        # so Django sees "a running event loop" and refuses the ORM calls the tests make between browser steps.
        # Nothing here is async: the tests and the live server are plain threads. The switch is on only while a
        # browser module runs (module scope), so the rest of the suite keeps Django's check.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()
        finally:
            playwright.stop()


@pytest.fixture
def screenshots(request) -> Screenshots:
    folder = OUTPUT / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Screenshots(folder)


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Mark a failed test, so its travellers' pages are captured as they were (the ``failure`` screenshots)."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture
def traveller(request, browser: Browser, screenshots: Screenshots) -> Iterator[Callable[..., Traveller]]:
    """``traveller("anna")`` opens a new visitor on a phone; ``javascript=False`` turns scripts off."""
    contexts = []
    travellers: list[Traveller] = []

    def open_traveller(name: str = "traveller", *, javascript: bool = True, locale: str = "en-GB") -> Traveller:
        context = browser.new_context(
            viewport=PHONE, device_scale_factor=1, locale=locale, java_script_enabled=javascript
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        visitor = Traveller(name, context.new_page(), screenshots)
        visitor.watch()
        travellers.append(visitor)
        return visitor

    yield open_traveller
    if request.node.stash.get(FAILED, False):
        for visitor in travellers:  # what each traveller saw when the test failed
            visitor.shot("failure")
    for context in contexts:
        context.close()


@pytest.fixture
def site(live_server, transactional_db, settings) -> SimpleNamespace:
    """The live site with the test catalogue; emails link to it (SITE_URL), so their links open in the browser."""
    settings.SITE_URL = live_server.url
    return SimpleNamespace(url=live_server.url, catalog=make_catalog())
