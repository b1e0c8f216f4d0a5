"""Roll call for a session on a phone (issue 7 acceptance), and recording a distribution
for three households with the double-serve warning, in a real browser at 360 px.
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from groundswell.people import services as people
from groundswell.programs import services
from groundswell.programs.models import Attendance, Item, Service
from tests.browser.conftest import PHONE, check_and_capture, log_in, submit

pytestmark = pytest.mark.browser


def test_roll_call_for_a_session_on_a_phone(new_context, personas):
    staff = personas.member("program_staff")
    admin = personas.member("admin")
    with scope(organization=personas.org):
        program = services.save_program(admin, name="After-school", staff=[staff])
        guardian = people.create_person(admin, given_name="Marta", family_name="Cruz",
                                        street="2417 N Front St")
        nico, lupe, beto = (services.enroll_child(staff, program, guardian=guardian,
                                                  given_name=name, family_name="Cruz",
                                                  allergies="peanuts" if name == "Nico" else "")
                            for name in ("Nico", "Lupe", "Beto"))
        aunt = services.add_child_contact(staff, nico, kind="pickup", name="Tía Rosa",
                                          relation="aunt")
        session = services.create_session(staff, program,
                                          starts_at=timezone.now() - timedelta(hours=2))
    page = new_context(viewport=PHONE).new_page()
    log_in(page, staff.user)
    page.goto(f"/o/front-street/programs/{program.pk}/")
    with page.expect_navigation():
        page.locator(f"a[href$='/programs/sessions/{session.pk}/']").click()
    expect(page.locator("h1")).to_contain_text("Roll call")

    # Each tap swaps the child's row in place (htmx): no page load.
    row = page.locator(f"#child-{nico.pk}")
    row.get_by_role("button", name="Present").click()
    expect(page.locator(f"#child-{nico.pk} button.status-present")).to_have_attribute(
        "aria-pressed", "true")
    page.locator(f"#child-{lupe.pk}").get_by_role("button", name="Late").click()
    expect(page.locator(f"#child-{lupe.pk} button.status-late")).to_have_attribute(
        "aria-pressed", "true")
    page.locator(f"#child-{beto.pk}").get_by_role("button", name="Absent").click()
    expect(page.locator(f"#child-{beto.pk} button.status-absent")).to_have_attribute(
        "aria-pressed", "true")
    # Absent children have no pickup; the others can only go with a guardian or pickup.
    expect(page.locator(f"#child-{beto.pk} select")).to_have_count(0)
    options = page.locator(f"#child-{nico.pk} select[name=pickup] option")
    expect(options).to_have_text(["—", "Marta Cruz", "Tía Rosa (aunt)"])
    page.locator(f"#child-{nico.pk} select[name=pickup]").select_option(f"c{aunt.pk}")
    at = timezone.localtime(session.starts_at + timedelta(minutes=90)).strftime("%H:%M")
    page.locator(f"#child-{nico.pk} input[type=time]").fill(at)
    check_and_capture(page, "programs-roll-call")
    page.locator(f"#child-{nico.pk}").get_by_role("button", name="Picked up").click()
    expect(page.locator(f"#child-{nico.pk} .picked-up")).to_have_text(
        f"Picked up by Tía Rosa (aunt) at {at}")
    check_and_capture(page, "programs-roll-call-done")

    with scope(organization=personas.org):
        marks = {a.enrollment_id: a for a in Attendance.objects.filter(session=session)}
    assert {marks[nico.pk].status, marks[lupe.pk].status, marks[beto.pk].status} == {
        "present", "late", "absent"}
    assert marks[nico.pk].picked_up_by_contact_id == aunt.pk

    # Reloaded, the roll call shows what was recorded.
    page.reload()
    expect(page.locator("#roll-counts")).to_contain_text("1 present · 1 late · 1 absent")


def test_a_distribution_for_three_households_with_the_double_serve_warning(new_context,
                                                                          personas):
    staff = personas.member("program_staff")
    admin = personas.member("admin")
    with scope(organization=personas.org):
        services.ensure_default_catalog(personas.org)
        bags = Item.objects.get(name="Household-essentials bag")
        diapers = Item.objects.get(name="Diapers size 4")
        services.receive_stock(admin, bags, quantity=22)
        services.receive_stock(admin, diapers, quantity=10)
        for given, family, street in (("Marta", "Cruz", "2417 N Front St"),
                                      ("Ana", "Pérez", "2421 N Front St"),
                                      ("Luis", "Cruz", "2417 N Front St")):
            people.create_person(admin, given_name=given, family_name=family, street=street)
        pantry = services.create_distribution(admin, name="Saturday pantry",
                                              held_on=timezone.localdate())
    page = new_context(viewport=PHONE).new_page()
    log_in(page, staff.user)
    url = f"/o/front-street/programs/distributions/{pantry.pk}/"

    def find_and_choose(query: str, name: str) -> None:
        page.goto(url)
        page.fill("#q-serve", query)
        submit(page, "form.search button[type=submit]")
        assert query not in page.url
        with page.expect_navigation():
            page.locator("ul.results a.person-name", has_text=name).click()
        expect(page.locator("#serve-title")).to_have_text(f"Serving {name}")

    # 1. Marta: a bag and diapers.
    find_and_choose("marta cruz", "Marta Cruz")
    page.fill(f"#id_qty_{bags.pk}", "1")
    page.fill(f"#id_qty_{diapers.pk}", "2")
    check_and_capture(page, "programs-serve")
    submit(page, "section.serve button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text("Recorded for Marta Cruz")
    # Stock now 21 bags, above the warning level of 20; the next takes it to 20.
    # 2. Ana.
    find_and_choose("ana perez", "Ana Pérez")
    page.fill(f"#id_qty_{bags.pk}", "1")
    submit(page, "section.serve button[type=submit]")
    expect(page.locator(".message.warning")).to_contain_text(
        "Low stock: Household-essentials bag, 20 left.")
    # 3. Someone new, added at the table.
    page.locator("#quick-add summary").click()
    page.fill("#id_given_name", "Rosa")
    page.fill("#id_family_name", "Nueva")
    page.fill("#id_street", "2433 N Front St")
    page.locator("#quick-add").locator(f"#id_qty_{bags.pk}").fill("1")
    submit(page, "#quick-add button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text("Recorded for Rosa Nueva")
    # 4. Luis lives with Marta: the warning shows as soon as he is chosen, before
    # anything is given, and recording needs the explicit "Give anyway".
    find_and_choose("luis cruz", "Luis Cruz")
    expect(page.locator(".double-serve")).to_contain_text("Already served today")
    expect(page.locator(".double-serve li")).to_contain_text("Saturday pantry")
    expect(page.locator("section.serve button[type=submit]")).to_have_text("Give anyway")
    check_and_capture(page, "programs-double-serve")
    with scope(organization=personas.org):
        assert Service.objects.count() == 3
    page.fill(f"#id_qty_{bags.pk}", "1")
    submit(page, "section.serve button[type=submit]")  # "Give anyway"
    expect(page.locator(".message.success")).to_contain_text("Recorded for Luis Cruz")
    expect(page.locator("ul.served li")).to_have_count(4)
    expect(page.locator("ul.served .badge.warn")).to_have_text(["second time today"])
    check_and_capture(page, "programs-distribution")
    with scope(organization=personas.org):
        assert services.on_hand([bags, diapers]) == {bags.pk: 18, diapers.pk: 8}
        assert Service.objects.filter(repeat_confirmed=True).count() == 1
