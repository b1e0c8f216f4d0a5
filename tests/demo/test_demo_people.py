"""The demo's people (issue 4, "Demo"): about 2,000 residents in about 800 households,
valid data (phones, addresses, search text and stages as the services would write
them), duplicates for the queue, people spread over the ladder, deterministic and
idempotent, fast enough for ``make demo``."""

from __future__ import annotations

import io
from collections import Counter

import phonenumbers
import pytest
from django.core.management import call_command
from django.db.models import Count
from django_scopes import scope, scopes_disabled

from groundswell.core.models import AuditEvent, Organization
from groundswell.demo import people as demo_people
from groundswell.demo import scenario
from groundswell.people import services
from groundswell.people.models import (
    Consent,
    ContactPoint,
    Grievance,
    Household,
    Interaction,
    Person,
    Relationship,
    Residence,
)
from groundswell.people.normalize import fold, normalize_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(monkeypatch):
    # The people part of the scenario alone: each later area tests its own part
    # (tests/demo/test_demo.py runs the whole scenario). How long it takes is measured
    # by timing `make demo`, never asserted here: a busy CI machine is not a defect.
    monkeypatch.setattr(scenario, "AREA_DEMOS", ())
    call_command("demo", stdout=io.StringIO())
    org = Organization.objects.get(slug="front-street")
    with scope(organization=org):
        yield org


def totals(org) -> dict[str, int]:
    with scopes_disabled():
        return {
            "people": Person.objects.filter(organization=org).count(),
            "households": Household.objects.filter(organization=org).count(),
            "residences": Residence.objects.filter(organization=org).count(),
            "contacts": ContactPoint.objects.filter(organization=org).count(),
            "interactions": Interaction.objects.filter(organization=org).count(),
            "consents": Consent.objects.filter(organization=org).count(),
            "grievances": Grievance.objects.filter(organization=org).count(),
            "relationships": Relationship.objects.filter(organization=org).count(),
            "audit": AuditEvent.objects.count(),
        }


def test_about_two_thousand_people_in_800_households_and_a_second_run_adds_nothing(demo):
    org = demo
    assert 1800 <= Person.objects.active().count() <= 2200
    assert 700 <= Household.objects.count() <= 900
    # Some buildings hold several households, one per unit.
    units = Counter(Household.objects.values_list("unit", flat=True))
    assert units[""] > 500 and units["FL 2 REAR"] > 5 and units["FL 1"] > 20
    assert Household.objects.values("address").distinct().count() < Household.objects.count()
    streets = {street.split(" ", 1)[1] for street in
               Household.objects.values_list("address__street", flat=True)}
    assert {"N FRONT ST", "E SOMERSET ST", "E CUMBERLAND ST", "E HAGERT ST", "CORAL ST",
            "EMERALD ST", "JASPER ST"} <= streets
    # Families share a family name within a household.
    shared = (Residence.objects.filter(ended_on__isnull=True)
              .values("household", "person__family_name").annotate(n=Count("pk"))
              .filter(n__gte=2).count())
    assert shared > 200

    # A second run adds nothing.
    before = totals(org)
    call_command("demo", stdout=io.StringIO())
    assert totals(org) == before
    assert demo_people.load(org) is False


def check_duplicates_for_the_queue(demo):
    by_number = Counter(ContactPoint.objects.filter(kind="phone")
                        .values_list("value_index", flat=True))
    assert sum(1 for n in by_number.values() if n >= 2) >= 5  # same number, name typo'd
    names = Counter((fold(p.given_name), fold(p.family_name), r.household_id)
                    for r in Residence.objects.filter(ended_on__isnull=True)
                    .select_related("person") for p in [r.person])
    assert sum(1 for n in names.values() if n >= 2) >= 10  # accents dropped or new phone


