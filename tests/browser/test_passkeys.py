"""Passkeys and security keys (WebAuthn) with Chromium's virtual authenticator.

WebAuthn only runs in a secure context and needs a domain as relying-party ID, so
these pages are opened on http://localhost:<port> (a secure context, unlike an IP
address) instead of the live server's 127.0.0.1. The virtual authenticator is added
through the Chrome DevTools Protocol and answers every ceremony at once, as if the
person had touched the key and passed its fingerprint or PIN check. It belongs to the
browser context, so a passkey made on one page is there for the rest of the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import CDPSession, ConsoleMessage, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from groundswell.core.models import Role
from tests.browser.conftest import (
    PHONE,
    check_and_capture,
    submit,
    submit_password,
    submit_totp,
    totp_code,
)
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.browser

ORG_HOME = re.compile(r"/o/front-street/$")
ACTIVATE_TOTP = re.compile(r"/account/2fa/totp/activate/$")
ADD_PASSKEY = "/account/2fa/webauthn/add/"
RECOVERY_CODES = re.compile(r"/account/2fa/recovery-codes/$")
SECOND_STEP = re.compile(r"/account/2fa/authenticate/$")


@dataclass
class PasskeyBrowser:
    """A phone-sized page on localhost with a virtual platform authenticator (the
    passkey store built into a phone or laptop), and what the page complained about:
    console errors (allauth's script logs a failed ceremony there, and Chromium a
    Content-Security-Policy violation) and uncaught exceptions."""

    page: Page
    cdp: CDPSession
    authenticator_id: str
    problems: list[str] = field(default_factory=list)

    def credentials(self) -> list[dict]:
        return self.cdp.send("WebAuthn.getCredentials",
                             {"authenticatorId": self.authenticator_id})["credentials"]

    def assert_no_problems(self) -> None:
        assert not self.problems, "\n".join(self.problems)

    def ceremony(self, start: Callable[[], None], url: re.Pattern | None = None) -> None:
        """Start a WebAuthn ceremony (a click) and wait for the form that allauth's
        script submits with the authenticator's answer. If it never comes, say what
        the browser reported instead of just "timeout"."""
        try:
            with self.page.expect_navigation(**({"url": url} if url else {})):
                start()
        except PlaywrightTimeoutError:
            pytest.fail(f"no page after the WebAuthn ceremony on {self.page.url}; "
                        f"browser reported: {self.problems or 'nothing'}")
        self.assert_no_problems()


def on_localhost(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"localhost:{parts.port}"))


@pytest.fixture
def passkey_browser(new_context, live_server) -> PasskeyBrowser:
    context = new_context(base_url=on_localhost(live_server.url), viewport=PHONE)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator_id = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }})["authenticatorId"]
    browser = PasskeyBrowser(page, cdp, authenticator_id)

    def on_console(message: ConsoleMessage) -> None:
        source = message.location.get("url", "")
        # There is no favicon, and Chromium asks for one anyway.
        if message.type in ("error", "warning") and not source.endswith("/favicon.ico"):
            browser.problems.append(f"console {message.type} on {page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: browser.problems.append(
        f"uncaught exception on {page.url}: {error}"))
    return browser


def confirm_password_if_asked(page: Page) -> None:
    if "/account/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        submit(page, "form[action^='/account/reauthenticate/'] button[type=submit]")


def add_passkey(browser: PasskeyBrowser, name: str, *, passwordless: bool,
                screenshot: str | None = None) -> None:
    """Fill allauth's "Add Security Key" form (opening it unless already there) and let
    the virtual authenticator make the credential. A passwordless key is a passkey:
    stored on the authenticator, with user verification, usable to sign in alone."""
    page = browser.page
    if not page.url.endswith(ADD_PASSKEY):
        page.goto(ADD_PASSKEY)
        confirm_password_if_asked(page)
    expect(page).to_have_url(re.compile(re.escape(ADD_PASSKEY) + "$"))
    expect(page.locator("h1")).to_have_text("Add Security Key")
    if screenshot:
        check_and_capture(page, screenshot)
    page.fill("input[name=name]", name)
    page.locator("input[name=passwordless]").set_checked(passwordless)
    browser.ceremony(lambda: page.click("#mfa_webauthn_add"))


def see_new_recovery_codes(page: Page) -> None:
    """With the first factor allauth also makes recovery codes and shows them. When
    that factor was added without typing the password again (right after logging in),
    the recovery-codes page asks for it: the user now has a factor, so our adapter no
    longer waives allauth's "Confirm Access"."""
    if "/account/reauthenticate/" in page.url:
        assert page.url.endswith("?next=%2Faccount%2F2fa%2Frecovery-codes%2F"), page.url
        confirm_password_if_asked(page)
    expect(page).to_have_url(RECOVERY_CODES)
    expect(page.locator("h1")).to_have_text("Recovery Codes")


