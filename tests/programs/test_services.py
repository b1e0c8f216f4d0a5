"""Programs and distributions services (issue 7, points 4 and 5): enrollment with
guardians and the waitlist, roll call and pickups, the stock ledger, households served
with the same-day warning; and bad input, each refused with a clear message and
nothing half-saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from django_scopes import scope

from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import AuditEvent
from groundswell.people import services as people
from groundswell.people.models import Interaction, Person, Relationship
from groundswell.programs import services
from groundswell.programs.models import (
    Attendance,
    ChildContact,
    Enrollment,
    Item,
    Service,
    StockEntry,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(in_org):
    p = in_org
    admin, staff = p.member("admin"), p.member("program_staff")
    program = services.save_program(admin, name="After-school", partner="St. Mary's",
                                    capacity=2, staff=[staff])
    guardian = people.create_person(admin, given_name="Marta", family_name="Cruz",
                                    street="2417 N Front St", phone="215-555-0101")
    services.ensure_default_catalog(p.org)
    bags = Item.objects.get(name="Household-essentials bag")
    diapers = Item.objects.get(name="Diapers size 4")
    return p, admin, staff, program, guardian, bags, diapers


def events(code: str) -> int:
    return AuditEvent.objects.filter(code=code).count()


# --- enrollment ---------------------------------------------------------------------------


def test_enrolling_a_new_child_links_guardian_household_and_timeline(world):
    p, admin, staff, program, guardian, *_ = world
    enrollment = services.enroll_child(staff, program, guardian=guardian, given_name="Nico",
                                       family_name="Cruz", birth_year=2017,
                                       allergies="peanuts", photo_consent=True)
    child = enrollment.child
    assert enrollment.status == Enrollment.Status.ENROLLED
    assert list(enrollment.guardians.all()) == [guardian]
    assert Relationship.objects.filter(person=guardian, other=child,
                                       kind="guardian_of").exists()
    assert enrollment.household == people.current_residence(guardian).household
    assert people.current_residence(child).household == enrollment.household
    # The guardian's timeline has the program; the child's has nothing.
    entry = guardian.interactions.get(source_type="programs.enrollment")
    assert entry.kind == Interaction.Kind.SERVICE and "After-school" in entry.summary
    assert not child.interactions.exists()
    assert events("programs.enrollment.created") == 1
    data = AuditEvent.objects.get(code="programs.enrollment.created").data
    assert "peanuts" not in str(data)


def test_a_child_without_a_guardian_is_refused_and_nothing_is_saved(world):
    p, admin, staff, program, *_ = world
    people_before = Person.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.enroll_child(staff, program, guardian=None, given_name="Nico")
    assert refused.value.field == "guardian"
    assert "guardian" in refused.value.message
    assert Person.objects.count() == people_before
    assert not Enrollment.objects.exists()


def test_the_program_full_puts_children_on_the_waitlist_and_a_place_frees(world):
    p, admin, staff, program, guardian, *_ = world
    first, second, third = (services.enroll_child(staff, program, guardian=guardian,
                                                  given_name=name)
                            for name in ("Ana", "Beto", "Caro"))
    assert [e.status for e in (first, second, third)] == ["enrolled", "enrolled",
                                                          "waitlisted"]
    with pytest.raises(DomainError):
        services.set_enrollment_status(staff, third, "enrolled")
    services.set_enrollment_status(staff, first, "withdrawn")
    services.set_enrollment_status(staff, third, "enrolled")
    third.refresh_from_db()
    assert third.status == "enrolled" and third.enrolled_on == timezone.localdate()


def test_the_same_child_twice_is_refused(world):
    p, admin, staff, program, guardian, *_ = world
    enrollment = services.enroll_child(staff, program, guardian=guardian, given_name="Nico")
    with pytest.raises(InvalidInput):
        services.enroll_child(staff, program, guardian=guardian, child=enrollment.child)
    assert Enrollment.objects.count() == 1


def test_only_the_programs_staff_touch_its_children(world):
    p, admin, staff, program, guardian, *_ = world
    for role in ("admin", "organizer", "canvasser", "dispatcher"):
        with pytest.raises(PermissionDenied):
            services.enroll_child(p.member(role), program, guardian=guardian,
                                  given_name="Nico")
    assert not Enrollment.objects.exists()


def test_child_details_are_encrypted_at_rest(world):
    p, admin, staff, program, guardian, *_ = world
    enrollment = services.enroll_child(staff, program, guardian=guardian, given_name="Nico",
                                       allergies="shellfish-canary",
                                       medical_notes="asthma-canary")
    services.add_child_contact(staff, enrollment, kind="pickup", name="Tia Canaria",
                               phone="215-555-0199")
    with connection.cursor() as cursor:
        cursor.execute("SELECT allergies, medical_notes FROM programs_enrollment")
        row = " ".join(cursor.fetchone())
        cursor.execute("SELECT name, phone FROM programs_childcontact")
        row += " ".join(cursor.fetchone())
    for secret in ("shellfish", "asthma", "Canaria", "5550199"):
        assert secret not in row


def test_an_emergency_contact_needs_a_phone_and_phones_are_checked(world):
    p, admin, staff, program, guardian, *_ = world
    enrollment = services.enroll_child(staff, program, guardian=guardian, given_name="Nico")
    with pytest.raises(InvalidInput):
        services.add_child_contact(staff, enrollment, kind="emergency", name="Abuela")
    with pytest.raises(InvalidInput):
        services.add_child_contact(staff, enrollment, kind="pickup", name="Abuela",
                                   phone="12")
    assert not ChildContact.objects.exists()


# --- roll call ---------------------------------------------------------------------------------


def test_roll_call_and_pickup_only_by_an_authorized_person(world):
    p, admin, staff, program, guardian, *_ = world
    enrollment = services.enroll_child(staff, program, guardian=guardian, given_name="Nico")
    aunt = services.add_child_contact(staff, enrollment, kind="pickup", name="Tía Rosa")
    neighbor = services.add_child_contact(staff, enrollment, kind="emergency",
                                          name="Vecina", phone="215-555-0142")
    session = services.create_session(staff, program,
                                      starts_at=timezone.now() - timedelta(hours=2))
    with pytest.raises(InvalidInput):  # not marked yet
        services.record_pickup(staff, session, enrollment, pickup=f"g{guardian.pk}")
    services.mark_attendance(staff, session, enrollment, status="late")
    with pytest.raises(InvalidInput):  # an emergency contact is not a pickup
        services.record_pickup(staff, session, enrollment, pickup=f"c{neighbor.pk}")
    with pytest.raises(InvalidInput):  # someone else's guardian
        services.record_pickup(staff, session, enrollment, pickup="g999999")
    services.record_pickup(staff, session, enrollment, pickup=f"c{aunt.pk}")
    mark = Attendance.objects.get()
    assert mark.status == "late" and mark.picked_up_by_contact == aunt
    assert mark.picked_up_at is not None
    services.remove_child_contact(staff, aunt)
    assert f"c{aunt.pk}" not in dict(services.pickup_choices(enrollment))
    assert services.program_roll_call(program).late == 1


def test_waitlisted_children_are_not_on_the_roll(world):
    p, admin, staff, program, guardian, *_ = world
    program.capacity = 1
    program.save()
    services.enroll_child(staff, program, guardian=guardian, given_name="Ana")
    waiting = services.enroll_child(staff, program, guardian=guardian, given_name="Beto")
    session = services.create_session(staff, program, starts_at=timezone.now())
    with pytest.raises(InvalidInput):
        services.mark_attendance(staff, session, waiting, status="present")
    with pytest.raises(InvalidInput):
        services.mark_attendance(staff, session, waiting, status="asleep")
    assert not Attendance.objects.exists()


# --- stock and distributions -----------------------------------------------------------------


def test_on_hand_is_the_sum_of_the_ledger(world):
    p, admin, staff, program, guardian, bags, diapers = world
    services.receive_stock(staff, bags, quantity=50, source="Food bank")
    services.receive_stock(staff, bags, quantity=10)
    assert services.on_hand([bags]) == {bags.pk: 60}
    services.count_stock(staff, bags, counted=57, reason="torn")
    assert services.on_hand([bags]) == {bags.pk: 57}
    assert sum(StockEntry.objects.filter(item=bags).values_list("quantity", flat=True)) == 57
    assert services.count_stock(staff, bags, counted=57, reason="recount") is None


@pytest.mark.parametrize("quantity", [0, -5])
def test_receiving_a_non_positive_quantity_is_refused(world, quantity):
    p, admin, staff, program, guardian, bags, diapers = world
    with pytest.raises(InvalidInput):
        services.receive_stock(staff, bags, quantity=quantity)
    with pytest.raises(InvalidInput):
        services.count_stock(staff, bags, counted=-1, reason="x")
    assert not StockEntry.objects.exists()


def test_serving_takes_stock_out_and_lands_on_the_timeline(world):
    p, admin, staff, program, guardian, bags, diapers = world
    services.receive_stock(staff, bags, quantity=25)
    services.receive_stock(staff, diapers, quantity=8)
    pantry = services.create_distribution(staff, name="Saturday pantry",
                                          held_on=timezone.localdate())
    served = services.serve_household(staff, pantry, guardian, {bags: 1, diapers: 4})
    assert services.on_hand([bags, diapers]) == {bags.pk: 24, diapers.pk: 4}
    assert served.service.household == people.current_residence(guardian).household
    assert [(item.pk, left) for item, left in served.low] == [(diapers.pk, 4)]  # warn at 5
    entry = guardian.interactions.get(source_type="programs.service")
    assert entry.kind == Interaction.Kind.SERVICE
    assert events("programs.service.recorded") == 1


def test_a_household_served_twice_the_same_day_is_warned(world):
    p, admin, staff, program, guardian, bags, diapers = world
    services.receive_stock(staff, bags, quantity=25)
    pantry = services.create_distribution(staff, name="Pantry", held_on=timezone.localdate())
    partner = people.create_person(admin, given_name="Luis", family_name="Cruz",
                                   street="2417 N Front St")  # same household
    services.serve_household(staff, pantry, guardian, {bags: 1})
    with pytest.raises(services.AlreadyServed) as warned:
        services.serve_household(staff, pantry, partner, {bags: 1})
    assert warned.value.previous[0].person == guardian
    assert Service.objects.count() == 1 and services.on_hand([bags]) == {bags.pk: 24}
    services.serve_household(staff, pantry, partner, {bags: 1}, repeat_confirmed=True)
    assert Service.objects.filter(repeat_confirmed=True).count() == 1


@pytest.mark.parametrize("quantities", [{"bags": -1}, {"bags": 0}, {"bags": 1001}, {}])
def test_bad_quantities_are_refused_and_nothing_is_saved(world, quantities):
    p, admin, staff, program, guardian, bags, diapers = world
    services.receive_stock(staff, bags, quantity=2000)
    pantry = services.create_distribution(staff, name="Pantry", held_on=timezone.localdate())
    items = {bags: quantities["bags"]} if quantities else {}
    with pytest.raises(InvalidInput):
        services.serve_household(staff, pantry, guardian, items)
    assert not Service.objects.exists()
    assert services.on_hand([bags]) == {bags.pk: 2000}
    assert not guardian.interactions.filter(source_type="programs.service").exists()


def test_stock_never_goes_below_zero(world):
    p, admin, staff, program, guardian, bags, diapers = world
    services.receive_stock(staff, bags, quantity=3)
    services.receive_stock(staff, diapers, quantity=1)
    pantry = services.create_distribution(staff, name="Pantry", held_on=timezone.localdate())
    with pytest.raises(services.NotEnoughStock) as refused:
        services.serve_household(staff, pantry, guardian, {bags: 2, diapers: 2})
    assert "1 on hand" in refused.value.message
    assert services.on_hand([bags, diapers]) == {bags.pk: 3, diapers.pk: 1}
    assert not Service.objects.exists() and not StockEntry.objects.filter(kind="given").exists()


def test_quick_add_at_the_table_is_both_or_neither(world):
    p, admin, staff, program, guardian, bags, diapers = world
    pantry = services.create_distribution(staff, name="Pantry", held_on=timezone.localdate())
    before = Person.objects.count()
    with pytest.raises(services.NotEnoughStock):  # nothing received yet
        services.quick_add_and_serve(staff, pantry, given_name="Nueva", phone="215-555-0177",
                                     items={bags: 1})
    assert Person.objects.count() == before
    services.receive_stock(staff, bags, quantity=5)
    served = services.quick_add_and_serve(staff, pantry, given_name="Nueva",
                                          phone="215-555-0177", items={bags: 1})
    assert served.service.person.given_name == "Nueva"


def test_a_future_distribution_cannot_be_served_yet(world):
    p, admin, staff, program, guardian, bags, diapers = world
    services.receive_stock(staff, bags, quantity=5)
    later = services.create_distribution(staff, name="Next week",
                                         held_on=timezone.localdate() + timedelta(days=7))
    with pytest.raises(InvalidInput):
        services.serve_household(staff, later, guardian, {bags: 1})


def test_the_catalog_is_for_organizers(world):
    p, admin, staff, program, guardian, bags, diapers = world
    with pytest.raises(PermissionDenied):
        services.save_item(staff, name="Soap")
    item = services.save_item(p.member("organizer"), name="Soap", low_stock_at=3)
    with pytest.raises(InvalidInput):
        services.save_item(admin, name="soap")
    assert item.low_stock_at == 3


def test_a_distribution_at_an_event(world):
    from groundswell.events.models import Event

    p, admin, staff, program, guardian, bags, diapers = world
    party = Event.objects.create(organization=p.org, kind="block_party", title_en="Block party",
                                 starts_at=timezone.now(), ends_at=timezone.now())
    table = services.create_distribution(staff, name="Bags", held_on=timezone.localdate(),
                                         event=party)
    assert table.kind == "event" and table.event == party
    with pytest.raises(InvalidInput):
        services.create_distribution(staff, name="Bags", held_on=timezone.localdate(),
                                     kind="event")


def test_other_organizations_objects_are_refused(world, personas):
    p, admin, staff, program, guardian, bags, diapers = world
    with scope(organization=personas.other_org):
        stranger = people.create_person(personas.outsider, given_name="Otra",
                                        street="1 Elsewhere St")
    with pytest.raises(InvalidInput):
        services.enroll_child(staff, program, guardian=stranger, given_name="Nico")
    assert not Enrollment.objects.exists()


def test_served_at_an_events_table_counts_as_being_at_the_event(world):
    from groundswell.events.models import Attendance as EventAttendance
    from groundswell.events.models import Event

    p, admin, staff, program, guardian, bags, diapers = world
    services.receive_stock(staff, bags, quantity=5)
    party = Event.objects.create(organization=p.org, kind="block_party", title_en="Party",
                                 starts_at=timezone.now(), ends_at=timezone.now())
    table = services.create_distribution(staff, name="Bags", held_on=timezone.localdate(),
                                         event=party)
    services.serve_household(staff, table, guardian, {bags: 1})
    services.quick_add_and_serve(staff, table, given_name="Nueva", phone="215-555-0178",
                                 items={bags: 1})
    rows = EventAttendance.objects.filter(event=party).order_by("pk")
    assert [(a.person.given_name, a.source, a.new_person) for a in rows] == [
        ("Marta", "programs", False), ("Nueva", "programs", True)]
    pantry = services.create_distribution(staff, name="Pantry", held_on=timezone.localdate())
    services.serve_household(staff, pantry, guardian, {bags: 1}, repeat_confirmed=True)
    assert EventAttendance.objects.filter(event=party).count() == 2


def test_one_window_for_recording_the_day_before_until_two_weeks_after(world):
    from groundswell.events import recording

    p, admin, staff, program, guardian, bags, diapers = world
    services.receive_stock(staff, bags, quantity=5)
    today = timezone.localdate()
    assert recording.window(today) == (today - timedelta(days=1), today + timedelta(days=14))
    tomorrow = services.create_distribution(staff, name="Tomorrow",
                                            held_on=today + timedelta(days=1))
    services.serve_household(staff, tomorrow, guardian, {bags: 1})  # set up the day before
    old = services.create_distribution(staff, name="Old", held_on=today - timedelta(days=15))
    with pytest.raises(InvalidInput, match="Too late"):
        services.serve_household(staff, old, guardian, {bags: 1}, repeat_confirmed=True)
    assert services.on_hand([bags])[bags.pk] == 4


def test_a_distribution_is_corrected_and_removed_with_the_stock_back(world):
    from groundswell.core.models import AuditEvent
    from groundswell.programs.models import Distribution, Service

    p, admin, staff, program, guardian, bags, diapers = world
    services.receive_stock(staff, bags, quantity=5)
    today = timezone.localdate()
    wrong = services.create_distribution(staff, name="Pantry", held_on=today)
    served = services.serve_household(staff, wrong, guardian, {bags: 2}).service
    yesterday = today - timedelta(days=1)
    services.update_distribution(staff, wrong, name="Saturday pantry", held_on=yesterday)
    served.refresh_from_db()
    assert served.served_on == yesterday
    assert timezone.localdate(guardian.interactions.get(kind="service").occurred_at) == yesterday
    corrected = AuditEvent.objects.get(code="programs.distribution.corrected")
    assert corrected.data["changed"]["held_on"] == [str(today), str(yesterday)]
    with pytest.raises(InvalidInput):
        services.update_distribution(staff, wrong, name="  ", held_on=today)
    with pytest.raises(PermissionDenied):
        services.remove_distribution(p.member("canvasser"), wrong)
    assert services.on_hand([bags])[bags.pk] == 3
    assert services.remove_distribution(staff, wrong) == 1
    assert services.on_hand([bags])[bags.pk] == 5
    assert not Distribution.objects.exists() and not Service.objects.exists()
    assert not guardian.interactions.filter(kind="service").exists()
    removed = AuditEvent.objects.get(code="programs.distribution.removed")
    assert removed.data["households"] == 1 and removed.data["items"] == {str(bags.pk): 2}


def test_not_enough_stock_names_the_item_in_the_readers_language(in_org):
    """Issue 17, point 9: a refusal read in Spanish names the item in Spanish."""
    from django.utils import translation

    from groundswell.programs.models import Item
    from groundswell.programs.services import NotEnoughStock, ensure_default_catalog

    ensure_default_catalog(in_org.org)
    diapers = Item.objects.get(name="Diapers size 4")
    with translation.override("es"):
        message = str(NotEnoughStock({diapers: (0, 2)}))
    assert "Pañales talla 4" in message and "Diapers" not in message
