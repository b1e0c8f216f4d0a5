from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django_scopes import scopes_disabled

from groundswell.core.errors import InvalidInput
from groundswell.core.models import AuditEvent
from groundswell.people import services
from groundswell.people.models import Consent, ContactPoint, Household, Interaction, Person

pytestmark = pytest.mark.django_db


def organizer(in_org):
    return in_org.member("organizer")


def test_create_person_with_phone_address_and_tags(in_org):
    person = services.create_person(
        organizer(in_org), given_name=" José ", family_name="Rodríguez", phone="(215) 555-0134",
        email="Jose@Example.org", street="2417 north front street", unit="2nd floor rear",
        city="Philadelphia", state="PA", postal_code="19133", tags=["block party"])
    assert person.given_name == "José"
    phone = person.contacts.get(kind="phone")
    assert phone.value == "+12155550134" and phone.is_primary
    assert person.contacts.get(kind="email").value == "jose@example.org"
    household = services.current_residence(person).household
    assert household.address.street == "2417 N FRONT ST" and household.unit == "FL 2 REAR"
    assert "jose rodriguez" in person.search_text and "0134" not in person.search_text
    assert "+1215" not in person.search_text
    assert [t.name for t in person.tags.all()] == ["block party"]
    assert person.computed_stage.name == "Contact"
    with scopes_disabled():
        assert AuditEvent.objects.filter(code="people.person.created").count() == 1


def test_same_building_different_units_are_different_households(in_org):
    a = services.create_person(organizer(in_org), given_name="Ana",
                               street="2417 N Front St", unit="Fl 2 Rear")
    b = services.create_person(organizer(in_org), given_name="Luis",
                               street="2417 North Front Street", unit="1st floor")
    c = services.create_person(organizer(in_org), given_name="Rosa",
                               street="2417 n front st", unit="second floor rear")
    ha, hb, hc = (services.current_residence(p).household for p in (a, b, c))
    assert ha.address_id == hb.address_id == hc.address_id
    assert ha.pk == hc.pk != hb.pk


@pytest.mark.parametrize("field, kwargs", [
    ("phone", {"phone": "555-01"}),
    ("email", {"email": "not-an-email"}),
    ("street", {"street": "somewhere near the park"}),
    ("given_name", {"given_name": "   "}),
])
def test_bad_input_changes_nothing(in_org, field, kwargs):
    data = {"given_name": "Ana"} | kwargs
    with pytest.raises(InvalidInput) as info:
        services.create_person(organizer(in_org), **data)
    assert info.value.field == field
    assert Person.objects.count() == 0 and Household.objects.count() == 0


def test_canvasser_cannot_create_people(in_org):
    with pytest.raises(PermissionDenied):
        services.create_person(in_org.member("canvasser"), given_name="Ana")


def test_moving_keeps_history(in_org):
    person = services.create_person(organizer(in_org), given_name="Ana",
                                    street="100 W Somerset St")
    services.move_person(organizer(in_org), person, street="200 E Cumberland St", unit="Apt 3")
    residences = list(person.residences.order_by("pk"))
    assert len(residences) == 2 and residences[0].ended_on is not None
    assert residences[1].ended_on is None and residences[1].household.unit == "APT 3"
    with pytest.raises(InvalidInput):
        services.move_person(organizer(in_org), person, street="200 E Cumberland St",
                             unit="apt 3")


def test_phone_lookup_by_full_number_and_last_four(in_org):
    person = services.create_person(organizer(in_org), given_name="Ana", phone="215-555-0134")
    assert services.people_with_phone(in_org.org, "+1 (215) 555 0134") == [person]
    assert services.people_with_phone(in_org.org, "0134") == [person]
    assert services.people_with_phone(in_org.org, "9999") == []


def test_consent_withdrawal_and_stop(in_org):
    person = services.create_person(organizer(in_org), given_name="Ana")
    services.record_consent(organizer(in_org), person, channel="sms", purpose="rapid_response",
                            source="door", wording="¿Le podemos avisar por texto?")
    services.record_consent(None, person, channel="sms", purpose="events", source="sms",
                            organization=in_org.org)
    assert services.withdraw_consent(None, person, channel="sms",
                                     organization=in_org.org) == 2
    assert not Consent.objects.filter(withdrawn_at__isnull=True).exists()


def test_interactions_climb_the_ladder_but_never_override_the_human_stage(in_org):
    person = services.create_person(organizer(in_org), given_name="Ana")
    for _ in range(3):
        services.record_interaction(None, person, kind=Interaction.Kind.ATTENDANCE,
                                    organization=in_org.org)
    person.refresh_from_db()
    assert person.computed_stage.name == "Active"
    stages = services.ensure_default_stages(in_org.org)
    services.set_stage(organizer(in_org), person, stages[0])
    services.record_interaction(None, person, kind=Interaction.Kind.ATTENDANCE,
                                organization=in_org.org)
    person.refresh_from_db()
    assert person.current_stage == stages[0] and person.computed_stage.name == "Active"
    summary = services.engagement_summary(person)
    assert summary["stage_is_human"] and summary["suggested_level"] == 3


def test_reveal_phone_is_audited_and_limited(in_org):
    person = services.create_person(organizer(in_org), given_name="Ana", phone="2155550134")
    contact = person.contacts.get()
    assert services.reveal_phone(in_org.member("dispatcher"), contact) == "+12155550134"
    with pytest.raises(PermissionDenied):
        services.reveal_phone(in_org.member("program_staff"), contact)
    with scopes_disabled():
        event = AuditEvent.objects.get(code="people.contact.revealed")
    assert event.data == {"person": person.pk}


def test_phones_are_encrypted_at_rest(in_org):
    from django.db import connection

    services.create_person(organizer(in_org), given_name="Ana", phone="2155550134")
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM people_contactpoint")
        (raw,) = cursor.fetchone()
    assert raw.startswith("gs1:") and "5550134" not in raw
    assert ContactPoint.objects.get().value == "+12155550134"


def test_relationship_to_self_is_refused(in_org):
    person = services.create_person(organizer(in_org), given_name="Ana")
    with pytest.raises(InvalidInput):
        services.add_relationship(organizer(in_org), person, person, "partner")
