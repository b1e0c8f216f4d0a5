"""The programs screens through HTTP: who sees which program and which child, enrollment,
roll call (with htmx), the distribution table with its same-day warning and bad
quantities, stock, reports and their CSV; and that children's details never reach the
people screens or exports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation
from django_scopes import scope

from groundswell.core.errors import InvalidInput
from groundswell.core.models import AuditEvent
from groundswell.people import services as people
from groundswell.people.views.exports import column_choices
from groundswell.programs import services
from groundswell.programs.models import Attendance, Enrollment, Item, Service, StockEntry
from tests.conftest import login

pytestmark = pytest.mark.django_db

ORG = "/o/front-street"
PROGRAMS = f"{ORG}/programs"


@pytest.fixture(autouse=True)
def _back_to_english():
    yield
    translation.deactivate()


def client_as(personas, role: str) -> Client:
    return login(Client(raise_request_exception=False), personas.member(role))


@pytest.fixture
def setup(personas):
    p = personas
    admin, staff = p.member("admin"), p.member("program_staff")
    with scope(organization=p.org):
        ours = services.save_program(admin, name="After-school", staff=[staff], capacity=20)
        theirs = services.save_program(admin, name="Teen club", staff=[admin])
        guardian = people.create_person(admin, given_name="Marta", family_name="Cruz",
                                        street="2417 N Front St", phone="215-555-0101")
        enrollment = services.enroll_child(staff, ours, guardian=guardian,
                                           given_name="Nicanor", family_name="Cruz",
                                           allergies="peanut-canary",
                                           medical_notes="inhaler-canary")
        services.add_child_contact(staff, enrollment, kind="pickup", name="Tia Rosa-canary")
        session = services.create_session(staff, ours,
                                          starts_at=timezone.now() - timedelta(hours=1))
        services.ensure_default_catalog(p.org)
        bags = Item.objects.get(name="Household-essentials bag")
        services.receive_stock(admin, bags, quantity=30)
        pantry = services.create_distribution(staff, name="Saturday pantry",
                                              held_on=timezone.localdate())
    return {"ours": ours, "theirs": theirs, "guardian": guardian, "enrollment": enrollment,
            "session": session, "bags": bags, "pantry": pantry}


# --- who sees what -----------------------------------------------------------------------


def test_program_staff_see_only_their_programs(personas, setup):
    client = client_as(personas, "program_staff")
    listing = client.get(f"{PROGRAMS}/").content.decode()
    assert "After-school" in listing and "Teen club" not in listing
    assert client.get(f"{PROGRAMS}/{setup['theirs'].pk}/").status_code == 404
    page = client.get(f"{PROGRAMS}/{setup['ours'].pk}/").content.decode()
    assert "Nicanor Cruz" in page


def test_organizers_see_programs_but_not_children_unless_on_the_staff(personas, setup):
    client = client_as(personas, "organizer")
    page = client.get(f"{PROGRAMS}/{setup['ours'].pk}/")
    assert page.status_code == 200 and "Nicanor" not in page.content.decode()
    assert client.get(f"{PROGRAMS}/enrollments/{setup['enrollment'].pk}/").status_code == 403
    assert client.get(f"{PROGRAMS}/sessions/{setup['session'].pk}/").status_code == 403


def test_a_canvasser_sees_no_child_data(personas, setup):
    client = client_as(personas, "canvasser")
    for url in (f"{PROGRAMS}/", f"{PROGRAMS}/{setup['ours'].pk}/",
                f"{PROGRAMS}/enrollments/{setup['enrollment'].pk}/",
                f"{PROGRAMS}/sessions/{setup['session'].pk}/",
                f"{ORG}/people/{setup['enrollment'].child_id}/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"canary" not in response.content


def test_childrens_details_stay_out_of_the_people_screens_and_exports(personas, setup):
    client = client_as(personas, "admin")
    child, guardian = setup["enrollment"].child, setup["guardian"]
    for url in (f"{ORG}/people/{child.pk}/", f"{ORG}/people/{guardian.pk}/", f"{ORG}/people/"):
        body = client.get(url).content.decode()
        assert "canary" not in body, url
    columns = [value for value, _label in column_choices()]
    export = client.post(f"{ORG}/people/export/", {"format": "csv", "columns": columns})
    assert export.status_code == 200 and b"Nicanor" in export.content
    assert b"canary" not in export.content
    with scope(organization=personas.org):
        assert "canary" not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_the_child_page_shows_details_to_the_staff(personas, setup):
    body = client_as(personas, "program_staff").get(
        f"{PROGRAMS}/enrollments/{setup['enrollment'].pk}/").content.decode()
    assert "peanut-canary" in body and "inhaler-canary" in body and "Tia Rosa-canary" in body


# --- enrollment ---------------------------------------------------------------------------


def test_enrolling_through_the_screens(personas, setup):
    client = client_as(personas, "program_staff")
    url = f"{PROGRAMS}/{setup['ours'].pk}/enroll/"
    assert client.post(url, {"q": "marta cruz"}).status_code == 302
    found = client.get(url).content.decode()
    assert f"?guardian={setup['guardian'].pk}" in found
    response = client.post(url, {"guardian": setup["guardian"].pk, "given_name": "Lupe",
                                 "family_name": "Cruz", "birth_year": "2018",
                                 "allergies": "none"})
    assert response.status_code == 302
    with scope(organization=personas.org):
        assert Enrollment.objects.filter(child__given_name="Lupe").exists()


def test_enrolling_without_a_guardian_is_a_clear_error(personas, setup):
    client = client_as(personas, "program_staff")
    with scope(organization=personas.org):
        before = Enrollment.objects.count()
    response = client.post(f"{PROGRAMS}/{setup['ours'].pk}/enroll/",
                           {"given_name": "Sola", "guardian": ""})
    assert response.status_code == 400
    assert "guardian" in response.content.decode()
    with scope(organization=personas.org):
        assert Enrollment.objects.count() == before


def test_adding_a_pickup_with_a_bad_phone_changes_nothing(personas, setup):
    client = client_as(personas, "program_staff")
    url = f"{PROGRAMS}/enrollments/{setup['enrollment'].pk}/contacts/"
    response = client.post(url, {"kind": "emergency", "name": "Abuela", "phone": "12"})
    assert response.status_code == 400
    assert "phone number" in response.content.decode()


# --- roll call ---------------------------------------------------------------------------


def test_roll_call_with_htmx_returns_the_childs_row(personas, setup):
    client = client_as(personas, "program_staff")
    url = f"{PROGRAMS}/sessions/{setup['session'].pk}/mark/"
    enrollment = setup["enrollment"]
    row = client.post(url, {"enrollment": enrollment.pk, "status": "present"},
                      HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    assert 'aria-pressed="true"' in row.content.decode()
    # The counters come along, out of band, so they follow each tap.
    assert 'id="roll-counts" role="status" hx-swap-oob="true"' in row.content.decode()
    assert "1 present · 0 late · 0 absent" in row.content.decode()
    client.post(url, {"enrollment": enrollment.pk, "status": "asleep"}, HTTP_HX_REQUEST="true")
    page = client.get(f"{PROGRAMS}/sessions/{setup['session'].pk}/").content.decode()
    assert page.count('id="roll-counts"') == 1 and "1 present · 0 late · 0 absent" in page
    pickup = f"g{setup['guardian'].pk}"
    future = timezone.localtime() + timedelta(minutes=30)
    if future.date() == timezone.localtime(setup["session"].starts_at).date():
        row = client.post(url, {"enrollment": enrollment.pk, "pickup": pickup,
                                "picked_up_at": future.strftime("%H:%M")},
                          HTTP_HX_REQUEST="true")
        assert "That time is in the future." in row.content.decode()
    at = timezone.localtime(setup["session"].starts_at).strftime("%H:%M")
    row = client.post(url, {"enrollment": enrollment.pk, "pickup": pickup,
                            "picked_up_at": at}, HTTP_HX_REQUEST="true")
    assert f"Picked up by Marta Cruz at {at}" in row.content.decode()
    with scope(organization=personas.org):
        mark = Attendance.objects.get()
        assert mark.status == "present" and mark.picked_up_by_guardian_id == setup[
            "guardian"].pk


def test_a_pickup_by_someone_not_authorized_is_refused(personas, setup):
    client = client_as(personas, "program_staff")
    url = f"{PROGRAMS}/sessions/{setup['session'].pk}/mark/"
    enrollment = setup["enrollment"]
    client.post(url, {"enrollment": enrollment.pk, "status": "present"})
    response = client.post(url, {"enrollment": enrollment.pk, "pickup": "g999999"},
                           HTTP_HX_REQUEST="true")
    assert "Only a guardian or an authorized pickup" in response.content.decode()
    with scope(organization=personas.org):
        assert Attendance.objects.get().picked_up_at is None


# --- distributions -------------------------------------------------------------------------


def test_serving_three_households_and_the_double_serve_warning(personas, setup):
    client = client_as(personas, "program_staff")
    pantry, bags = setup["pantry"], setup["bags"]
    with scope(organization=personas.org):
        others = [people.create_person(personas.member("admin"), given_name=name,
                                       family_name="Vecino", street=street)
                  for name, street in (("Ana", "2421 N Front St"), ("Beto", "2423 N Front St"))]
        same_door = people.create_person(personas.member("admin"), given_name="Luis",
                                         family_name="Cruz", street="2417 N Front St")
    serve = f"{PROGRAMS}/distributions/{pantry.pk}/serve/"
    for person in (setup["guardian"], *others):
        assert client.post(serve, {"person": person.pk,
                                   f"qty_{bags.pk}": "1"}).status_code == 302
    warned = client.post(serve, {"person": same_door.pk, f"qty_{bags.pk}": "1"})
    assert warned.status_code == 409
    assert "already served today" in warned.content.decode()
    with scope(organization=personas.org):
        assert Service.objects.count() == 3
        assert services.on_hand([bags]) == {bags.pk: 27}
    confirmed = client.post(serve, {"person": same_door.pk, f"qty_{bags.pk}": "1",
                                    "repeat_confirmed": "on"})
    assert confirmed.status_code == 302
    with scope(organization=personas.org):
        assert Service.objects.count() == 4


@pytest.mark.parametrize("quantity", ["-1", "abc", "1001", "0"])
def test_bad_quantities_are_clear_errors_and_change_nothing(personas, setup, quantity):
    client = client_as(personas, "program_staff")
    pantry, bags = setup["pantry"], setup["bags"]
    response = client.post(f"{PROGRAMS}/distributions/{pantry.pk}/serve/",
                           {"person": setup["guardian"].pk, f"qty_{bags.pk}": quantity})
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    with scope(organization=personas.org):
        assert not Service.objects.exists()
        assert services.on_hand([bags]) == {bags.pk: 30}


def test_stock_going_below_zero_is_refused_with_what_is_left(personas, setup):
    client = client_as(personas, "program_staff")
    pantry, bags = setup["pantry"], setup["bags"]
    response = client.post(f"{PROGRAMS}/distributions/{pantry.pk}/serve/",
                           {"person": setup["guardian"].pk, f"qty_{bags.pk}": "31"})
    assert response.status_code == 400
    assert "30 on hand" in response.content.decode()
    with scope(organization=personas.org):
        assert not StockEntry.objects.filter(kind="given").exists()


def test_quick_add_at_the_table(personas, setup):
    client = client_as(personas, "program_staff")
    pantry, bags = setup["pantry"], setup["bags"]
    response = client.post(f"{PROGRAMS}/distributions/{pantry.pk}/quick-add/", {
        "given_name": "Nueva", "family_name": "Vecina", "street": "2431 N Front St",
        f"qty_{bags.pk}": "2"})
    assert response.status_code == 302
    with scope(organization=personas.org):
        assert Service.objects.get().person.given_name == "Nueva"
    missing = client.post(f"{PROGRAMS}/distributions/{pantry.pk}/quick-add/", {
        "given_name": "Sin", f"qty_{bags.pk}": "1"})
    assert missing.status_code == 400


def test_the_search_term_never_goes_in_a_url(personas, setup):
    client = client_as(personas, "program_staff")
    url = f"{PROGRAMS}/distributions/{setup['pantry'].pk}/"
    response = client.post(url, {"q": "marta"})
    assert response.status_code == 302 and "marta" not in response["Location"]
    assert "Marta Cruz" in client.get(url).content.decode()


# --- stock and reports -------------------------------------------------------------------------


def test_receiving_and_counting_stock(personas, setup):
    client = client_as(personas, "program_staff")
    bags = setup["bags"]
    assert client.post(f"{PROGRAMS}/stock/receive/", {"item": bags.pk, "quantity": "10",
                                                      "source": "Food bank"}).status_code == 302
    bad = client.post(f"{PROGRAMS}/stock/receive/", {"item": bags.pk, "quantity": "-4"})
    assert bad.status_code == 400
    assert client.post(f"{PROGRAMS}/stock/count/", {"item": bags.pk, "counted": "38",
                                                    "reason": "torn"}).status_code == 302
    with scope(organization=personas.org):
        assert services.on_hand([bags]) == {bags.pk: 38}
    assert b"38" in client.get(f"{PROGRAMS}/stock/").content


def test_reports_and_their_csv(personas, setup):
    with scope(organization=personas.org):
        services.serve_household(personas.member("program_staff"), setup["pantry"],
                                 setup["guardian"], {setup["bags"]: 2})
        people.record_grievance(personas.member("admin"), setup["guardian"], category="rent")
    client = client_as(personas, "organizer")
    page = client.get(f"{PROGRAMS}/reports/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="programs-chart-data"' in body and "<script>" not in body
    csv = client.post(f"{PROGRAMS}/reports/export/", {
        "since": (timezone.localdate() - timedelta(days=30)).isoformat(),
        "until": timezone.localdate().isoformat()})
    assert csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "Households reached,1" in text
    assert "Raised a grievance afterwards,1" in text
    assert "Given: Household-essentials bag,2" in text
    assert "Nicanor" not in text and "Marta" not in text
    with scope(organization=personas.org):
        assert AuditEvent.objects.filter(code="programs.report.exported").exists()
    assert client.get(f"{PROGRAMS}/reports/?since=2026-13-01").status_code == 400


def test_conversion_counts_campaign_actions_and_rapid_response_after_the_service(personas,
                                                                                setup):
    from groundswell.events.models import Attendance as EventAttendance
    from groundswell.events.models import Event

    organizer = personas.member("organizer")
    guardian = setup["guardian"]
    with scope(organization=personas.org):
        services.serve_household(personas.member("program_staff"), setup["pantry"],
                                 guardian, {setup["bags"]: 1})
        hearing = Event.objects.create(organization=personas.org, kind="hearing",
                                       title_en="Zoning hearing", starts_at=timezone.now(),
                                       ends_at=timezone.now())
        EventAttendance.objects.create(organization=personas.org, event=hearing,
                                       person=guardian, source="staff")
        people.record_consent(organizer, guardian, channel="sms", purpose="rapid_response",
                              source="event", wording="yes")
        people.record_interaction(organizer, guardian, kind="door_visit")
        from groundswell.programs import reports

        dist = reports.distribution_report(timezone.localdate() - timedelta(days=1),
                                           timezone.localdate())
        assert dist.reach.people == 1 and dist.reach.households == 1
        assert dict(dist.conversion.rows()) == {"visited": 1, "grievance": 0,
                                                "campaign_action": 1, "rapid_response": 1}
        # The guardian of the enrolled child is the program's reach.
        program = reports.program_report(setup["ours"], timezone.localdate()
                                         - timedelta(days=1), timezone.localdate())
        assert program.enrolled == 1 and program.guardians.people == 1
        assert program.conversion.campaign_action == 1


def test_the_csv_cannot_carry_a_formula(personas, setup):
    with scope(organization=personas.org):
        services.save_program(personas.member("admin"), name="=HYPERLINK(\"x\")")
    csv = client_as(personas, "admin").post(f"{PROGRAMS}/reports/export/", {})
    import csv as csv_module
    import io

    rows = list(csv_module.reader(io.StringIO(csv.content.decode("utf-8-sig"))))
    sections = {row[0] for row in rows}
    assert "'=HYPERLINK(\"x\")" in sections
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_archiving_and_restoring_a_program_and_an_item(personas, setup):
    organizer = client_as(personas, "organizer")
    ours, bags = setup["ours"], setup["bags"]
    assert b"After-school" in organizer.get(f"{PROGRAMS}/").content
    response = organizer.post(f"{PROGRAMS}/{ours.pk}/archive/", {"archived": "1"},
                              follow=True)
    assert b"Program archived" in response.content
    assert b"After-school" not in organizer.get(f"{PROGRAMS}/").content
    archived_list = organizer.get(f"{PROGRAMS}/?archived=1").content
    assert b"After-school" in archived_list and b"Teen club" not in archived_list
    page = organizer.get(f"{PROGRAMS}/{ours.pk}/").content
    assert b"Archived on" in page and b"Restore" in page
    organizer.post(f"{PROGRAMS}/{ours.pk}/archive/", {"archived": "0"})
    assert b"After-school" in organizer.get(f"{PROGRAMS}/").content
    with scope(organization=personas.org):
        assert Enrollment.objects.filter(program=ours).count() == 1  # nothing else changed
        codes = list(AuditEvent.objects.filter(code__startswith="programs.program.")
                     .values_list("code", flat=True))
    assert "programs.program.archived" in codes and "programs.program.restored" in codes
    # program staff may run the program but not archive it
    staff = client_as(personas, "program_staff")
    assert staff.post(f"{PROGRAMS}/{ours.pk}/archive/", {"archived": "1"}).status_code == 403

    organizer.post(f"{PROGRAMS}/stock/items/{bags.pk}/archive/", {"archived": "1"})
    stock = organizer.get(f"{PROGRAMS}/stock/").content.decode()
    assert "1 archived item" in stock
    serving = staff.get(f"{PROGRAMS}/distributions/{setup['pantry'].pk}/"
                        f"?person={setup['guardian'].pk}").content.decode()
    assert "Household-essentials bag" not in serving
    with scope(organization=personas.org):
        assert services.on_hand([bags]) == {bags.pk: 30}  # the ledger stays
        # an archived item cannot be given out, whatever the screen
        with pytest.raises(InvalidInput):
            services.serve_household(personas.member("program_staff"), setup["pantry"],
                                     setup["guardian"], {Item.objects.get(pk=bags.pk): 1})
    organizer.post(f"{PROGRAMS}/stock/items/{bags.pk}/archive/", {"archived": "0"})
    assert "archived item" not in organizer.get(f"{PROGRAMS}/stock/").content.decode()


def test_a_household_entered_by_mistake_is_removed_and_the_goods_go_back(personas, setup):
    client = client_as(personas, "program_staff")
    pantry, bags, guardian = setup["pantry"], setup["bags"], setup["guardian"]
    with scope(organization=personas.org):
        before = guardian.__class__.objects.get(pk=guardian.pk).last_contact_at
    serve = f"{PROGRAMS}/distributions/{pantry.pk}/serve/"
    assert client.post(serve, {"person": guardian.pk, f"qty_{bags.pk}": "2"}).status_code == 302
    with scope(organization=personas.org):
        service = Service.objects.get()
        assert services.on_hand([bags]) == {bags.pk: 28}
        assert guardian.interactions.filter(source_type="programs.service").count() == 1
    page = client.get(f"{PROGRAMS}/distributions/{pantry.pk}/").content.decode()
    assert "Entered by mistake?" in page
    asked = client.post(f"{PROGRAMS}/distributions/served/{service.pk}/remove/")
    assert asked.status_code == 200 and "goes back on hand" in asked.content.decode()
    with scope(organization=personas.org):
        assert Service.objects.exists()  # asked once, nothing changed yet
    response = client.post(f"{PROGRAMS}/distributions/served/{service.pk}/remove/",
                           {"confirmed": "1"}, follow=True)
    assert "was taken off this distribution" in response.content.decode()
    with scope(organization=personas.org):
        assert not Service.objects.exists()
        assert services.on_hand([bags]) == {bags.pk: 30}
        assert not StockEntry.objects.filter(kind="given").exists()
        assert not guardian.interactions.filter(source_type="programs.service").exists()
        assert guardian.__class__.objects.get(pk=guardian.pk).last_contact_at == before
        removed = AuditEvent.objects.get(code="programs.service.removed")
    assert removed.data["items"] == {str(bags.pk): 2} and removed.data["service"] == service.pk
    # the same entry again is gone: a 404, nothing else changes
    again = client.post(f"{PROGRAMS}/distributions/served/{service.pk}/remove/",
                        {"confirmed": "1"})
    assert again.status_code == 404
    # and now the household can be served without the same-day warning
    assert client.post(serve, {"person": guardian.pk, f"qty_{bags.pk}": "1"}).status_code == 302
