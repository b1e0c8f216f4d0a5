"""Forgetting a person on request: what is erased, what is kept, who may do it, and the
two confirmations of the screen."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_scopes import scope, scopes_disabled

from groundswell.core.errors import DomainError
from groundswell.core.models import AuditEvent, Role
from groundswell.people import services
from groundswell.people.models import (
    Address,
    Assessment,
    Consent,
    ContactPoint,
    DuplicateCandidate,
    Grievance,
    Household,
    Interaction,
    Merge,
    Person,
    Relationship,
    Residence,
)
from groundswell.people.search import search_people
from groundswell.people.services.forget import ERASERS, FORGOTTEN_NAME
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Service messages in English (a Spanish page of an earlier test leaves Spanish
    active in this thread); pages choose their own language."""
    with translation.override("en"):
        yield


def admin(personas):
    return personas.member("admin")


def someone(personas, given="Rosa", family="Villanueva", **kwargs):
    org = personas.member("organizer")
    person = services.create_person(
        org, given_name=given, family_name=family, preferred_name="Rosi", pronouns="she/her",
        language="es", birth_year=1982, phone="215-555-0134", email="rosa@example.org",
        street="2417 N Front St", unit="Apt 2", tags=["tenants"], **kwargs)
    services.record_consent(org, person, channel="sms", purpose="rapid_response",
                            source="door", wording="May we text you?")
    services.record_grievance(org, person, category="immigration_enforcement",
                              text="Agents came to the building on Tuesday")
    services.record_interaction(org, person, kind="attendance", summary="Came with her sons",
                                source=("events.attendance", "42"))
    services.record_interaction(org, person, kind="note", summary="Works nights")
    services.rate_engagement(org, person, level=4, reason="Brought three neighbors")
    return person


def test_forget_erases_personal_data_and_keeps_anonymous_counts(in_org):
    org = in_org.member("organizer")
    rosa = someone(in_org)
    neighbor = services.create_person(org, given_name="Luis", family_name="Soto")
    services.add_relationship(org, neighbor, rosa, "brought_by")
    twin = services.create_person(org, given_name="Rosa", family_name="Villanueva")
    services.find_duplicates(in_org.org)
    assert DuplicateCandidate.objects.count() == 1
    interactions_before = sorted(Interaction.objects.filter(person=rosa)
                                 .values_list("kind", "occurred_at"))

    services.forget_person(admin(in_org), rosa)

    rosa.refresh_from_db()
    assert rosa.forgotten_at is not None
    assert (rosa.given_name, rosa.family_name, rosa.preferred_name, rosa.pronouns,
            rosa.language, rosa.birth_year, rosa.search_text) == (
        FORGOTTEN_NAME, "", "", "", "", None, "")
    assert not ContactPoint.objects.filter(person=rosa).exists()
    assert not Consent.objects.filter(person=rosa).exists()
    assert not Relationship.objects.exists()
    assert not Residence.objects.filter(person=rosa).exists()
    assert not rosa.tags.exists()
    assert not DuplicateCandidate.objects.exists()
    # Kept for counts: kinds and dates of the timeline, grievance categories, levels.
    assert sorted(Interaction.objects.filter(person=rosa)
                  .values_list("kind", "occurred_at")) == interactions_before
    assert all(i.summary == "" and i.source_type == "" and i.source_id == ""
               for i in Interaction.objects.filter(person=rosa))
    grievance = Grievance.objects.get(person=rosa)
    assert grievance.category == "immigration_enforcement" and grievance.text == ""
    assert Assessment.objects.get(person=rosa).level == 4
    assert Assessment.objects.get(person=rosa).reason == ""
    # The building stays: it is a place, and the neighbor's record is untouched.
    assert Household.objects.count() == 1 and Address.objects.count() == 1
    neighbor.refresh_from_db()
    assert neighbor.given_name == "Luis"
    # Gone from lists and searches.
    assert set(Person.objects.active()) == {neighbor, twin}
    assert list(search_people(Person.objects.active(), "Villanueva")) == [twin]
    # Audited with ids and counts only.
    with scopes_disabled():
        event = AuditEvent.objects.get(code="people.person.forgotten")
    assert event.object_id == str(rosa.pk)
    assert event.data["person"] == rosa.pk and event.data["contacts"] == 2
    assert "Rosa" not in str(event.data) and "Villanueva" not in str(event.data)


def test_forgetting_also_forgets_the_records_merged_into_them_and_their_undo_data(in_org):
    org = in_org.member("organizer")
    rosa = someone(in_org)
    old = services.create_person(org, given_name="Rosita", family_name="Villanueva",
                                 phone="267-555-0101")
    merge = services.merge_people(org, rosa, old)
    assert Merge.objects.get().undo["kept"]["preferred_name"] == "Rosi"
    received = []

    def eraser(forgetting):
        received.append((sorted(forgetting.person_ids), forgetting.phones, forgetting.emails))
        return {"things": 7}

    ERASERS["test"] = eraser  # as an area registers its own in AppConfig.ready()
    try:
        services.forget_person(admin(in_org), rosa)
    finally:
        del ERASERS["test"]
    # Every area's eraser is told the person, the records merged into them, and their
    # numbers and addresses (read before the contacts are deleted).
    assert received == [(sorted([rosa.pk, old.pk]), ["+12155550134", "+12675550101"],
                         ["rosa@example.org"])]
    with scopes_disabled():
        event = AuditEvent.objects.get(code="people.person.forgotten")
    assert event.data["erased"]["test.things"] == 7
    old.refresh_from_db()
    assert old.given_name == FORGOTTEN_NAME and old.forgotten_at is not None
    assert not ContactPoint.objects.exists()
    merge.refresh_from_db()
    assert merge.undo == {}
    with pytest.raises(DomainError):
        services.undo_merge(org, merge)


