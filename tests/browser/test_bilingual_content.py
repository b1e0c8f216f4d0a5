"""English in Spanish screens (issue 17, point 9): what organizers type and residents
read is shown in the reader's language when it was given in both (programs, efforts,
catalog items in lists and messages), and a resident's language is named, never shown
as a code like "(en)". At 360 px, in Spanish."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from groundswell.canvass import services as canvass
from groundswell.people import services as people
from groundswell.programs import services
from groundswell.programs.models import Item
from tests.browser.conftest import PHONE, check_and_capture, log_in, submit_password
from tests.canvass.helpers import walk_list

pytestmark = pytest.mark.browser


def spanish(member) -> None:
    member.user.language = "es"
    member.user.save(update_fields=["language"])


def test_programs_and_stock_read_in_spanish(new_context, personas):
    organizer, staff = personas.member("organizer"), personas.member("program_staff")
    spanish(staff)
    with scope(organization=personas.org):
        services.ensure_default_catalog(personas.org)
        diapers = Item.objects.get(name="Diapers size 4")
        services.receive_stock(staff, diapers, quantity=1)
        program = services.save_program(
            organizer, name="After-school program", name_es="Programa después de la escuela",
            description="Homework help and games.", description_es="Ayuda con las tareas y juegos.",
            schedule="Monday to Thursday, 3 to 6 pm", schedule_es="De lunes a jueves, de 3 a 6 pm",
            staff=[staff])
        pantry = services.create_distribution(staff, name="Despensa",
                                              held_on=timezone.localdate())
        marta = people.create_person(organizer, given_name="Marta", street="2417 N Front St")
        services.serve_household(staff, pantry, marta, {diapers: 1})
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    log_in(page, staff.user)

    page.goto(f"/o/front-street/programs/{program.pk}/")
    expect(page.locator("h1")).to_have_text("Programa después de la escuela")
    expect(page.locator("main")).to_contain_text("De lunes a jueves, de 3 a 6 pm")
    expect(page.locator("main")).to_contain_text("Ayuda con las tareas y juegos.")
    expect(page.locator("main")).not_to_contain_text("Homework")
    check_and_capture(page, "program-es")

    page.goto("/o/front-street/programs/stock/")
    expect(page.locator("main")).to_contain_text("Pañales talla 4")
    expect(page.locator("main")).not_to_contain_text("Diapers")
    check_and_capture(page, "stock-es")

    page.goto(f"/o/front-street/programs/distributions/{pantry.pk}/")
    expect(page.locator("main")).to_contain_text("1 × Pañales talla 4")
    expect(page.locator("main")).not_to_contain_text("Diapers")
    check_and_capture(page, "distribution-es")


def test_a_canvasser_reads_the_effort_and_residents_languages_in_spanish(
        new_context, personas):
    admin, canvasser = personas.member("admin"), personas.member("canvasser")
    spanish(canvasser)
    with scope(organization=personas.org):
        wl, residents, _questions = walk_list(admin, [canvasser], count=2)
        canvass.update_effort(admin, wl.effort, name="Block party outreach",
                              name_es="Invitación a la fiesta de cuadra",
                              purpose="Invite every household.",
                              purpose_es="Invitar a cada hogar.")
        for person in residents:
            people.update_person(admin, person, given_name=person.given_name,
                                 family_name=person.family_name, language="en")
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    submit_password(page, canvasser.user.email)
    page.goto("/o/front-street/canvass/mine/")
    expect(page.locator("main")).to_contain_text("Invitación a la fiesta de cuadra")
    expect(page.locator("main")).not_to_contain_text("Block party outreach")
    page.goto(f"/o/front-street/canvass/lists/{wl.pk}/app/")
    expect(page.locator("#canvass-app")).to_have_attribute("data-ready", "1")
    expect(page.locator("main")).to_contain_text("Invitar a cada hogar.")
    page.locator("button.door").first.click()
    residents_shown = page.locator("#visit-residents")
    expect(residents_shown).to_contain_text("Inglés")
    expect(residents_shown).not_to_contain_text("(en)")
    check_and_capture(page, "canvass-door-es")
