"""Browser tests: real Chromium through Playwright's sync API against pytest-django's
live server.

Playwright's sync API keeps an asyncio loop marked as running in the test thread
while the browser is open, and Django refuses ORM calls from such a thread. These
tests only touch the ORM to set rows up and to check them afterwards (the live
server answers the browser in its own thread), so that guard is switched off, but
only while this package's tests run: one Chromium is started for the package (that
is, once per ``pytest -m browser`` run) and closed when the package is done, and the
variable is removed again, so tests collected after these keep Django's check.

Everything a test creates must be visible to the live server's thread, so these
tests use ``transactional_db``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.cache import cache
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling home, and on a closed
# network every one of those calls hangs until it times out.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="package", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def browser(_orm_beside_playwright) -> Iterator[Browser]:
    """One Chromium for all browser tests; each test gets its own contexts."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _fresh_cache(transactional_db) -> Iterator[None]:
    """The test cache is process-local and shared with the live server's thread: clear
    rate-limit counters and allauth's "TOTP code already used" markers between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def new_context(browser: Browser, live_server) -> Iterator:
    """Open fresh browser contexts (no cookies) on the live server; all are closed at
    the end of the test. English by default, as a browser with en-US preferences."""
    contexts: list[BrowserContext] = []

    def open_context(**kwargs) -> BrowserContext:
        kwargs.setdefault("base_url", live_server.url)
        kwargs.setdefault("locale", "en-US")
        context = browser.new_context(**kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
    _wait_for_requests_in_flight()


def _wait_for_requests_in_flight(timeout: float = 10) -> None:
    """Closing a page does not stop a request the live server is already answering (a
    canvasser page reloading, a sync). Finishing it after the test, with the database
    blocked again and the in-memory SQLite connection shared with the server thread,
    fails inside a transaction and leaves that connection with autocommit off: every
    later test then fails on a state no test made. Wait until the server's request
    threads are done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(
            thread.name.endswith("(process_request_thread)") and thread.is_alive()
            for thread in threading.enumerate()):
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def _usable_connection(transactional_db) -> Iterator[None]:
    """The same guard from the other side: should a late request still have left the
    shared connection out of autocommit, put it back before the test starts, instead of
    letting one test's leftover fail every test after it."""
    from django.db import connection

    if (connection.connection is not None and not connection.in_atomic_block
            and not connection.get_autocommit()):
        connection.rollback()
        connection.set_autocommit(True)
    yield


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


@pytest.fixture
def phone_page(new_context) -> Page:
    return new_context(viewport=PHONE).new_page()


def totp_code(secret: str) -> str:
    """The code an authenticator app shows right now for this secret. Close to the end
    of a period, wait for the next one so the code is still current when the server
    checks it (allauth accepts no drift by default)."""
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 3:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


def submit(page: Page, selector: str) -> None:
    """Click a submit button and wait for the page that the POST leads to."""
    with page.expect_navigation():
        page.click(selector)


def submit_password(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/account/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    submit(page, "form[action='/account/login/'] button[type=submit]")


def submit_totp(page: Page, code: str) -> None:
    page.fill("input[name=code]", code)
    submit(page, "form[action='/account/2fa/authenticate/'] button[type=submit]")


def log_in(page: Page, user) -> None:
    """Email and password, then the current TOTP code from the user's authenticator."""
    submit_password(page, user.email)
    assert page.url.endswith("/account/2fa/authenticate/"), page.url
    submit_totp(page, totp_code(user.totp_secret))


def check_and_capture(page: Page, name: str) -> None:
    """Save a full-page screenshot for a person to look at, and fail if the page is
    wider than a phone screen (something would need sideways scrolling)."""
    page.wait_for_load_state("load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: page is {width}px wide at {PHONE['width']}px"
