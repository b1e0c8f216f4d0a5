"""The programs report on a phone in Spanish: Chart.js draws its charts under the
strict CSP (no inline script), and the page fits 360 px."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from groundswell.people import services as people
from groundswell.programs import services
from groundswell.programs.models import Item
from tests.browser.conftest import PHONE, check_and_capture, log_in

pytestmark = pytest.mark.browser


def test_the_report_draws_its_charts_on_a_phone_in_spanish(new_context, personas):
    organizer, staff = personas.member("organizer"), personas.member("program_staff")
    organizer.user.language = "es"
    organizer.user.save(update_fields=["language"])
    with scope(organization=personas.org):
        services.ensure_default_catalog(personas.org)
        bags = Item.objects.get(name="Household-essentials bag")
        services.receive_stock(staff, bags, quantity=10)
        pantry = services.create_distribution(staff, name="Despensa",
                                              held_on=timezone.localdate())
        for given, street in (("Marta", "2417 N Front St"), ("Ana", "2421 N Front St")):
            person = people.create_person(organizer, given_name=given, street=street)
            services.serve_household(staff, pantry, person, {bags: 1})
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    log_in(page, organizer.user)
    page.goto("/o/front-street/programs/reports/")
    expect(page.locator("h1")).to_have_text("Informes de programas")
    expect(page.locator("#distribution-stats")).to_contain_text("2 hogares alcanzados")
    drawn = page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".filter(c => !c.hidden).every(c => window.Chart && window.Chart.getChart(c))")
    assert drawn
    items_chart = page.evaluate(
        "() => window.Chart.getChart(document.querySelector('canvas[data-chart=items]'))"
        ".data.labels")
    assert items_chart == ["Bolsa de artículos para el hogar"]
    check_and_capture(page, "programs-report-es")
    assert not problems, problems
