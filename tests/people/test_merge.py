"""Duplicates, merge and undo: the services, then the screens through HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import AuditEvent, Role
from groundswell.people import services
from groundswell.people.models import (
    Consent,
    ContactPoint,
    DuplicateCandidate,
    Grievance,
    Interaction,
    Merge,
    Person,
    Relationship,
    Residence,
)
from groundswell.people.services.merge import can_undo
from groundswell.people.services.records import phone_index
from groundswell.people.tasks import find_duplicates_task
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Service messages in English (a Spanish page of an earlier test leaves Spanish
    active in this thread); pages choose their own language."""
    with translation.override("en"):
        yield


def organizer(personas):
    return personas.member("organizer")


def audit_codes(code):
    with scopes_disabled():
        return list(AuditEvent.objects.filter(code=code).values_list("data", flat=True))


def person(personas, given="Ana", family="Cruz", **kwargs):
    return services.create_person(organizer(personas), given_name=given, family_name=family,
                                  **kwargs)


def snapshot(org):
    """Every row of every people table of the organization (and the tags' through
    table), except the merge log itself and the ``updated_at`` stamps."""
    state = {}
    with scopes_disabled():
        for model in apps.get_app_config("people").get_models(include_auto_created=True):
            if model is Merge:
                continue
            names = [f.attname for f in model._meta.concrete_fields if f.name != "updated_at"]
            qs = model._base_manager.all()
            if any(f.name == "organization" for f in model._meta.fields):
                qs = qs.filter(organization=org)
            else:
                qs = qs.filter(person__organization=org)
            rows = []
            for obj in qs.order_by("pk"):
                rows.append({name: getattr(obj, name) for name in names})
            state[model._meta.label_lower] = rows
    return state


# --- finding duplicates ------------------------------------------------------------------


def test_find_duplicates_stores_open_pairs_with_reasons_and_never_repeats_a_dismissal(in_org):
    a = person(in_org, "José", "Rodríguez", phone="215-555-0134")
    b = person(in_org, "Pepe", "Rodriguez", phone="(215) 555 0134")
    person(in_org, "Keisha", "Brown", phone="267-555-0101")
    scan = services.find_duplicates(in_org.org, organizer(in_org))
    assert (scan.compared, scan.created) == (3, 1)
    pair = DuplicateCandidate.objects.get()
    assert (pair.first_id, pair.second_id) == (a.pk, b.pk)
    assert pair.status == "open" and pair.score > 10
    assert {"field": "phone", "outcome": "agree"} in pair.reasons
    assert all(set(r) == {"field", "outcome"} for r in pair.reasons)  # no values stored

    services.dismiss_duplicate(organizer(in_org), pair)
    assert audit_codes("people.duplicate.dismissed") == [{"first": a.pk, "second": b.pk}]
    with pytest.raises(DomainError):
        services.dismiss_duplicate(organizer(in_org), pair)
    assert services.find_duplicates(in_org.org).created == 0
    assert DuplicateCandidate.objects.get().status == "dismissed"
    assert len(audit_codes("people.duplicate.scanned")) == 2


def test_finding_duplicates_needs_the_merge_capability(in_org):
    with pytest.raises(PermissionDenied):
        services.find_duplicates(in_org.org, in_org.member("dispatcher"))


def test_the_task_and_the_command_find_duplicates(personas, capsys):
    with scope(organization=personas.org):
        person(personas, "Ana", "Cruz", email="ana@example.org")
        person(personas, "Anita", "Cruz", email="ANA@example.org")
    assert find_duplicates_task.call(personas.org.pk, organizer(personas).pk) == 1
    call_command("find_duplicates", organization="front-street")
    assert "front-street: 2 people, 1 pairs, 0 new" in capsys.readouterr().out
    with scopes_disabled():
        assert DuplicateCandidate.objects.count() == 1


# --- merging --------------------------------------------------------------------------------