def log_out(page: Page) -> None:
    page.click("details.menu summary")
    submit(page, "form[action='/account/logout/'] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/account/login/$"))
    expect(page.locator("details.menu")).to_have_count(0)


def enroll_passkey_at_first_login(browser: PasskeyBrowser, user) -> None:
    page = browser.page
    submit_password(page, user.email)
    expect(page).to_have_url(ACTIVATE_TOTP)
    add_passkey(browser, "My phone", passwordless=True)
    see_new_recovery_codes(page)


def test_organizer_without_a_second_factor_can_enroll_a_passkey_instead_of_totp(
        passkey_browser: PasskeyBrowser, personas):
    browser, page = passkey_browser, passkey_browser.page
    user = make_member(personas.org, Role.ORGANIZER, mfa=False).user

    submit_password(page, user.email)
    expect(page).to_have_url(ACTIVATE_TOTP)
    expect(page.locator(".message.warning")).to_contain_text("Set up a second factor")
    # The enrollment page is about authenticator apps only; a passkey is reached
    # through the menu's two-factor page.
    page.click("details.menu summary")
    page.get_by_role("link", name="Two-factor authentication").click()
    expect(page.locator("h1")).to_have_text("Two-Factor Authentication")
    page.click(f"a[href='{ADD_PASSKEY}']")

    add_passkey(browser, "Work phone", passwordless=True, screenshot="passkey-add-en")
    see_new_recovery_codes(page)

    key = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Work phone"
    assert key.wrap().is_passwordless
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    [credential] = browser.credentials()
    assert credential["isResidentCredential"]
    assert credential["rpId"] == "localhost"

    # The passkey is enough: the organization is no longer behind the enrollment page.
    page.goto("/o/front-street/")
    expect(page).to_have_url(ORG_HOME)
    expect(page.locator("h1")).to_have_text("Front Street Community Center")
    expect(page.locator(".message.warning")).to_have_count(0)
    browser.assert_no_problems()


def test_sign_in_with_a_passkey_alone(passkey_browser: PasskeyBrowser, personas):
    browser, page = passkey_browser, passkey_browser.page
    user = make_member(personas.org, Role.ORGANIZER, mfa=False).user
    enroll_passkey_at_first_login(browser, user)
    log_out(page)

    # No email, no password, no second step: the passkey with its user verification
    # (fingerprint or PIN) is both factors.
    browser.ceremony(lambda: page.click("#passkey_login"), url=ORG_HOME)
    expect(page.locator("h1")).to_have_text("Front Street Community Center")
    page.click("details.menu summary")
    expect(page.locator("details.menu")).to_contain_text(user.email)
    [credential] = browser.credentials()
    assert credential["signCount"] >= 2  # made once, used once


def test_security_key_is_offered_as_the_second_step_after_the_password(
        passkey_browser: PasskeyBrowser, personas):
    browser, page = passkey_browser, passkey_browser.page
    user = personas.member("organizer").user  # has an authenticator app

    submit_password(page, user.email)
    submit_totp(page, totp_code(user.totp_secret))
    expect(page).to_have_url(ORG_HOME)
    add_passkey(browser, "Desk key", passwordless=False)
    key = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert not key.wrap().is_passwordless
    log_out(page)

    submit_password(page, user.email)
    expect(page).to_have_url(SECOND_STEP)
    expect(page.locator("input[name=code]")).to_be_visible()  # the app still works too
    security_key = page.get_by_role("button", name="Use a security key")
    expect(security_key).to_be_visible()
    browser.ceremony(security_key.click, url=ORG_HOME)
    expect(page.locator("h1")).to_have_text("Front Street Community Center")
