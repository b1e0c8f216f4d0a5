"""Merging two records and undoing it in a real browser, at phone width (360 px), in
Spanish; and the two confirmations of forgetting a person. Screenshots go to
test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from groundswell.people import services
from groundswell.people.models import Merge, Person
from tests.browser.conftest import PHONE, check_and_capture, log_in, submit

pytestmark = pytest.mark.browser


def spanish(membership):
    membership.user.language = "es"
    membership.user.save(update_fields=["language"])
    return membership.user


def test_merge_two_records_and_undo_it_on_a_phone_in_spanish(new_context, personas):
    organizer = personas.member("organizer")
    with scope(organization=personas.org):
        jose = services.create_person(organizer, given_name="José", family_name="Rodríguez",
                                      phone="215-555-0134", street="2417 N Front St",
                                      unit="2nd floor rear")
        pepe = services.create_person(organizer, given_name="Pepe",
                                      family_name="Rodríguez García", phone="(215) 555 0134",
                                      birth_year=1975, street="100 W Somerset St")
        services.find_duplicates(personas.org)
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    log_in(page, spanish(organizer))

    page.goto("/o/front-street/people/duplicates/")
    expect(page.locator("h1")).to_have_text("Posibles duplicados")
    check_and_capture(page, "duplicates-es")
    with page.expect_navigation():
        page.get_by_role("link", name="Comparar").click()
    expect(page.locator("h1")).to_have_text("Unir dos registros")
    check_and_capture(page, "merge-es")
    page.locator("input[name=family_name][value=second]").check()
    page.locator("input[name=residence][value=first]").check()
    submit(page, "form.form button.primary")
    expect(page).to_have_url(re.compile(r"/people/merges/\?done=\d+$"))
    expect(page.locator(".message.success")).to_contain_text("Unidos en un solo registro")
    check_and_capture(page, "merges-es")
    with scope(organization=personas.org):
        jose.refresh_from_db()
        assert jose.family_name == "Rodríguez García" and jose.birth_year == 1975
        assert list(Person.objects.active()) == [jose]

    submit(page, "#just-merged button")
    submit(page, ".confirm-form button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text("Unión deshecha")
    with scope(organization=personas.org):
        jose.refresh_from_db()
        assert jose.family_name == "Rodríguez" and jose.birth_year is None
        assert set(Person.objects.active()) == {jose, pepe}
        assert Merge.objects.get().undone_at is not None


def test_forget_asks_twice_on_a_phone_in_spanish(new_context, personas):
    admin = personas.member("admin")
    with scope(organization=personas.org):
        rosa = services.create_person(admin, given_name="Rosa", family_name="Villanueva",
                                      phone="215-555-0134")
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    log_in(page, spanish(admin))
    page.goto(f"/o/front-street/people/{rosa.pk}/forget/")
    expect(page.locator("h1")).to_have_text("¿Olvidar a Rosa Villanueva?")
    check_and_capture(page, "forget-es")
    submit(page, "button.danger")
    check_and_capture(page, "forget-confirm-es")
    page.fill("input[name=name]", "rosa villanueva")
    submit(page, "button.danger")
    expect(page.locator(".message.success")).to_contain_text("La persona fue olvidada")
    with scope(organization=personas.org):
        rosa.refresh_from_db()
        assert rosa.forgotten_at is not None