def test_merge_moves_everything_and_hides_the_merged_record(in_org):
    org = organizer(in_org)
    kept = person(in_org, "Ana", "Cruz", phone="215-555-0134", street="100 W Oak St",
                  tags=["block party"])
    merged = person(in_org, "Anita", "Cruz", phone="215-555-0134", email="ana@example.org",
                    street="200 E Elm St", birth_year=1980, tags=["tenants"])
    services.record_interaction(org, merged, kind="attendance")
    services.record_grievance(org, merged, category="rent", text="Rent up 30%")
    services.rate_engagement(org, merged, level=3)
    merge = services.merge_people(org, kept, merged, {"given_name": "merged",
                                                      "residence": "merged"})
    kept.refresh_from_db()
    merged.refresh_from_db()
    assert merged.merged_into == kept
    assert list(Person.objects.active()) == [kept]
    assert (kept.given_name, kept.birth_year) == ("Anita", 1980)  # chosen, and filled in
    assert sorted(c.kind for c in kept.contacts.all()) == ["email", "phone"]
    assert kept.interactions.count() == 1 and kept.grievances.get().text == "Rent up 30%"
    assert kept.assessments.count() == 1
    assert sorted(t.name for t in kept.tags.all()) == ["block party", "tenants"]
    home = services.current_residence(kept)
    assert home.household.address.street == "200 E ELM ST"
    assert kept.residences.filter(ended_on=timezone.localdate()).count() == 1
    assert "anita" in kept.search_text and kept.computed_stage.name == "Participant"
    [data] = audit_codes("people.person.merged")
    assert data["kept"] == kept.pk and data["merged"] == merged.pk and data["merge"] == merge.pk
    assert data["fields"] == ["birth_year", "given_name", "residence"]
    assert "Rent" not in str(merge.undo) and "0134" not in str(merge.undo)


def test_conflicting_consents_keep_the_most_restrictive(in_org):
    org = organizer(in_org)
    kept, merged = person(in_org), person(in_org, "Anita")
    for p in (kept, merged):
        for purpose in ("rapid_response", "events", "general"):
            services.record_consent(org, p, channel="sms", purpose=purpose, source="door")
    services.withdraw_consent(org, merged, channel="sms", purpose="rapid_response")
    services.withdraw_consent(org, kept, channel="sms", purpose="events")
    services.record_consent(org, merged, channel="email", purpose="general", source="web")
    services.merge_people(org, kept, merged)
    consents = {(c.channel, c.purpose): c.is_active for c in kept.consents.all()}
    assert consents == {
        ("sms", "rapid_response"): False,  # withdrawn on the merged record: withdrawn
        ("sms", "events"): False,  # withdrawn on the kept record: still withdrawn
        ("sms", "general"): True,  # given on both
        ("email", "general"): True,  # only on the merged record: moved
    }
    assert not Consent.objects.filter(person=merged).exists()


def test_a_shared_contact_takes_the_stricter_flags(in_org):
    org = organizer(in_org)
    kept = person(in_org, phone="215-555-0134")
    merged = person(in_org, "Anita", phone="215-555-0134")
    stopped = merged.contacts.get()
    stopped.opted_out_at = timezone.now()
    stopped.save(update_fields=["opted_out_at"])
    services.merge_people(org, kept, merged)
    phone = kept.contacts.get()
    assert phone.opted_out_at == stopped.opted_out_at


def test_relationships_are_repointed_without_self_or_repeated_ones(in_org):
    org = organizer(in_org)
    kept, merged, child, friend = (person(in_org, name) for name in
                                   ("Ana", "Anita", "Luz", "Rosa"))
    services.add_relationship(org, kept, merged, "lives_with")  # would be with themself
    services.add_relationship(org, merged, kept, "partner")  # likewise
    services.add_relationship(org, kept, child, "guardian_of")
    services.add_relationship(org, merged, child, "guardian_of")  # a repeat
    services.add_relationship(org, friend, merged, "brought_by")  # moves to kept
    services.merge_people(org, kept, merged)
    rels = sorted((r.person_id, r.other_id, r.kind) for r in Relationship.objects.all())
    assert rels == sorted([(kept.pk, child.pk, "guardian_of"),
                           (friend.pk, kept.pk, "brought_by")])


