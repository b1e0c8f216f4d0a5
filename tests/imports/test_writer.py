"""The import's fast writer (``bulk.Writer``) writes, from plain values, exactly the
rows the ORM and the people services write: every column compared in the database,
the encrypted contact decrypted (its ciphertext differs by its random nonce), the
times set on creation close to each other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from groundswell.core.crypto import decrypt
from groundswell.imports import bulk, chunk_matching, services
from groundswell.imports.models import ImportBatch, ImportRow
from groundswell.people import services as people
from groundswell.people.models import (
    Consent,
    ContactPoint,
    DuplicateCandidate,
    Person,
    Residence,
    Tag,
)
from groundswell.people.services.records import find_or_create_household
from tests.imports import test_wizard

pytestmark = pytest.mark.django_db


def stored(model, pk) -> dict[str, object]:
    """The row as the database holds it, every column."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def as_time(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is None else timezone.make_naive(value, UTC)
    return datetime.fromisoformat(str(value))


def assert_same(model, ours: int, orm: int, *, differ=("id",)) -> None:
    a, b = stored(model, ours), stored(model, orm)
    assert a.keys() == b.keys()
    for column in a:
        if column in differ:
            continue
        field = next((f for f in model._meta.concrete_fields if f.column == column), None)
        if field is not None and field.get_internal_type() == "DateTimeField" and \
                a[column] is not None:
            assert abs(as_time(a[column]) - as_time(b[column])) < timedelta(minutes=1), column
            assert type(a[column]) is type(b[column]), column
            continue
        assert a[column] == b[column], column


def test_each_model_written_as_the_orm_writes_it(in_org):
    org, user = in_org.org, test_wizard.organizer(in_org).user
    now = timezone.now()
    person = Person.objects.create(organization=org, given_name="Ana", family_name="Ruiz",
                                   created_by=user, search_text="ana ruiz")
    writer = bulk.Writer(Person, ["organization_id", "given_name", "family_name",
                                  "created_by_id", "search_text"], now)
    writer.add(org.pk, "Ana", "Ruiz", user.pk, "ana ruiz")
    [ours] = writer.write()
    assert_same(Person, ours, person.pk)

    contact = ContactPoint.objects.create(organization=org, person=person, kind="phone",
                                          value="+12155550134", is_primary=True,
                                          last_four_index="x")
    writer = bulk.Writer(ContactPoint, ["organization_id", "person_id", "kind", "value",
                                        "value_index", "last_four_index", "is_primary"],
                         now)
    writer.add(org.pk, ours, "phone", writer.prep("value", "+12155550134"),
               chunk_matching.contact_index("+12155550134"), "x", True)
    [contact_pk] = writer.write()
    assert_same(ContactPoint, contact_pk, contact.pk, differ=("id", "person_id", "value"))
    context = ContactPoint._meta.get_field("value").context
    assert decrypt(stored(ContactPoint, contact_pk)["value"], context=context) == \
        "+12155550134"

    household = find_or_create_household(org, street="2417 N Front St")
    residence = Residence.objects.create(organization=org, person=person,
                                         household=household)
    writer = bulk.Writer(Residence, ["organization_id", "person_id", "household_id",
                                     "started_on"], now)
    writer.add(org.pk, ours, household.pk, None)
    assert_same(Residence, writer.write()[0], residence.pk, differ=("id", "person_id"))

    consent = Consent.objects.create(organization=org, person=person, channel="sms",
                                     purpose="general", source="import", wording="Sí",
                                     recorded_by=user, granted_at=now)
    writer = bulk.Writer(Consent, ["organization_id", "person_id", "channel", "purpose",
                                   "source", "wording", "recorded_by_id", "granted_at"],
                         now)
    writer.add(org.pk, ours, "sms", "general", "import", "Sí", user.pk,
               writer.prep("granted_at", now))
    assert_same(Consent, writer.write()[0], consent.pk, differ=("id", "person_id"))

    reasons = [{"field": "given_name", "outcome": "agree", "label": "Nombre «Ana»"}]
    other = Person.objects.create(organization=org, given_name="Ana")
    pair = DuplicateCandidate.objects.create(organization=org, first=person, second=other,
                                             score=14.25, reasons=reasons)
    writer = bulk.Writer(DuplicateCandidate, ["organization_id", "first_id", "second_id",
                                              "score", "reasons"], now)
    writer.add(org.pk, ours, other.pk, 14.25, writer.prep("reasons", reasons))
    assert_same(DuplicateCandidate, writer.write()[0], pair.pk, differ=("id", "first_id"))

    batch = ImportBatch.objects.create(organization=org, file_name="a.csv", stored_path="x",
                                       kind="csv", encoding="utf-8")
    undo = {"created": person.pk, "before": {"given_name": "Ána", "birth_year": None}}
    row = ImportRow.objects.create(organization=org, batch=batch, number=2,
                                   outcome="review", person=person, candidate=pair,
                                   messages=[["review", ""]], undo=undo)
    writer = bulk.Writer(ImportRow, ["organization_id", "batch_id", "number", "outcome",
                                     "person_id", "candidate_id", "messages", "undo"], now)
    writer.add(org.pk, batch.pk, 3, "review", person.pk, pair.pk,
               writer.prep("messages", [["review", ""]]), writer.prep("undo", undo))
    assert_same(ImportRow, writer.write()[0], row.pk, differ=("id", "number"))

    tag = Tag.objects.create(organization=org, name="feria")
    person.tags.add(tag)
    link = Person.tags.through.objects.get(person=person, tag=tag)
    writer = bulk.Writer(Person.tags.through, ["person_id", "tag_id"], now)
    writer.add(ours, tag.pk)
    assert_same(Person.tags.through, writer.write()[0], link.pk, differ=("id", "person_id"))


