"""The demo's programs and distributions (issue 7, "Demo"): a program with children
and their guardians (and a waitlist), sessions with roll call, bags handed out one per
household at the block party table (linked to the block party when the events demo
has made one), stock never below zero; idempotent. Run here on a small neighborhood
with the sizes scaled down (the whole scenario runs in tests/demo)."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from django.utils import timezone
from django_scopes import scope

from groundswell.demo import programs as demo
from groundswell.events.models import Event
from groundswell.people import services as people
from groundswell.people.models import Relationship
from groundswell.programs import services
from groundswell.programs.models import (
    Attendance,
    Distribution,
    Enrollment,
    Program,
    Service,
    ServiceItem,
    Session,
    StockEntry,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighborhood(in_org, monkeypatch):
    monkeypatch.setattr(demo, "CHILDREN", 5)
    monkeypatch.setattr(demo, "WAITLIST", 1)
    monkeypatch.setattr(demo, "BAGS_AT_THE_PARTY", 10)
    admin = in_org.member("admin")
    for n in range(12):
        street = f"{2401 + 2 * n} N Front St"
        parent = people.create_person(admin, given_name=f"Parent{n}", family_name="Demo",
                                      street=street)
        if n < 7:
            child = people.create_person(admin, given_name=f"Kid{n}", family_name="Demo",
                                         street=street, birth_year=2017)
            people.add_relationship(admin, parent, child, Relationship.Kind.GUARDIAN_OF)
    return in_org


def test_the_demo_program_and_distributions(neighborhood):
    org = neighborhood.org
    party = Event.objects.create(organization=org, kind="block_party",
                                 title_en=demo.PARTY_TITLE,
                                 starts_at=timezone.now() - timezone.timedelta(days=12),
                                 ends_at=timezone.now() - timezone.timedelta(days=12))
    assert demo.load(org) is True
    program = Program.objects.get(name=demo.PROGRAM_NAME)
    enrolled = program.enrollments.filter(status=Enrollment.Status.ENROLLED)
    assert enrolled.count() == 5
    assert program.enrollments.filter(status=Enrollment.Status.WAITLISTED).count() == 1
    assert all(e.guardians.exists() for e in enrolled)
    assert set(program.staff.values_list("role", flat=True)) == {"program_staff", "admin"}
    sessions = Session.objects.filter(program=program)
    assert sessions.count() >= 6
    assert Attendance.objects.filter(session__program=program).count() == 5 * sessions.count()
    table = Distribution.objects.get(name="Block party bag table")
    assert table.event == party and table.kind == "event"
    bags = ServiceItem.objects.filter(service__distribution=table,
                                      item__name="Household-essentials bag")
    assert bags.aggregate(total=Sum("quantity"))["total"] == 10
    assert Service.objects.filter(distribution=table).values("household").distinct().count() \
        == 10
    assert all(on_hand >= 0 for on_hand in services.on_hand().values())
    before = (Enrollment.objects.count(), Service.objects.count(), StockEntry.objects.count())
    assert demo.load(org) is False
    assert (Enrollment.objects.count(), Service.objects.count(),
            StockEntry.objects.count()) == before


def test_the_demo_without_the_events_area_uses_a_pantry_table(neighborhood):
    with scope(organization=neighborhood.org):
        assert demo.load(neighborhood.org) is True
        table = Distribution.objects.get(name="Block party bag table")
        assert table.event is None and table.kind == "pantry_day"