def test_refused_merges_change_nothing(in_org, personas):
    org = organizer(in_org)
    a, b = person(in_org), person(in_org, "Anita")
    before = snapshot(in_org.org)
    with pytest.raises(DomainError):
        services.merge_people(org, a, a)  # with themself
    with scope(organization=personas.other_org):
        stranger = services.create_person(personas.outsider, given_name="Ana",
                                          family_name="Cruz")
    with pytest.raises(DomainError):
        services.merge_people(org, a, stranger)  # across organizations
    with pytest.raises(PermissionDenied):
        services.merge_people(in_org.member("dispatcher"), a, b)
    with pytest.raises(InvalidInput):
        services.merge_people(org, a, b, {"shoe_size": "merged"})
    with pytest.raises(InvalidInput):
        services.merge_people(org, a, b, {"given_name": "both"})
    assert snapshot(in_org.org) == before
    services.merge_people(org, a, b)
    c = person(in_org, "Ana")
    with pytest.raises(DomainError, match="already been merged"):
        services.merge_people(org, a, b)  # twice
    with pytest.raises(DomainError, match="already been merged"):
        services.merge_people(org, c, b)
    services.forget_person(in_org.member("admin"), c)
    with pytest.raises(DomainError, match="forgotten"):
        services.merge_people(org, a, c)
    assert Merge.objects.count() == 1


# --- undo ---------------------------------------------------------------------------------


def rich_pair(in_org):
    """Two records of one person with a bit of everything, and neighbours."""
    org = organizer(in_org)
    kept = person(in_org, "José", "Rodríguez", phone="215-555-0134", email="jose@example.org",
                  street="2417 N Front St", unit="2nd floor rear", tags=["block party"],
                  moved_in_on=timezone.localdate() - timedelta(days=900))
    merged = person(in_org, "Pepe", "Rodriguez", phone="215-555-0134",
                    street="100 W Somerset St", language="es", birth_year=1975,
                    tags=["block party", "tenants"])
    services.move_person(org, merged, street="300 E Cumberland St",
                         moved_on=timezone.localdate() - timedelta(days=30))
    services.add_contact(org, merged, kind="phone", value="267-555-0199")
    merged.contacts.filter(value_index=phone_index("+12155550134")).update(
        opted_out_at=timezone.now(), verified=True)
    for p in (kept, merged):
        services.record_consent(org, p, channel="sms", purpose="rapid_response",
                                source="door")
    services.withdraw_consent(org, merged, channel="sms", purpose="rapid_response")
    services.record_consent(org, merged, channel="phone", purpose="events", source="event")
    child, friend, other = (person(in_org, n, "Soto") for n in ("Luz", "Rosa", "Beto"))
    services.add_relationship(org, merged, kept, "lives_with")
    services.add_relationship(org, kept, child, "guardian_of")
    services.add_relationship(org, merged, child, "guardian_of")
    services.add_relationship(org, friend, merged, "brought_by")
    for kind in ("attendance", "attendance", "service", "door_visit"):
        services.record_interaction(org, merged, kind=kind, summary="Came with the kids")
    services.record_interaction(org, kept, kind="call")
    services.record_grievance(org, merged, category="rent", text="Rent up 30%")
    services.rate_engagement(org, merged, level=2, reason="new")
    services.set_stage(org, merged, services.ensure_default_stages(in_org.org)[2])
    DuplicateCandidate.objects.create(organization=in_org.org, first=kept, second=merged,
                                      score=20.5, reasons=[{"field": "phone",
                                                            "outcome": "agree"}])
    DuplicateCandidate.objects.create(organization=in_org.org, first=merged, second=other,
                                      score=11.0, reasons=[])
    DuplicateCandidate.objects.create(organization=in_org.org, first=kept, second=child,
                                      score=10.5, reasons=[], status="dismissed")
    DuplicateCandidate.objects.create(organization=in_org.org, first=merged, second=child,
                                      score=10.2, reasons=[])
    return kept, merged


@pytest.mark.parametrize("choices", [
    {},
    {"given_name": "merged", "residence": "merged", "stage": "merged", "language": "kept"},
])
def test_undo_restores_every_row_exactly(in_org, choices):
    kept, merged = rich_pair(in_org)
    before = snapshot(in_org.org)
    merge = services.merge_people(organizer(in_org), kept, merged, choices)
    assert snapshot(in_org.org) != before
    assert DuplicateCandidate.objects.get(first=kept, second=merged).status == "merged"
    assert not Consent.objects.get(person=kept, purpose="rapid_response").is_active
    phone = kept.contacts.get(value_index=phone_index("+12155550134"))
    assert phone.opted_out_at is not None and phone.verified
    services.undo_merge(in_org.member("admin"), merge)
    assert snapshot(in_org.org) == before
    merge.refresh_from_db()
    assert merge.undone_at is not None and not can_undo(merge)
    [data] = audit_codes("people.person.merge_undone")
    assert data == {"kept": kept.pk, "merged": merged.pk, "merge": merge.pk}
    with pytest.raises(DomainError, match="already been undone"):
        services.undo_merge(organizer(in_org), merge)  # twice
    assert snapshot(in_org.org) == before


