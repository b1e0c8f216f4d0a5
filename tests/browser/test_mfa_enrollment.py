"""Every role above canvasser must set up a second factor before seeing anything."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from groundswell.core.models import Role
from tests.browser.conftest import check_and_capture, submit, submit_password, totp_code
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.browser

ACTIVATE = re.compile(r"/account/2fa/totp/activate/$")
REAUTHENTICATE = "/account/reauthenticate/?next=%2Faccount%2F2fa%2Ftotp%2Factivate%2F"


def test_organizer_without_a_second_factor_must_enroll_before_reaching_the_organization(
        phone_page: Page, personas):
    page = phone_page  # people often enroll on the phone that will hold the authenticator
    user = make_member(personas.org, Role.ORGANIZER, mfa=False).user

    submit_password(page, user.email)
    expect(page.locator(".message.warning")).to_contain_text("Set up a second factor")
    # allauth guards TOTP activation with "Confirm Access" and does not count the login
    # that just happened, so the user types the password a second time (see the report).
    if page.url.endswith(REAUTHENTICATE):
        page.fill("input[name=password]", PASSWORD)
        submit(page, "form[action^='/account/reauthenticate/'] button[type=submit]")
    expect(page).to_have_url(ACTIVATE)

    # The organization stays out of reach until a factor is set up.
    page.goto("/o/front-street/")
    expect(page).to_have_url(ACTIVATE)
    page.goto("/o/front-street/members/")
    expect(page).to_have_url(ACTIVATE)

    check_and_capture(page, "enroll-totp-en")
    secret = page.input_value("#authenticator_secret")
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), secret
    # Someone enrolling on this same phone can't scan the QR code: the whole secret
    # has to be readable in its box, not cut off.
    assert page.eval_on_selector(
        "#authenticator_secret", "el => el.scrollWidth <= el.clientWidth"), secret
    page.fill("input[name=code]", totp_code(secret))
    submit(page, "form[action='/account/2fa/totp/activate/'] button[type=submit]")

    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    page.goto("/o/front-street/")
    expect(page).to_have_url(re.compile(r"/o/front-street/$"))
    expect(page.locator("h1")).to_have_text("Front Street Community Center")


def test_canvasser_without_a_second_factor_is_not_forced_to_enroll(page: Page, personas):
    user = personas.member("canvasser").user
    assert not Authenticator.objects.filter(user=user).exists()

    submit_password(page, user.email)

    expect(page).to_have_url(re.compile(r"/o/front-street/$"))
    expect(page.locator("h1")).to_have_text("Front Street Community Center")
    expect(page.locator(".message.warning")).to_have_count(0)