def test_forget_twice_or_a_merged_record_or_by_a_non_admin_is_refused(in_org, personas):
    rosa = someone(in_org)
    for role in (Role.ORGANIZER, Role.DISPATCHER, Role.PROGRAM_STAFF, Role.CANVASSER):
        with pytest.raises(PermissionDenied):
            services.forget_person(in_org.member(role), rosa)
    rosa.refresh_from_db()
    assert rosa.forgotten_at is None and rosa.contacts.count() == 2
    other = services.create_person(in_org.member("organizer"), given_name="Ana")
    services.merge_people(in_org.member("organizer"), rosa, other)
    with pytest.raises(DomainError, match="merged into another"):
        services.forget_person(admin(in_org), other)
    with pytest.raises(DomainError, match="not part of this organization"):
        services.forget_person(personas.outsider, rosa)
    services.forget_person(admin(in_org), rosa)
    with pytest.raises(DomainError, match="already been forgotten"):
        services.forget_person(admin(in_org), rosa)
    with scopes_disabled():
        assert AuditEvent.objects.filter(code="people.person.forgotten").count() == 1


# --- the screens -----------------------------------------------------------------------------


def forget_url(pk):
    return reverse("person_forget", args=["front-street", pk])


def test_forget_asks_twice_then_forgets(in_org):
    rosa = someone(in_org)
    client = login(Client(), admin(in_org))
    first = client.get(forget_url(rosa.pk))
    assert first.status_code == 200
    page = first.content.decode()
    assert "Forget Rosi Villanueva?" in page and "cannot be undone" in page
    # What every other area erases, as each registered it.
    for words in ("door visits", "medical notes", "RSVPs", "every text and email",
                  "rapid-response network", "export not downloaded yet"):
        assert words in page, words
    second = client.post(forget_url(rosa.pk), {"step": "1"})
    assert second.status_code == 200 and 'name="name"' in second.content.decode()
    rosa.refresh_from_db()
    assert rosa.forgotten_at is None  # nothing happens before the name is typed

    wrong = client.post(forget_url(rosa.pk), {"step": "2", "name": "Rosa"})
    assert wrong.status_code == 400 and "does not match" in wrong.content.decode()
    empty = client.post(forget_url(rosa.pk), {"step": "2"})
    assert empty.status_code == 400
    rosa.refresh_from_db()
    assert rosa.forgotten_at is None

    done = client.post(forget_url(rosa.pk), {"step": "2", "name": "rosi villanueva"})
    assert done.status_code == 302
    rosa.refresh_from_db()
    assert rosa.forgotten_at is not None
    # Forgotten people disappear: their page is gone, so is forgetting them again.
    assert client.get(forget_url(rosa.pk)).status_code == 404
    assert client.post(forget_url(rosa.pk), {"step": "2", "name": FORGOTTEN_NAME}) \
        .status_code == 404


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.DISPATCHER, Role.PROGRAM_STAFF,
                                  Role.CANVASSER])
def test_only_admins_may_forget(in_org, role):
    rosa = someone(in_org)
    client = login(Client(), in_org.member(role))
    assert client.get(forget_url(rosa.pk)).status_code == 403
    assert client.post(forget_url(rosa.pk), {"step": "2", "name": "Rosi Villanueva"}) \
        .status_code == 403
    rosa.refresh_from_db()
    assert rosa.forgotten_at is None


def test_another_organization_cannot_forget_our_people(personas):
    with scope(organization=personas.org):
        rosa = someone(personas)
    client = login(Client(), personas.outsider)
    assert client.post(forget_url(rosa.pk), {"step": "2", "name": "Rosi Villanueva"}) \
        .status_code == 404
    url = reverse("person_forget", args=["elsewhere", rosa.pk])
    assert client.post(url, {"step": "2", "name": "Rosi Villanueva"}).status_code == 404
    with scope(organization=personas.org):
        rosa.refresh_from_db()
        assert rosa.forgotten_at is None


def test_forget_pages_in_spanish(in_org):
    rosa = someone(in_org)
    membership = admin(in_org)
    membership.user.language = "es"
    membership.user.save(update_fields=["language"])
    client = login(Client(), membership)
    client.cookies["django_language"] = "es"
    page = client.get(forget_url(rosa.pk), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "¿Olvidar a Rosi Villanueva?" in page and "No se puede deshacer" in page
    confirm = client.post(forget_url(rosa.pk), {"step": "1"},
                          HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "escriba el nombre de la persona" in confirm