def test_undo_is_refused_once_the_kept_record_is_merged_again_or_forgotten(in_org):
    org = organizer(in_org)
    a, b, c = person(in_org), person(in_org, "Anita"), person(in_org, "Ani")
    first = services.merge_people(org, a, b)
    second = services.merge_people(org, c, a)  # the kept record merged again
    assert not can_undo(first) and can_undo(second)
    with pytest.raises(DomainError, match="merged again"):
        services.undo_merge(org, first)
    services.undo_merge(org, second)
    assert can_undo(first)
    third = services.merge_people(org, a, c)  # a later merge into the kept record
    with pytest.raises(DomainError, match="Undo the later merge first"):
        services.undo_merge(org, first)
    services.undo_merge(org, third)
    services.undo_merge(org, first)
    assert Person.objects.active().count() == 3

    again = services.merge_people(org, a, b)
    services.forget_person(in_org.member("admin"), a)
    with pytest.raises(DomainError, match="forgotten"):
        services.undo_merge(org, again)
    with pytest.raises(PermissionDenied):
        services.undo_merge(in_org.member("program_staff"), again)


# --- the screens -----------------------------------------------------------------------------


def client_for(membership):
    return login(Client(), membership)


def url(name, *args):
    return reverse(name, args=["front-street", *args])


def test_review_queue_lists_pairs_with_reasons_and_dismisses(
        in_org, django_capture_on_commit_callbacks):
    a = person(in_org, "Guillermo", "Santos", phone="215-555-0199")
    b = person(in_org, "William", "Santos", phone="215.555.0199")
    client = client_for(organizer(in_org))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("duplicates"))  # look again: the task runs on commit
    assert response.status_code == 302
    page = client.get(url("duplicates")).content.decode()
    assert "Guillermo Santos" in page and "William Santos" in page
    assert "phone: same" in page and "given name: same" in page
    assert url("person_merge", a.pk, b.pk) in page
    pair = DuplicateCandidate.objects.get()
    assert client.post(url("duplicate_dismiss", pair.pk)).status_code == 302
    assert "No possible duplicates" in client.get(url("duplicates")).content.decode()
    pair.refresh_from_db()
    assert pair.status == "dismissed"


def test_merge_page_compares_field_by_field_then_merges_and_offers_undo(in_org):
    a = person(in_org, "Guillermo", "Santos", phone="215-555-0199", birth_year=1970)
    b = person(in_org, "William", "Santos", phone="215-555-0188", language="es",
               street="2417 N Front St")
    client = client_for(organizer(in_org))
    page = client.get(url("person_merge", a.pk, b.pk)).content.decode()
    assert 'name="given_name" value="first"' in page and 'name="given_name" value="second"' \
        in page
    assert 'name="family_name"' not in page  # the same on both: nothing to choose
    assert "••• ••• 0199" in page and "+12155550199" not in page  # phones masked
    response = client.post(url("person_merge", a.pk, b.pk),
                           {"keep": "second", "given_name": "first"})
    merge = Merge.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("merges") + f"?done={merge.pk}"
    b.refresh_from_db()
    assert (merge.kept, merge.merged) == (b, a)
    assert (b.given_name, b.birth_year, b.language) == ("Guillermo", 1970, "es")
    assert services.current_residence(b) is not None

    listing = client.get(response["Location"]).content.decode()
    assert "Merged into one record" in listing and url("merge_undo", merge.pk) in listing
    # Merging again is refused with a clear message.
    again = client.post(url("person_merge", a.pk, b.pk), {"keep": "second"})
    assert again.status_code == 400 and "already been merged" in again.content.decode()

    assert client.post(url("merge_undo", merge.pk), {"confirmed": "1"}).status_code == 302
    assert Person.objects.active().count() == 2
    twice = client.post(url("merge_undo", merge.pk), {"confirmed": "1"},
                        follow=True).content.decode()
    assert "already been undone" in twice


