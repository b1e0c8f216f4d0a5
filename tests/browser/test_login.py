"""Signing in with a password and a second factor, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import submit_password, submit_totp, totp_code

pytestmark = pytest.mark.browser


def test_password_then_totp_lands_on_the_organization_home(page: Page, personas):
    user = personas.member("organizer").user

    submit_password(page, user.email)
    expect(page).to_have_url(re.compile(r"/account/2fa/authenticate/$"))
    submit_totp(page, totp_code(user.totp_secret))

    expect(page).to_have_url(re.compile(r"/o/front-street/$"))
    expect(page.locator("h1")).to_have_text("Front Street Community Center")
    expect(page.locator("details.menu summary")).to_be_visible()


def test_wrong_totp_code_shows_an_error_and_does_not_log_in(page: Page, personas):
    user = personas.member("organizer").user
    right = totp_code(user.totp_secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    submit_password(page, user.email)
    submit_totp(page, wrong)

    expect(page).to_have_url(re.compile(r"/account/2fa/authenticate/$"))
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    # Still anonymous: the organization home sends us back into the login (allauth
    # resumes the pending second-factor step) instead of showing the organization.
    page.goto("/o/front-street/")
    expect(page).to_have_url(re.compile(r"/account/(login|2fa/authenticate)/"))
    expect(page.locator("h1")).not_to_have_text("Front Street Community Center")
    expect(page.locator("details.menu")).to_have_count(0)