def check_people_are_spread_over_the_ladder(demo):
    # By position: the stages are named in the organization's language.
    stages = Counter(p.current_stage.position if p.current_stage else None
                     for p in Person.objects.select_related("stage", "computed_stage"))
    populated = [position for position, count in stages.items() if position and count >= 10]
    assert len(populated) >= 4, stages
    assert stages[1] < Person.objects.count() * 0.7  # not everyone a mere contact
    assert Person.objects.filter(stage__isnull=False).exists()  # a few human-set stages
    kinds = set(Interaction.objects.values_list("kind", flat=True))
    assert {"door_visit", "attendance", "service", "one_on_one", "spoke", "brought"} <= kinds


def check_demo_rows_are_what_the_services_would_write(demo):
    org = demo
    sample = list(Person.objects.order_by("pk")[::97])
    sample += list(Person.objects.filter(family_name__contains="-")[:5])  # Jean-Baptiste
    sample += list(Person.objects.filter(family_name__contains="'")[:5])  # O'Brien
    sample += list(Person.objects.exclude(preferred_name="")[:5])
    for person in sample:
        text, stage = person.search_text, person.computed_stage_id
        services.refresh_search_text(person)
        assert person.search_text == text
        services.recompute_stage(person)
        assert person.computed_stage_id == stage
        last = person.interactions.order_by("-occurred_at").first()
        assert person.last_contact_at == (last.occurred_at if last else None)
    for contact in ContactPoint.objects.filter(kind="phone")[::50]:
        number = phonenumbers.parse(contact.value, None)
        assert phonenumbers.is_valid_number(number), contact.value
        assert contact.person in services.people_with_phone(org, contact.value)
    for household in Household.objects.all()[::40]:
        assert normalize_unit(household.unit) == household.unit
        assert household.address.city == "PHILADELPHIA" and household.address.base_id


def check_tags_consents_grievances_and_moves(demo):
    tagged = Counter(Person.tags.through.objects.values_list("tag__name", flat=True))
    for name in ("block party", "after-school", "rapid response", "hearing"):
        assert tagged[name] >= 20, tagged
    # Children's enrollment stays in the programs area: only guardians carry it here.
    children = Person.objects.filter(birth_year__isnull=False)
    assert children.count() > 100
    assert not children.filter(tags__name="after-school").exists()
    assert not Interaction.objects.filter(person__in=children, kind="service").exists()
    consents = Consent.objects.filter(channel="sms", purpose="rapid_response")
    assert consents.count() >= 100
    assert not consents.exclude(source="door").exists()
    assert not consents.filter(wording="").exists()
    assert consents.filter(withdrawn_at__isnull=False).exists()  # some said STOP
    spanish = consents.filter(person__language="es").first()
    assert "inmigración" in spanish.wording or "agentes" in spanish.wording
    assert Grievance.objects.values("category").distinct().count() >= 5
    moved = Residence.objects.filter(ended_on__isnull=False).count()
    assert moved >= 10
    assert Relationship.objects.filter(kind="guardian_of").count() > 50
    assert Relationship.objects.filter(kind="brought_by").count() >= 20
    with scopes_disabled():
        codes = Counter(AuditEvent.objects.values_list("code", flat=True))
    assert codes["people.consent.granted"] == consents.count()
    assert codes["people.person.moved"] == moved


def test_the_people_are_valid_and_varied(demo):
    """One load for all of these checks (a load takes seconds)."""
    check_duplicates_for_the_queue(demo)
    check_people_are_spread_over_the_ladder(demo)
    check_demo_rows_are_what_the_services_would_write(demo)
    check_tags_consents_grievances_and_moves(demo)


def test_deterministic_for_the_same_seed(demo):
    """Loading into another organization draws the same residents."""
    other = Organization.objects.get(slug="fairhill-tenants")
    first = list(Person.objects.order_by("pk").values_list("given_name", "family_name")[:300])
    with scope(organization=other):
        assert demo_people.load(other) is True
        again = list(Person.objects.filter(organization=other).order_by("pk")
                     .values_list("given_name", "family_name")[:300])
    assert again == first
