"""Identifying a resident who walks in: the kiosk, a public RSVP or volunteer page, a
table at a distribution. The people area owns who is the same person; every area that
meets residents asks here, so the rules that keep families apart hold everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core.errors import InvalidInput
from groundswell.core.models import Organization
from groundswell.people import matching
from groundswell.people.models import ContactPoint, DuplicateCandidate, Person
from groundswell.people.search import search_people
from groundswell.people.services.merge import person_record, reasons_of
from groundswell.people.services.records import (
    _parse_email,
    _parse_phone,
    create_person,
    people_with_phone,
)

# A resident who typed their phone or email and a name that is theirs is the same
# person (matching.sure_resident); a name alone (two Marías García on one street), or a
# name that another member of the household could share, only goes to human review.
MATCH_NAME_CANDIDATES = 8  # people with a close name compared in full


@dataclass(frozen=True)
class Match:
    person: Person | None  # the existing person to use, if certain
    possible: tuple[tuple[Person, matching.ScoredPair], ...] = ()  # for review
    #: A candidate would be certain but for another member of the same household who
    #: could be the one here (a son named after his father): ask the resident's year of
    #: birth instead of guessing. Set only when no year was given.
    ask_birth_year: bool = False


def match_resident(org: Organization, *, given_name: str, family_name: str = "",
                   phone: str = "", email: str = "", street: str = "",
                   unit: str = "", birth_year: int | None = None) -> Match:
    """Look for the person a resident describes: candidates from the blind indexes
    (whole phone, email) and the name search, compared with the people area's
    matcher. Certain only when a phone or email agrees (or is the household's), the
    names do not disagree, and nothing leaves room for another member of the same
    household (matching.household_doubt); other pairs above the matcher's threshold
    are returned as possible."""
    record = {"id": "new", "given_name": given_name, "family_name": family_name,
              "phone": [phone] if phone else [], "email": [email] if email else [],
              "street": street, "unit": unit, "birth_year": birth_year}
    people_qs = Person.objects.filter(organization=org).active()

    def scored_for(ids: Iterable[int]) -> list[tuple[Person, matching.ScoredPair]]:
        found = list(people_qs.filter(pk__in=set(ids))
                     .prefetch_related("contacts", "residences__household__address"))
        resident = matching.prepare(record, region=settings.PHONE_REGION)
        pairs = [(c, matching.compare(resident, matching.prepare(
            person_record(c), key=c.pk, region=settings.PHONE_REGION),
            others=lambda value: holders.get(value, 0) - 1)) for c in found]
        return sorted(pairs, key=lambda item: -item[1].score)

    def certain(pairs: list[tuple[Person, matching.ScoredPair]]) -> Person | None:
        for candidate, pair in pairs:
            if matching.sure_resident(pair):
                return candidate
        return None

    def doubtful(pairs: list[tuple[Person, matching.ScoredPair]]) -> bool:
        return birth_year is None and any(
            matching.resident_plausible(pair) and pair.outcomes().get("birth_year") is None
            and matching.household_doubt(pair.outcomes()) for _c, pair in pairs)

    # The blind indexes first: a phone or email that agrees with a name is the person,
    # and then the name search is not needed at all.
    # How many people hold the phone and the email the resident gave: a household's
    # weighs little and settles nothing.
    holders: dict[str, int] = {}
    exact: list[int] = []
    if phone:
        holding = [p.pk for p in people_with_phone(org, phone)]
        holders[phone] = len(holding)
        exact += holding
    if email:
        index = ContactPoint._meta.get_field("value").index_for(email)  # type: ignore
        holding = list(ContactPoint.objects.filter(organization=org, value_index=index)
                       .values_list("person_id", flat=True).distinct())
        holders[email] = len(holding)
        exact += holding
    scored = scored_for(exact) if exact else []
    found = certain(scored)
    if found is not None:
        return Match(found)
    # Candidates by name search on the words of the name alone: the index also holds
    # house numbers, units and phones' last four digits, so a number typed in a name
    # ("Acosta 2") would only look for people living at such numbers, at great cost.
    name = " ".join(word for word in f"{given_name} {family_name}".split()
                    if not word.isdigit())
    if name:
        named = [pk for pk in search_people(people_qs, name, limit=MATCH_NAME_CANDIDATES)
                 .values_list("pk", flat=True) if pk not in set(exact)]
        if named:
            scored = sorted([*scored, *scored_for(named)], key=lambda item: -item[1].score)
    found = certain(scored)
    if found is not None:
        return Match(found)
    return Match(None, tuple((c, p) for c, p in scored if p.score >= matching.THRESHOLD),
                 ask_birth_year=doubtful(scored))


def _queue_duplicates(org: Organization, person: Person, match: Match) -> int:
    """Possible duplicates of a new person go to the review queue, never merged here.
    The person was just created, so none of its pairs can be queued yet: one insert for
    all of them (a pair already there would be skipped, never doubled)."""
    pairs = {}
    for other, pair in match.possible:
        first, second = sorted((person.pk, other.pk))
        pairs.setdefault((first, second), DuplicateCandidate(
            organization=org, first_id=first, second_id=second, score=round(pair.score, 2),
            reasons=reasons_of(pair)))
    DuplicateCandidate.objects.bulk_create(pairs.values(), ignore_conflicts=True)
    return len(pairs)


@dataclass(frozen=True)
class Resident:
    """What a resident tells a public form or the kiosk about themself."""

    given_name: str
    family_name: str = ""
    phone: str = ""
    email: str = ""
    street: str = ""
    unit: str = ""
    language: str = ""
    birth_year: int | None = None  # asked only when the household leaves a doubt


class BirthYearNeeded(InvalidInput):
    """The resident could be one of two members of a household: ask their year of
    birth (the kiosk's one question) instead of guessing."""

    def __init__(self) -> None:
        super().__init__("birth_year", _(
            "Someone in your household has a name like yours. What year were you born?"))


def _birth_year(value: int | None) -> int | None:
    if value is None:
        return None
    if not 1900 <= value <= timezone.now().year:
        raise InvalidInput("birth_year", _("Write the year you were born, like 1985."))
    return value


def find_or_add_resident(org: Organization, resident: Resident, *,
                         ask: bool = False) -> tuple[Person, bool]:
    """The existing person (certain match), or a new one with possible duplicates
    queued for review. Returns (person, created). Call inside a transaction.
    ``ask``: when the resident could be one of two members of a household and gave no
    year of birth, raise BirthYearNeeded (nothing is written) so the kiosk can ask;
    otherwise such a resident is added as new and the pair goes to review."""
    phone = _parse_phone(resident.phone) if resident.phone.strip() else ""
    email = _parse_email(resident.email) if resident.email.strip() else ""
    if len(resident.given_name.strip()) > 100 or len(resident.family_name.strip()) > 100:
        raise InvalidInput("given_name", _("That name is too long (100 characters at most)."))
    birth_year = _birth_year(resident.birth_year)
    match = match_resident(org, given_name=resident.given_name,
                           family_name=resident.family_name, phone=phone, email=email,
                           street=resident.street, unit=resident.unit,
                           birth_year=birth_year)
    if match.person is not None:
        return match.person, False
    if ask and match.ask_birth_year:
        raise BirthYearNeeded()
    person = create_person(None, organization=org, given_name=resident.given_name,
                           family_name=resident.family_name, phone=phone, email=email,
                           street=resident.street, unit=resident.unit,
                           language=resident.language, birth_year=birth_year)
    _queue_duplicates(org, person, match)
    return person, True


@dataclass(frozen=True)
class ConsentGiven:
    channel: str
    purpose: str
    wording: str  # exactly what the resident saw, in their language

def check_public_resident(resident: Resident, consents: Sequence[ConsentGiven]) -> None:
    """What a resident signing up on a public page (an RSVP, a volunteer shift) must give:
    a name, a way to reach them, and the contact each ticked consent is for."""
    if not resident.given_name.strip():
        raise InvalidInput("given_name", _("Please write your name."))
    if not resident.phone.strip() and not resident.email.strip():
        raise InvalidInput("phone", _("Please give a phone number or an email, so we can "
                                      "tell you if anything changes."))
    for consent in consents:
        if consent.channel == "sms" and not resident.phone.strip():
            raise InvalidInput("phone", _("To get text messages, give a phone number."))
        if consent.channel == "email" and not resident.email.strip():
            raise InvalidInput("email", _("To get emails, give an email address."))
