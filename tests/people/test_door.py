"""What a canvasser records at a door goes through people/services/door.py: the
canvasser's own capability, the canvasser named in the audit, no role borrowed."""

import pytest
from django.core.exceptions import PermissionDenied

from groundswell.core.models import AuditEvent, Role
from groundswell.people import services
from groundswell.people.models import Consent, Grievance
from groundswell.people.services import door


@pytest.fixture
def household_and_person(in_org):
    person = services.create_person(in_org.member(Role.ORGANIZER), given_name="Rosa",
                                    family_name="Delgado", street="2417 N Front St",
                                    city="Philadelphia", state="PA", postal_code="19133")
    return services.current_residence(person).household, person


def test_a_canvasser_records_at_the_door_under_their_own_name_and_role(in_org,
                                                                      household_and_person):
    household, rosa = household_and_person
    canvasser = in_org.member(Role.CANVASSER)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    grievance = door.grievance_at_door(canvasser, rosa, category=Grievance.Category.OTHER,
                                       text="The landlord never fixes the heat.")
    door.tag_at_door(canvasser, rosa, "Tenant")
    door.rating_at_door(canvasser, rosa, level=3, reason="At the door")
    door.consent_at_door(canvasser, rosa, channel=Consent.Channel.SMS,
                         purpose=Consent.Purpose.RAPID_RESPONSE, wording="Sí, alertas.")
    neighbour = door.add_person_at_door(canvasser, household, given_name="Ana",
                                        family_name="Delgado")
    assert canvasser.role == Role.CANVASSER
    assert grievance.recorded_by == canvasser.user
    assert services.current_residence(neighbour).household == household
    codes = {"people.grievance.recorded", "people.person.tagged",
             "people.assessment.recorded", "people.consent.granted", "people.person.created"}
    events = AuditEvent.objects.filter(pk__gt=before)
    assert {e.code for e in events} == codes
    assert {e.actor_id for e in events} == {canvasser.user_id}
    assert Consent.objects.get(person=rosa).source == Consent.Source.DOOR


def test_the_door_is_the_only_way_in_for_a_canvasser(in_org, household_and_person):
    _household, rosa = household_and_person
    canvasser = in_org.member(Role.CANVASSER)
    with pytest.raises(PermissionDenied):
        services.record_grievance(canvasser, rosa, category=Grievance.Category.OTHER)
    with pytest.raises(PermissionDenied):
        services.tag_people(canvasser, [rosa], "Tenant")


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.PROGRAM_STAFF])
def test_roles_that_do_not_knock_cannot_record_at_a_door(in_org, household_and_person, role):
    household, rosa = household_and_person
    member = in_org.member(role)
    with pytest.raises(PermissionDenied):
        door.grievance_at_door(member, rosa, category=Grievance.Category.OTHER, text="x")
    with pytest.raises(PermissionDenied):
        door.add_person_at_door(member, household, given_name="Ana")
    assert not Grievance.objects.filter(person=rosa).exists()