def test_merge_with_themself_or_bad_choices_is_a_clear_400(in_org):
    a, b = person(in_org), person(in_org, "Anita")
    client = client_for(organizer(in_org))
    response = client.get(url("person_merge", a.pk, a.pk))
    assert response.status_code == 400 and "themself" in response.content.decode()
    assert client.post(url("person_merge", a.pk, a.pk)).status_code == 400
    assert client.post(url("person_merge", a.pk, b.pk), {"keep": "both"}).status_code == 400
    assert client.post(url("person_merge", a.pk, b.pk),
                       {"given_name": "third"}).status_code == 400
    assert Merge.objects.count() == 0


@pytest.mark.parametrize("role, status", [
    (Role.ADMIN, 302), (Role.ORGANIZER, 302), (Role.DISPATCHER, 403),
    (Role.PROGRAM_STAFF, 403), (Role.CANVASSER, 403),
])
def test_who_may_merge_and_undo(in_org, role, status):
    a, b = person(in_org), person(in_org, "Anita")
    client = client_for(in_org.member(role))
    assert client.post(url("person_merge", a.pk, b.pk)).status_code == status
    if status == 302:
        merge = Merge.objects.get()
        assert client.post(url("merge_undo", merge.pk), {"confirmed": "1"}).status_code == 302
        assert Person.objects.active().count() == 2
    else:
        assert Merge.objects.count() == 0
        merge = services.merge_people(organizer(in_org), a, b)
        assert client.post(url("merge_undo", merge.pk), {"confirmed": "1"}).status_code == 403
        assert client.get(url("merges")).status_code == 403
        assert client.get(url("duplicates")).status_code == 403


def test_another_organizations_people_are_404_and_change_nothing(personas):
    with scope(organization=personas.org):
        ours = person(personas)
    with scope(organization=personas.other_org):
        theirs = services.create_person(personas.outsider, given_name="Ana",
                                        family_name="Cruz")
        mine = services.create_person(personas.outsider, given_name="Anita",
                                      family_name="Cruz")
        merge = services.merge_people(personas.outsider, theirs, mine)
    client = client_for(personas.member("admin"))
    assert client.get(url("person_merge", ours.pk, theirs.pk)).status_code == 404
    assert client.post(url("person_merge", ours.pk, theirs.pk)).status_code == 404
    assert client.post(url("person_merge", theirs.pk, mine.pk)).status_code == 404
    assert client.post(url("merge_undo", merge.pk), {"confirmed": "1"}).status_code == 404
    outsider = client_for(personas.outsider)
    assert outsider.get(url("duplicates")).status_code == 404
    with scopes_disabled():
        assert Merge.objects.get().undone_at is None
        assert Merge.objects.count() == 1


def test_merge_pages_in_spanish(in_org):
    a = person(in_org, "Guillermo", "Santos", phone="215-555-0199")
    b = person(in_org, "William", "Santos", phone="215-555-0199")
    services.find_duplicates(in_org.org)
    client = client_for(organizer(in_org))
    client.cookies["django_language"] = "es"
    membership = organizer(in_org)
    membership.user.language = "es"
    membership.user.save(update_fields=["language"])
    queue = client.get(url("duplicates"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Posibles duplicados" in queue and "teléfono: igual" in queue
    compare = client.get(url("person_merge", a.pk, b.pk),
                         HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Unir dos registros" in compare and "Qué registro se queda" in compare
    services.merge_people(membership, a, b)
    listing = client.get(url("merges"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Deshacer" in listing


def test_merge_moves_interactions_recorded_by_other_areas_too(in_org):
    org = organizer(in_org)
    kept, merged = person(in_org), person(in_org, "Anita")
    services.record_interaction(None, merged, kind="attendance", organization=in_org.org,
                                source=("events.attendance", "42"))
    merge = services.merge_people(org, kept, merged)
    assert Interaction.objects.get().person == kept
    services.undo_merge(org, merge)
    assert Interaction.objects.get().person == merged
    assert Grievance.objects.count() == 0 and Residence.objects.count() == 0
    assert ContactPoint.objects.count() == 0