def test_unknown_column_is_refused():
    with pytest.raises(ValueError, match="no column"):
        bulk.Writer(Person, ["nickname"], timezone.now())


def test_imported_person_is_the_person_the_service_creates(
        in_org, django_capture_on_commit_callbacks):
    """A row imported through the wizard and the same person added with
    people.create_person: the same person, contacts, home and search text."""
    actor = test_wizard.organizer(in_org)
    rows = [["José", "Rodríguez Peña", "(215) 555-0134", "Jose@Example.org",
             "2417 north front street", "2", "español", "", ""]]
    batch = test_wizard.run(actor, test_wizard.csv_bytes(rows),
                            django_capture_on_commit_callbacks)
    imported = ImportRow.objects.get(batch=batch).person
    made = people.create_person(actor, given_name="José", family_name="Rodríguez Peña",
                                phone="(215) 555-0134", email="Jose@Example.org",
                                street="2417 north front street", unit="2",
                                language="es")
    assert_same(Person, imported.pk, made.pk)
    for kind in ("phone", "email"):
        ours = ContactPoint.objects.get(person=imported, kind=kind)
        theirs = ContactPoint.objects.get(person=made, kind=kind)
        assert_same(ContactPoint, ours.pk, theirs.pk, differ=("id", "person_id", "value"))
        assert ours.value == theirs.value
    assert_same(Residence, Residence.objects.get(person=imported).pk,
                Residence.objects.get(person=made).pk, differ=("id", "person_id"))
    assert services.can_undo(batch)


def test_people_updated_as_bulk_update_writes_them(in_org):
    org = in_org.org
    when = timezone.now()
    ours, theirs = (Person.objects.create(organization=org, given_name="Rita", family_name="Paz")
                    for _ in range(2))
    for person in (ours, theirs):
        person.language, person.preferred_name, person.birth_year = "es", "Rí", 1984
        person.base_id, person.search_text = in_org.base.pk, "rita paz ri 2417 n front st"
        person.updated_at = when
    names = ["base", "birth_year", "language", "preferred_name", "search_text", "updated_at"]
    bulk._update_each([ours], names)
    Person.objects.bulk_update([theirs], names)
    assert_same(Person, ours.pk, theirs.pk)
    assert stored(Person, ours.pk)["birth_year"] == 1984
