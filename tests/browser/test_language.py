"""Switching the interface to Spanish: it applies at once, sticks to the account, and
follows the user to another device."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in, submit

pytestmark = pytest.mark.browser

ORG_HOME = re.compile(r"/o/front-street/$")


def spanish(message: str) -> str:
    """What the Spanish catalog says today (the English text while untranslated)."""
    with translation.override("es"):
        return translation.gettext(message)


def test_switching_to_spanish_is_stored_on_the_user_and_follows_them(
        page: Page, new_context, personas):
    user = personas.member("organizer").user
    log_in(page, user)
    expect(page).to_have_url(ORG_HOME)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    submit(page, "footer form.language-switch button[value=es]")

    expect(page).to_have_url(ORG_HOME)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("footer button[value=es]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("details.menu summary")).to_have_text(spanish("Menu"))
    user.refresh_from_db()
    assert user.language == "es"
    # allauth's pages ship with Spanish (our catalog may reword them, so ask gettext).
    assert spanish("Two-Factor Authentication") != "Two-Factor Authentication"
    page.goto("/account/2fa/")
    expect(page.locator("h1")).to_have_text(spanish("Two-Factor Authentication"))

    # After logging out, this browser keeps Spanish through the language cookie.
    page.click("details.menu summary")
    submit(page, "form[action='/account/logout/'] button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text(spanish("Sign In"))
    assert spanish("Sign In") != "Sign In"

    # Another device, with an English browser and no cookie: English until the user
    # signs in, then their stored Spanish.
    other = new_context().new_page()
    other.goto("/account/login/")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    expect(other.locator("h1")).to_have_text("Sign In")
    cache.clear()  # allauth refuses a TOTP code twice in one period; a person would wait.
    log_in(other, user)
    expect(other).to_have_url(ORG_HOME)
    expect(other.locator("html")).to_have_attribute("lang", "es")
    expect(other.locator("footer button[value=es]")).to_have_attribute("aria-pressed", "true")
