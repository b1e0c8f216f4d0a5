"""Issue 18, reproduced through the import wizard's own plan: sons named after their
father and brothers on the household's phone are never planned as updates of the
father, while a nickname and a dropped second surname still find the person."""

from __future__ import annotations

import csv
import io

import pytest

from groundswell.imports import services
from groundswell.imports.models import ImportRow
from groundswell.people import services as people

pytestmark = pytest.mark.django_db

HEADERS = ["Nombre", "Apellidos", "Teléfono", "Dirección", "Año de nacimiento"]


def csv_bytes(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.mark.parametrize("mother_shares_the_phone", [False, True])
def test_sons_are_not_planned_as_updates_of_their_father(in_org, mother_shares_the_phone):
    actor = in_org.member("organizer")
    father = people.create_person(actor, given_name="José Luis", family_name="García López",
                                  birth_year=1968, phone="215-555-0134",
                                  street="2417 N Front St")
    if mother_shares_the_phone:
        people.create_person(actor, given_name="Rosa", family_name="López Ortiz",
                             phone="215-555-0134", street="2417 N Front St")
    lupe = people.create_person(actor, given_name="María Guadalupe",
                                family_name="López Ramírez", phone="215-555-0190",
                                street="3100 N 5th St", birth_year=1971)
    rows = [
        ["Jose Luis", "Garcia Lopez Jr", "(215) 555-0134", "2417 N Front St", "1995"],
        ["Jose Antonio", "Garcia Lopez", "215.555.0134", "2417 North Front Street", "1997"],
        ["Lupe", "Lopez", "2155550190", "", "1971"],
    ]
    batch = services.upload(actor, file_name="familias.csv", data=csv_bytes(rows))
    assert services.batch_mapping(batch) == {0: "given_name", 1: "family_name", 2: "phone",
                                             3: "street", 4: "birth_year"}
    plan = services.plan_batch(batch)
    junior, brother, nickname = plan.rows
    for son in (junior, brother):
        assert son.action != ImportRow.Outcome.UPDATED
        assert son.match != father.pk or son.action == ImportRow.Outcome.REVIEW
        assert son.action == ImportRow.Outcome.CREATED, son.reasons
    assert nickname.action == ImportRow.Outcome.UPDATED
    assert nickname.match == lupe.pk


def test_a_namesake_at_the_same_door_without_a_birth_year_goes_to_review(in_org):
    actor = in_org.member("organizer")
    father = people.create_person(actor, given_name="José Luis", family_name="García López",
                                  street="2417 N Front St")
    rows = [["José Luis", "García López", "", "2417 N Front St", ""]]
    batch = services.upload(actor, file_name="familias.csv", data=csv_bytes(rows))
    (step,) = services.plan_batch(batch).rows
    # The same name at the same address: the man himself, or the son named after him.
    assert step.action == ImportRow.Outcome.REVIEW and step.match == father.pk
