"""The import's bulk path against a large organization: there the people a chunk is
compared with are asked for by blind index (phone, email) and full name, chunk by
chunk, instead of reading everyone (chunk_matching.FULL_INDEX_LIMIT). The wizard's end-to-end
tests run again that way; and one audit record per chunk, with counts only."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from groundswell.core.models import AuditEvent
from groundswell.imports import chunk_matching, services
from groundswell.imports.models import ImportRow
from groundswell.people import services as people
from groundswell.people.models import ContactPoint, Person
from tests.imports import test_wizard

pytestmark = pytest.mark.django_db


@pytest.fixture
def large_organization(monkeypatch):
    monkeypatch.setattr(chunk_matching, "FULL_INDEX_LIMIT", 0)


def test_creates_updates_reviews_against_a_large_organization(
        large_organization, in_org, django_capture_on_commit_callbacks):
    test_wizard.test_import_creates_updates_reviews_and_reports(
        in_org, django_capture_on_commit_callbacks)


def test_undo_against_a_large_organization(large_organization, in_org,
                                           django_capture_on_commit_callbacks):
    test_wizard.test_undo_restores_the_exact_previous_state(
        in_org, django_capture_on_commit_callbacks)


def test_blind_records_never_decrypt(in_org, monkeypatch):
    actor = test_wizard.organizer(in_org)
    person = people.create_person(actor, given_name="Rosa", family_name="Vega",
                                  phone="215-555-0101", email="rosa@example.org")

    def refuse(*args, **kwargs):
        raise AssertionError("a contact was decrypted")

    monkeypatch.setattr("groundswell.core.crypto.decrypt", refuse)
    [record] = chunk_matching.blind_records(in_org.org.pk, [person.pk])
    assert record["phone"] == [chunk_matching.contact_index("+12155550101")]
    assert record["email"] == [chunk_matching.contact_index("rosa@example.org")]


def test_rows_across_chunks_match_earlier_rows_and_audit_each_chunk(
        in_org, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "CHUNK", 3)
    actor = test_wizard.organizer(in_org)
    rows = [[f"Name{i}", "Ruiz", f"215-555-{1000 + i}", "", "", "", "", "", ""]
            for i in range(7)]
    rows.append(["Name1", "Ruiz", "215-555-1001", "n1@example.org", "", "", "", "", ""])
    rows.append(["Name5", "Ruiz", "215 555 1005", "", "", "", "", "sí", ""])
    batch = test_wizard.run(actor, test_wizard.csv_bytes(rows),
                            django_capture_on_commit_callbacks)
    assert batch.counts == {"created": 7, "updated": 2, "review": 0, "skipped": 0,
                            "error": 0}
    name1 = Person.objects.get(given_name="Name1")
    assert ContactPoint.objects.filter(person=name1).count() == 2
    updated = ImportRow.objects.get(batch=batch, number=10)
    assert updated.person_id == Person.objects.get(given_name="Name5").pk
    with scopes_disabled():
        chunks = list(AuditEvent.objects.filter(code="imports.chunk.committed")
                      .order_by("seq").values_list("data", flat=True))
    assert [(c["first_row"], c["last_row"]) for c in chunks] == [(2, 4), (5, 7), (8, 10)]
    assert sum(c.get("created", 0) for c in chunks) == 7
    services.undo_import(actor, batch)
    assert not Person.objects.filter(family_name="Ruiz").exists()


def test_namesakes_in_a_large_organization(large_organization, in_org,
                                           django_capture_on_commit_callbacks):
    """A row with a phone goes to review beside a namesake who has no phone (the names
    alone reach the threshold), never beside one with another phone (they cannot)."""
    actor = test_wizard.organizer(in_org)
    no_phone = people.create_person(actor, given_name="Ana", family_name="Torres")
    people.create_person(actor, given_name="Ana", family_name="Torres",
                         phone="215-555-0177")
    people.create_person(actor, given_name="Luz", family_name="Vega", phone="215-555-0178")
    rows = [["Ana", "Torres", "215-555-0100", "", "", "", "", "", ""],
            ["Luz", "Vega", "215-555-0101", "", "", "", "", "", ""]]
    batch = test_wizard.run(actor, test_wizard.csv_bytes(rows),
                            django_capture_on_commit_callbacks)
    assert batch.counts["review"] == 1 and batch.counts["created"] == 1
    review = ImportRow.objects.get(batch=batch, outcome="review")
    assert no_phone.pk in (review.candidate.first_id, review.candidate.second_id)


def test_duplicates_queue_names_the_import_a_pair_came_from(
        client, in_org, django_capture_on_commit_callbacks):
    actor = test_wizard.organizer(in_org)
    people.create_person(actor, given_name="Ana", family_name="Torres")
    rows = [["Ana", "Torres", "", "", "", "", "", "", ""]]
    batch = test_wizard.run(actor, test_wizard.csv_bytes(rows),
                            django_capture_on_commit_callbacks, name="feria <2025>.csv")
    assert batch.counts["review"] == 1
    test_wizard.login(client, actor)
    page = client.get("/o/front-street/people/duplicates/").content.decode()
    assert f'href="/o/front-street/imports/{batch.pk}/"' in page
    assert "From the import" in page and "feria &lt;2025&gt;.csv" in page


def _outcomes(batch):
    """Each row's outcome and whom it concerns: an existing person by id, a person an
    earlier row of the file created as ("row", number)."""
    rows = list(ImportRow.objects.filter(batch=batch).order_by("number").select_related(
        "candidate"))
    made = {r.person_id: r.number for r in rows if r.undo.get("created")}

    def who(pk):
        return ("row", made[pk]) if pk in made else pk

    out = []
    for row in rows:
        pair = sorted((who(row.candidate.first_id), who(row.candidate.second_id)), key=str) \
            if row.candidate else None
        out.append((row.number, row.outcome, who(row.person_id), pair))
    return out


def test_namesake_answers_kept_between_chunks_match_asking_each_chunk(
        large_organization, in_org, monkeypatch, django_capture_on_commit_callbacks):
    """The chunk matcher keeps its namesake answers from chunk to chunk and updates them
    with the people the import writes (created without a phone, given a phone): the
    outcomes are those of asking the database again for every chunk."""
    monkeypatch.setattr(services, "CHUNK", 2)
    actor = test_wizard.organizer(in_org)
    people.create_person(actor, given_name="Ana", family_name="Torres")
    people.create_person(actor, given_name="Ana", family_name="Torres", phone="215-555-0177")
    people.create_person(actor, given_name="Rita", family_name="Paz",
                         email="rita@example.org")
    people.create_person(actor, given_name="Luz", family_name="Vega", phone="215-555-0178")
    blank = ["", "", "", "", ""]
    rows = [["Ana", "Torres", "215-555-0100", "", *blank],
            ["Eva", "Soto", "", "", *blank],
            ["Eva", "Soto", "215-555-0102", "", *blank],
            ["Rita", "Paz", "215-555-0103", "rita@example.org", *blank],
            ["Rita", "Paz", "215-555-0104", "", *blank],
            ["Ana", "Torres", "", "", *blank],
            ["Eva", "Soto", "215-555-0105", "", *blank],
            ["Luz", "Vega", "215-555-0178", "", *blank],
            ["Rita", "Paz", "", "", *blank]]
    data = test_wizard.csv_bytes(rows)
    asked = []
    check = chunk_matching.ChunkMatcher._check_data_version

    def every_chunk(matcher):
        asked.append(len(matcher._namesakes))
        matcher._namesakes.clear()

    monkeypatch.setattr(chunk_matching.ChunkMatcher, "_check_data_version", every_chunk)
    fresh = test_wizard.run(actor, data, django_capture_on_commit_callbacks)
    expected = _outcomes(fresh)
    services.undo_import(actor, fresh)
    monkeypatch.setattr(chunk_matching.ChunkMatcher, "_check_data_version", check)
    kept = test_wizard.run(actor, data, django_capture_on_commit_callbacks)
    assert _outcomes(kept) == expected
    assert any(asked)  # answers were there to keep
    outcomes = {number: outcome for number, outcome, _who, _pair in expected}
    assert outcomes[2] == "review" and outcomes[4] == "review" and outcomes[5] == "updated"
    assert outcomes[8] == "review" and outcomes[9] == "updated"


def test_namesakes_lacking_phone_and_email_as_the_query_finds_them(large_organization,
                                                                     in_org):
    """Namesakes lacking both a phone and an email are worked out from those lacking a
    phone: the same people the database query for both finds."""
    actor = test_wizard.organizer(in_org)
    made = {label: people.create_person(actor, given_name="Ana", family_name="Torres",
                                        **contacts).pk
            for label, contacts in (
                ("none", {}), ("phone", {"phone": "215-555-0101"}),
                ("email", {"email": "ana1@example.org"}),
                ("both", {"phone": "215-555-0102", "email": "ana2@example.org"}))}
    matcher = chunk_matching.ChunkMatcher(in_org.org.pk, "US", services.REVIEW_THRESHOLD)
    record = {"id": "row:2", "given_name": "Ana", "preferred_name": "",
              "family_name": "Torres", "phone": chunk_matching.contact_index("+12155550199"),
              "email": chunk_matching.contact_index("ana9@example.org"), "street": "", "unit": "",
              "birth_year": None}
    only_phone = {**record, "id": "row:3", "email": ""}
    matcher.best([record, only_phone])
    answers = matcher._namesakes[("Torres", "Ana")]
    assert answers[("phone", "email")] == {made["none"]} == {
        pk for pk, _f, _g in chunk_matching._namesakes(in_org.org.pk, [("Torres", "Ana")],
                                             ("phone", "email"))}
    assert answers[("phone",)] == {made["none"], made["email"]}
