"""A day at the community center (issue 17, points 1 to 8), each on a phone at 360 px:
the places where an organizer got stuck or was misled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from groundswell.events import services as events
from groundswell.events.models import FollowUp
from groundswell.people import services as people
from groundswell.people.models import SavedList
from tests.browser.conftest import PHONE, check_and_capture, log_in, submit

pytestmark = pytest.mark.browser

ORG = "/o/front-street"


def make_event(personas, *, days: float = 5, hours: float = 4):
    organizer = personas.member("organizer")
    starts = timezone.now() + timedelta(days=days)
    with scope(organization=personas.org):
        return events.create_event(
            organizer, kind="block_party", title_en="Front Street Block Party",
            title_es="Fiesta de cuadra de Front Street",
            starts_at=starts, ends_at=starts + timedelta(hours=hours),
            place_name="Lote de Front y Somerset", street="2700 N Front St")


def add_person(personas, **fields):
    with scope(organization=personas.org):
        return people.create_person(personas.member("organizer"), **fields)


def spanish(membership):
    membership.user.language = "es"
    membership.user.save(update_fields=["language"])
    return membership


# --- 1. follow-up actions ---------------------------------------------------------------------


def test_follow_up_actions_need_only_their_own_fields(new_context, personas):
    event = make_event(personas, days=-10)
    for name in ("Rosa", "Luis"):
        person = add_person(personas, given_name=name, family_name="Martínez")
        with scope(organization=personas.org):
            events.record_attendance(personas.member("program_staff"), event, person,
                                     at=event.starts_at)
    organizer = personas.member("organizer")
    page = new_context(viewport=PHONE).new_page()
    log_in(page, organizer.user)
    page.goto(f"{ORG}/events/{event.pk}/follow-up/")

    # Nobody ticked: the refusal is a message in the page, not a bubble.
    submit(page, "button:has-text('Assign follow-up')")
    expect(page.locator(".message.error")).to_contain_text("Tick at least one person")

    page.check("input[data-tick-all]")
    page.select_option("#id_assignee", str(organizer.pk))
    submit(page, "button:has-text('Assign follow-up')")
    expect(page.locator(".message.success")).to_contain_text("2 follow-ups assigned")
    check_and_capture(page, "center-day-follow-up")

    page.check("input[data-tick-all]")
    page.fill("#id_name", "")
    submit(page, "button:has-text('Save as a call list')")
    expect(page.locator(".message.error")).to_contain_text("Name of the call list")
    page.check("input[data-tick-all]")
    submit(page, "button:has-text('Save as a call list')")
    expect(page.locator(".message.success")).to_contain_text("2 people")
    with scopes_disabled():
        assert FollowUp.objects.filter(assigned_to=organizer).count() == 2
        assert SavedList.objects.count() == 1


# --- 2. grievances from the door ----------------------------------------------------------------


def test_the_canvasser_picks_the_grievance_category_and_the_words_are_kept(new_context,
                                                                           personas):
    from groundswell.canvass import services as canvass
    from groundswell.people.models import Grievance, Person
    from tests.browser.conftest import submit_password
    from tests.canvass.helpers import walk_list

    canvasser, organizer = spanish(personas.member("canvasser")), personas.member("organizer")
    with scope(organization=personas.org):
        wl, _residents, _q = walk_list(personas.member("admin"), [canvasser], count=2)
        for question in wl.effort.questions.all():
            canvass.remove_question(personas.member("admin"), question)
        door = wl.entries.order_by("position").first().household_id
        talker = Person.objects.get(residences__household_id=door,
                                    residences__ended_on__isnull=True)

    # The organizer writes the question and offers three categories.
    page = new_context(viewport=PHONE).new_page()
    log_in(page, organizer.user)
    page.goto(f"{ORG}/canvass/efforts/{wl.effort_id}/")
    page.click("details.panel summary")
    page.select_option("#id_kind", "text")
    page.fill("#id_text_en", "Record a community problem")
    page.fill("#id_text_es", "Anote un problema de la comunidad")
    page.select_option("#id_action", "grievance")
    for label in ("Housing conditions", "Rent", "A development"):
        page.get_by_label(label, exact=True).check()
    submit(page, "details.panel button[type=submit]")
    expect(page.locator(".message.success")).to_be_visible()
    expect(page.locator("ol.script")).to_contain_text("Rent")
    with scope(organization=personas.org):
        question = wl.effort.questions.get()

    # The canvasser, in Spanish, files "the rent went up" under rent, in the resident's words.
    phone = new_context(viewport=PHONE, locale="es-ES").new_page()
    submit_password(phone, canvasser.user.email)
    phone.goto(f"{ORG}/canvass/lists/{wl.pk}/app/")
    expect(phone.locator("#canvass-app")).to_have_attribute("data-ready", "1")
    phone.locator("button.door").first.click()
    phone.check("input[name=outcome][value=talked]")
    phone.check(f"input[name=person][value='{talker.pk}']")
    phone.fill(f"textarea[name=q-{question.pk}]", "Nos subieron la renta otra vez")
    phone.click("#save-visit")
    expect(phone.locator("#visit-error")).to_contain_text(
        "Elija qué tipo de problema")
    options = phone.locator(f"#qc-{question.pk} option").all_inner_texts()
    assert options == ["—", "Condiciones de la vivienda", "Renta",
                       "Un proyecto de construcción"], options
    phone.select_option(f"#qc-{question.pk}", "rent")
    check_and_capture(phone, "center-day-grievance-category-es")
    phone.click("#save-visit")
    # Before the visit is queued the counter already reads 0 (nothing waits): first see
    # the door marked as visited (queued), then the queue empty (sent).
    expect(phone.locator("button.door.visited")).to_have_count(1)
    expect(phone.locator("#queue-status")).to_have_attribute("data-waiting", "0")
    expect(phone.locator("#queue-status")).to_have_attribute("data-refused", "0")
    with scopes_disabled():
        grievance = Grievance.objects.get(person=talker)
    assert grievance.category == "rent"
    assert grievance.text == "Nos subieron la renta otra vez"


# --- 3. the kiosk's language --------------------------------------------------------------------


def test_the_kiosk_language_button_changes_the_kiosk_only(new_context, personas):
    event = make_event(personas, days=0)
    staff = personas.member("program_staff")
    staff.user.language = "en"
    staff.user.save(update_fields=["language"])
    page = new_context(viewport=PHONE).new_page()
    log_in(page, staff.user)
    page.goto(f"{ORG}/events/{event.pk}/kiosk/")
    page.fill("#id_pin", "2468")
    page.fill("#id_pin_again", "2468")
    submit(page, "form.form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Welcome! Please sign in.")

    submit(page, "form.language-switch button[value=es]")
    expect(page.locator("h1")).to_have_text("¡Bienvenido/a! Por favor, registre su asistencia.")
    expect(page.locator(".kiosk-title")).to_be_visible()
    check_and_capture(page, "center-day-kiosk-es")
    staff.user.refresh_from_db()
    assert staff.user.language == "en"
    assert not [c for c in page.context.cookies() if c["name"] == "django_language"]

    page.click("p.kiosk-exit a")
    page.fill("#id_pin", "2468")
    submit(page, "form.form button[type=submit]")
    # The staff member's own language is back with their session.
    expect(page.locator("h1")).to_have_text("Front Street Block Party")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    staff.user.refresh_from_db()
    assert staff.user.language == "en"


# --- 4. when things can be recorded; correcting a distribution ---------------------------------


def test_one_recording_rule_and_a_distribution_corrected_then_removed(new_context, personas):
    from groundswell.programs import services as programs
    from groundswell.programs.models import Distribution, Item, Service

    staff = personas.member("program_staff")
    far = make_event(personas, days=14)
    tomorrow = make_event(personas, days=1)
    with scope(organization=personas.org):
        programs.ensure_default_catalog(personas.org)
        bags = Item.objects.get(name="Household-essentials bag")
        programs.receive_stock(staff, bags, quantity=10)
        # The table at tomorrow's event, set up today.
        table = programs.create_distribution(
            staff, name="Block party table", event=tomorrow,
            held_on=timezone.localdate(tomorrow.starts_at))
        marta = people.create_person(staff, given_name="Marta", street="2417 N Front St",
                                     capability="programs.distribute")
    page = new_context(viewport=PHONE).new_page()
    log_in(page, staff.user)

    # The kiosk refuses an event two weeks away, saying when it opens.
    page.goto(f"{ORG}/events/{far.pk}/kiosk/")
    page.fill("#id_pin", "2468")
    page.fill("#id_pin_again", "2468")
    submit(page, "form.form button[type=submit]")
    expect(page.locator("form.form")).to_contain_text("Too early")

    # The distribution table takes the household the day before.
    page.goto(f"{ORG}/programs/distributions/{table.pk}/?person={marta.pk}")
    page.fill(f"input[name=qty_{bags.pk}]", "2")
    submit(page, "section.serve button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text("Marta")

    # The date was wrong: correct it (audited), then remove it, asked once.
    page.click("text=Correct or remove this distribution")
    page.fill("#id_held_on", str(timezone.localdate()))
    submit(page, "form.form button.primary")
    expect(page.locator(".message.success")).to_contain_text("Distribution corrected")
    with scopes_disabled():
        assert Service.objects.get().served_on == timezone.localdate()
    page.click("text=Correct or remove this distribution")
    submit(page, "button:has-text('Remove the distribution')")
    expect(page.locator("#confirm-title")).to_contain_text("Block party table")
    expect(page.locator(".confirm-changes")).to_contain_text("1 household served is taken off")
    expect(page.locator(".confirm-way-back")).to_contain_text("cannot be undone")
    check_and_capture(page, "center-day-distribution-remove-confirm")
    with scopes_disabled():
        assert Distribution.objects.exists()
    submit(page, ".confirm-form button[type=submit]")
    expect(page.locator(".message.success")).to_contain_text("back on hand")
    with scopes_disabled():
        assert not Distribution.objects.exists()
    with scope(organization=personas.org):
        assert programs.on_hand([bags])[bags.pk] == 10


# --- 7. roll call counters ----------------------------------------------------------------------


def test_roll_call_counters_follow_each_tap(new_context, personas):
    from groundswell.programs import services as programs

    staff, admin = spanish(personas.member("program_staff")), personas.member("admin")
    with scope(organization=personas.org):
        program = programs.save_program(admin, name="Después de la escuela", staff=[staff])
        guardian = people.create_person(admin, given_name="Marta", family_name="Cruz",
                                        street="2417 N Front St")
        nico, lupe, beto = (programs.enroll_child(staff, program, guardian=guardian,
                                                  given_name=name, family_name="Cruz")
                            for name in ("Nico", "Lupe", "Beto"))
        session = programs.create_session(staff, program,
                                          starts_at=timezone.now() - timedelta(hours=1))
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    log_in(page, staff.user)
    page.goto(f"{ORG}/programs/sessions/{session.pk}/")
    counts = page.locator("#roll-counts")
    expect(counts).to_have_text("0 presentes · 0 tarde · 0 ausentes · 3 sin marcar todavía")
    page.locator(f"#child-{nico.pk}").get_by_role("button", name="Presente").click()
    expect(counts).to_have_text("1 presentes · 0 tarde · 0 ausentes · 2 sin marcar todavía")
    page.locator(f"#child-{lupe.pk}").get_by_role("button", name="Tarde").click()
    expect(counts).to_have_text("1 presentes · 1 tarde · 0 ausentes · 1 sin marcar todavía")
    page.locator(f"#child-{beto.pk}").get_by_role("button", name="Ausente").click()
    expect(counts).to_have_text("1 presentes · 1 tarde · 1 ausentes · 0 sin marcar todavía")
    # A child marked again moves from one counter to the other.
    page.locator(f"#child-{lupe.pk}").get_by_role("button", name="Presente").click()
    expect(counts).to_have_text("2 presentes · 0 tarde · 1 ausentes · 0 sin marcar todavía")
    expect(page.locator("#roll-counts")).to_have_count(1)
    check_and_capture(page, "center-day-roll-call-counts-es")


# --- 8. a confirmation heard by the dispatcher ---------------------------------------------------


def test_a_dispatcher_records_confirmations_by_phone_and_in_person(new_context, personas):
    from groundswell.rapidresponse import services as rr
    from groundswell.rapidresponse.models import DirectConfirmation, Report
    from tests.rapidresponse.conftest import build_world

    w = build_world(personas)  # two confirmations needed
    with scope(organization=personas.org):
        report = rr.create_report(w.dispatcher, w.network, what="Two vans",
                                  where="Front & Lehigh")
    page = new_context(viewport=PHONE).new_page()
    log_in(page, w.dispatcher.user)
    page.goto(f"{ORG}/rapid-response/reports/{report.pk}/")
    for who, how in (("Don Luis, the corner store", "By phone"),
                     ("Marisol from the tenants' union", "In person")):
        page.click("#record-confirmation summary")
        page.fill("#id_who", who)
        page.get_by_label(how, exact=True).check()
        check_and_capture(page, "center-day-rr-record-confirmation")
        submit(page, "#record-confirmation button[type=submit]")
        expect(page.locator(".message.success")).to_contain_text("Confirmation recorded")
    expect(page.locator("#report-state")).to_have_text("Confirmed")
    expect(page.locator(".rr-direct")).to_contain_text("Don Luis, the corner store")
    expect(page.locator(".rr-direct")).to_contain_text("In person")
    expect(page.locator("#compose-alert")).to_be_visible()
    with scopes_disabled():
        report = Report.objects.get()
        assert report.state == "confirmed" and report.overridden_at is None
        assert DirectConfirmation.objects.filter(report=report).count() == 2


# --- 5. the people search, visible ---------------------------------------------------------------


def test_the_remembered_search_is_a_chip_beside_the_filters(new_context, personas):
    organizer = personas.member("organizer")
    with scope(organization=personas.org):
        for given, language in (("Rosa", "es"), ("Rosalind", "en"), ("Luis", "es"),
                                ("Ana", "es")):
            people.create_person(organizer, given_name=given, family_name="Front",
                                 language=language)
    page = new_context(viewport=PHONE).new_page()
    log_in(page, organizer.user)
    page.goto(f"{ORG}/people/")
    page.fill("#q", "rosa")
    submit(page, "form.search button[type=submit]")
    expect(page.locator(".search-chip")).to_contain_text("rosa")

    # Back to People later with a new filter: the search still applies, and says so.
    page.goto(f"{ORG}/people/?language=es")
    expect(page.locator(".search-chip")).to_contain_text("Search: “rosa”")
    expect(page.locator(".filter-chip")).to_contain_text("Language: ")
    expect(page.locator("#people-count")).to_contain_text(
        "1 person · matching the search and the filters")
    check_and_capture(page, "center-day-people-chips")

    # Clearing the search keeps the filter.
    submit(page, ".search-chip button")
    expect(page.locator(".search-chip")).to_have_count(0)
    expect(page.locator("#people-count")).to_contain_text("3 people · matching the filters")
    # Clearing the filter leaves everyone.
    submit(page, ".filter-chip a")
    expect(page.locator(".active-criteria")).to_have_count(0)
    expect(page.locator("#people-count")).to_have_text("4 people")


# --- 6. every destructive action asks once -----------------------------------------------------


def test_removing_a_shift_volunteer_asks_once_in_spanish(new_context, personas):
    from groundswell.events.models import ShiftSignup

    organizer = spanish(personas.member("organizer"))
    event = make_event(personas, days=3)
    with scope(organization=personas.org):
        shift = events.add_shift(organizer, event, role="cookout", starts_at=event.starts_at,
                                 ends_at=event.ends_at, slots=3)
        rosa = add_person(personas, given_name="Rosa", family_name="Martínez")
        events.sign_up_for_shift(organizer, shift, rosa)
    page = new_context(viewport=PHONE, locale="es-ES").new_page()
    log_in(page, organizer.user)
    page.goto(f"{ORG}/events/shifts/{shift.pk}/")
    submit(page, "form[action*='/signups/'] button")
    # Asked once: what changes, and how to get it back.
    expect(page.locator("#confirm-title")).to_have_text("¿Quitar a Rosa Martínez del turno?")
    expect(page.locator(".confirm-changes")).to_contain_text("lista de espera")
    expect(page.locator(".confirm-way-back")).to_contain_text("anótelo/a otra vez")
    check_and_capture(page, "center-day-confirm-shift-volunteer-es")
    with scopes_disabled():
        assert ShiftSignup.objects.count() == 1
    # Cancelling changes nothing.
    with page.expect_navigation():
        page.click("text=Cancelar, sin cambiar nada")
    with scopes_disabled():
        assert ShiftSignup.objects.count() == 1
    submit(page, "form[action*='/signups/'] button")
    submit(page, ".confirm-form button[type=submit]")
    expect(page.locator(".message.success")).to_be_visible()
    with scopes_disabled():
        assert not ShiftSignup.objects.exists()


def test_undoing_an_import_asks_once_and_works_without_javascript(new_context, personas):
    from groundswell.imports.models import ImportBatch

    organizer = personas.member("organizer")
    with scope(organization=personas.org):
        batch = ImportBatch.objects.create(organization=personas.org, file_name="feria.csv",
                                           status="done", created_by=organizer,
                                           committed_at=timezone.now(),
                                           counts={"created": 12, "updated": 3})
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    log_in(page, organizer.user)
    page.goto(f"{ORG}/imports/{batch.pk}/")
    submit(page, "#undo-import")
    expect(page.locator("#confirm-title")).to_contain_text("feria.csv")
    expect(page.locator(".confirm-changes")).to_contain_text(
        "The 12 people it created are taken out and the 3 records it updated")
    expect(page.locator(".confirm-way-back")).to_contain_text("import the same file again")
    check_and_capture(page, "center-day-confirm-import-undo")
