"""The main pages at phone width (360 px), in English and Spanish: nothing wider than
the screen. Full-page screenshots go to test-artifacts/screenshots/ for a person to
look at."""

from __future__ import annotations

import re

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from groundswell.core import services
from groundswell.core.models import Role
from tests.browser.conftest import (
    PHONE,
    check_and_capture,
    submit_password,
    submit_totp,
    totp_code,
)
from tests.factories import BaseFactory, make_member

pytestmark = pytest.mark.browser

BROWSER_LOCALE = {"en": "en-US", "es": "es-ES"}


# Real names and addresses are long, and an unbroken email is the usual overflow.
LONG_EMAIL = "maria.guadalupe.hernandez-rodriguez@asociacion-de-inquilinos.example.org"


def add_long_content(personas) -> None:
    org, admin = personas.org, personas.member("admin")
    BaseFactory(organization=org, name="Kensington and Allegheny, east of the El",
                description="Rowhouses between Kensington Avenue and the rail line; "
                            "the block party happens on the corner every June.")
    make_member(org, Role.PROGRAM_STAFF, mfa=False, email=f"x.{LONG_EMAIL}",
                name="María Guadalupe Hernández Rodríguez de la Fuente")
    with scope(organization=org):
        services.invite_member(admin, email=LONG_EMAIL, role=Role.ORGANIZER,
                               bases=[personas.base])


@pytest.mark.parametrize("language", ["en", "es"])
def test_pages_fit_a_phone_screen(new_context, personas, language):
    add_long_content(personas)
    admin = personas.member("admin").user
    admin.language = language
    admin.save(update_fields=["language"])
    page = new_context(viewport=PHONE, locale=BROWSER_LOCALE[language]).new_page()

    page.goto("/account/login/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    check_and_capture(page, f"login-{language}")

    submit_password(page, admin.email)
    expect(page).to_have_url(re.compile(r"/account/2fa/authenticate/$"))
    check_and_capture(page, f"two-factor-{language}")
    submit_totp(page, totp_code(admin.totp_secret))
    expect(page).to_have_url(re.compile(r"/o/front-street/$"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    check_and_capture(page, f"organization-home-{language}")

    page.locator("details.menu summary").click()
    expect(page.locator("details.menu nav")).to_be_visible()
    check_and_capture(page, f"organization-home-menu-{language}")

    page.goto("/o/front-street/members/")
    expect(page.locator(".list .row").first).to_be_visible()
    check_and_capture(page, f"members-{language}")
