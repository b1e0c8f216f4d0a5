"""The rules on top of the score: two people or one, the household doubt (a parent and
a child at one address), and when an import may update or a door-step resident is sure."""

from __future__ import annotations

import math
from collections.abc import Mapping

from groundswell.people.matching.fields import AGREE, CLOSE, DISAGREE, THRESHOLD
from groundswell.people.matching.outcomes import ScoredPair


def shared_contact_weight(close: float, others: int) -> float:
    """A contact the two share with ``others`` more people: ``close`` (3), a bit less
    for each doubling of the others, never under 1."""
    return max(1.0, close - math.log2(others)) if others > 1 else close


def two_people(outcomes: Mapping[str, str]) -> bool:
    """The pair carries evidence of two people: given or family names that disagree
    (a father and the son with his mother's surname), birth years more than one apart,
    or generational suffixes that differ."""
    return outcomes.get("given_name") == DISAGREE or outcomes.get("birth_year") == DISAGREE \
        or outcomes.get("family_name") == DISAGREE \
        or outcomes.get("generation") in (CLOSE, DISAGREE)


def one_person(outcomes: Mapping[str, str]) -> bool:
    """Something only one person has settles it: the same given name (nicknames of
    it count), no family name or suffix against it, and either a birth year within one
    or, with the same family name (or none given), a phone or email nobody else
    holds."""
    if outcomes.get("given_name") != AGREE or outcomes.get("family_name") == DISAGREE \
            or outcomes.get("generation", AGREE) != AGREE:
        return False
    year = outcomes.get("birth_year")
    if year is not None:
        return year != DISAGREE
    # Without a birth year, a contact settles it only with the whole family name (or
    # none to compare): "Sofía Martínez" and "Sofía Martínez Molina" on one phone may
    # be two sisters (Sofía Ana and Sofía Isabel) who each gave one given name.
    return outcomes.get("family_name", AGREE) == AGREE and (
        outcomes.get("phone") == AGREE or outcomes.get("email") == AGREE)


def household_doubt(outcomes: Mapping[str, str]) -> bool:
    """The two records could be two members of one household: they share what a
    household shares (an address, a contact, a family name) and nothing settles that
    they are one person (``one_person``). No automatic rule merges such a pair: it
    goes to review, or the kiosk asks."""
    shares = any(outcomes.get(name) in (AGREE, CLOSE)
                 for name in ("address", "phone", "email", "family_name"))
    return shares and not one_person(outcomes)


#: The automatic rules: decisions taken without a person's look. Each refuses a pair
#: that could be two members of one household (``household_doubt``).
UPDATE_SCORE = 20.0


def sure_update(pair: ScoredPair, threshold: float = UPDATE_SCORE) -> bool:
    """The import's rule for updating a person already here with a row: a strong score
    with a phone, an email or an address agreeing, the given names not disagreeing,
    and no household doubt."""
    outcomes = pair.outcomes()
    return pair.score >= threshold and outcomes.get("given_name") != DISAGREE \
        and any(outcomes.get(f) == AGREE for f in ("phone", "email", "address")) \
        and not household_doubt(outcomes)


def sure_resident(pair: ScoredPair, threshold: float = THRESHOLD) -> bool:
    """The kiosk's and the public RSVP form's rule for taking a resident to be someone
    already here: the phone or email they gave is that person's (or the household's),
    the names do not disagree, and no household doubt."""
    outcomes = pair.outcomes()
    return resident_plausible(pair, threshold) and not household_doubt(outcomes)


def resident_plausible(pair: ScoredPair, threshold: float = THRESHOLD) -> bool:
    """``sure_resident`` but for the household doubt: when only that stops it, the
    kiosk asks the resident's year of birth."""
    outcomes = pair.outcomes()
    return pair.score >= threshold \
        and any(outcomes.get(f) in (AGREE, CLOSE) for f in ("phone", "email")) \
        and outcomes.get("given_name") != DISAGREE \
        and outcomes.get("family_name") != DISAGREE
