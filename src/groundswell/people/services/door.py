"""What a canvasser may record about the people at a door they were sent to knock.

A canvasser never holds ``people.edit`` (it would open every person's record to
them), yet what is said at the door lands on the one record. These entry points are
the narrow way in: each asks for ``people.record_at_door``, the canvasser's own
capability, and the audit names the canvasser. The canvass service has already
checked that the walk list is theirs and the household is on it before it calls here.
"""

from __future__ import annotations

from groundswell.core.models import Membership
from groundswell.core.permissions import require
from groundswell.people.models import Assessment, Consent, Grievance, Household, Person
from groundswell.people.services.records import (
    _save_assessment,
    _save_consent,
    _save_grievance,
    _tag_people,
    create_person,
)

AT_THE_DOOR = "people.record_at_door"


def add_person_at_door(actor: Membership, household: Household, *, given_name: str,
                       family_name: str = "", language: str = "", phone: str = "") -> Person:
    """Someone new met at the door, living in the household knocked."""
    address = household.address
    return create_person(actor, given_name=given_name, family_name=family_name,
                         language=language, phone=phone, street=address.street,
                         unit=household.unit, city=address.city, state=address.state,
                         postal_code=address.postal_code, base=address.base,
                         capability=AT_THE_DOOR)


def tag_at_door(actor: Membership, person: Person, name: str) -> None:
    require(actor, AT_THE_DOOR)
    _tag_people(actor, [person], name)


def grievance_at_door(actor: Membership, person: Person, *, category: str,
                      text: str) -> Grievance:
    require(actor, AT_THE_DOOR)
    return _save_grievance(actor, person, category=category, text=text, raised_on=None)


def rating_at_door(actor: Membership, person: Person, *, level: int,
                   reason: str) -> Assessment:
    require(actor, AT_THE_DOOR)
    return _save_assessment(actor, person, level=level, reason=reason)


def consent_at_door(actor: Membership, person: Person, *, channel: str, purpose: str,
                    wording: str) -> Consent:
    """The exact wording the canvasser's screen showed, in the language shown."""
    require(actor, AT_THE_DOOR)
    return _save_consent(actor, person, channel=channel, purpose=purpose,
                         source=Consent.Source.DOOR, wording=wording,
                         org=actor.organization)
