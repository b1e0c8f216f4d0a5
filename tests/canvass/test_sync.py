"""Syncing door visits from phones (canvass/services.py): idempotent, each visit judged
and saved on its own (whole or not at all), clock skew corrected, two canvassers at one
door, people added at the door, script answers acting through the people services, and
every visit on the person's timeline."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from groundswell.canvass import services
from groundswell.canvass.models import DoorVisit, WalkListEntry
from groundswell.canvass.services import sync
from groundswell.core.errors import InvalidInput
from groundswell.core.models import AuditEvent, Membership, Role
from groundswell.people.forms import rapid_response_wording
from groundswell.people.models import (
    Assessment,
    Consent,
    Grievance,
    Household,
    Interaction,
    Person,
)
from tests.canvass.helpers import walk_list
from tests.factories import make_member


@pytest.fixture
def door(in_org):
    canvasser = in_org.member(Role.CANVASSER)
    wl, residents, questions = walk_list(in_org.member(Role.ADMIN), [canvasser], count=4)
    return wl, residents, questions, canvasser


def visit(wl, household, **extra):
    return {"id": str(uuid.uuid4()), "walk_list": wl.pk, "household": household,
            "outcome": "talked", "occurred_at": timezone.now().isoformat(), **extra}


def household_of(person):
    from groundswell.people.services import current_residence

    return current_residence(person).household_id


def test_a_visit_lands_on_the_timeline_and_answers_act(door):
    wl, residents, q, canvasser = door
    ana = residents[0]
    payload = {"visits": [visit(wl, household_of(ana), person=ana.pk, language="es",
                                notes="Rent went up again", answers={
                                    str(q["consent"].pk): "yes", str(q["party"].pk): "yes",
                                    str(q["issue"].pk): "The landlord raised the rent",
                                    str(q["level"].pk): "4", str(q["when"].pk): "Evening"})]}
    [result] = services.sync_visits(canvasser, payload)
    assert result.status == "saved"
    v = DoorVisit.objects.get()
    assert v.canvasser == canvasser and v.person == ana and v.notes == "Rent went up again"
    entry = Interaction.objects.get(person=ana, kind=Interaction.Kind.DOOR_VISIT)
    assert entry.source_type == "canvass.doorvisit" and entry.source_id == str(v.pk)
    assert entry.recorded_by == canvasser.user
    consent = Consent.objects.get(person=ana, purpose=Consent.Purpose.RAPID_RESPONSE)
    assert consent.source == Consent.Source.DOOR
    assert consent.wording == rapid_response_wording("es")
    assert consent.recorded_by == canvasser.user
    assert ana.tags.filter(name="Block party 2026").exists()
    grievance = Grievance.objects.get(person=ana)
    assert grievance.category == "rent" and grievance.text == "The landlord raised the rent"
    assert Assessment.objects.get(person=ana).level == 4
    assert AuditEvent.objects.filter(code="canvass.visit.recorded").count() == 1


def test_syncing_the_same_queue_again_changes_nothing(door):
    wl, residents, _q, canvasser = door
    payload = {"visits": [visit(wl, household_of(p), person=p.pk) for p in residents[:3]]}
    first = services.sync_visits(canvasser, payload)
    assert [r.status for r in first] == ["saved"] * 3
    counts = (DoorVisit.objects.count(), Interaction.objects.count(), Person.objects.count())
    again = services.sync_visits(canvasser, payload)
    assert [r.status for r in again] == ["already_saved"] * 3
    assert (DoorVisit.objects.count(), Interaction.objects.count(),
            Person.objects.count()) == counts


def test_two_canvassers_at_the_same_door_both_keep_their_visits(in_org, door):
    wl, residents, _q, canvasser = door
    other = make_member(in_org.org, Role.CANVASSER, mfa=False)
    wl.canvassers.add(other)
    home = household_of(residents[1])
    services.sync_visits(canvasser, {"visits": [visit(wl, home, outcome="not_home")]})
    services.sync_visits(other, {"visits": [visit(wl, home, outcome="talked")]})
    assert DoorVisit.objects.filter(household_id=home).count() == 2


def test_a_new_person_and_a_new_household_at_the_door(door):
    wl, residents, _q, canvasser = door
    home = household_of(residents[0])
    payload = {"visits": [
        visit(wl, home, new_person={"given_name": "Marisol", "family_name": "Nueva",
                                    "language": "es", "phone": "215-555-0199"}),
        {**visit(wl, None, new_unit="Fl 2", address_of=home,
                 new_person={"given_name": "Kwame", "family_name": "Upstairs"}),
         "household": None},
    ]}
    results = services.sync_visits(canvasser, payload)
    assert [r.status for r in results] == ["saved", "saved"]
    marisol = Person.objects.get(given_name="Marisol")
    assert household_of(marisol) == home
    assert marisol.contacts.count() == 1
    kwame = Person.objects.get(given_name="Kwame")
    upstairs = Household.objects.get(pk=household_of(kwame))
    assert upstairs.unit == "FL 2" and upstairs.address_id == Household.objects.get(
        pk=home).address_id
    assert WalkListEntry.objects.get(walk_list=wl, household=upstairs).added_at_door
    assert Interaction.objects.filter(person__in=[marisol, kwame],
                                      kind="door_visit").count() == 2


def test_a_visit_for_a_household_not_on_the_list_is_refused_and_saves_nothing(in_org, door):
    wl, _residents, _q, canvasser = door
    from groundswell.people import services as people

    stranger = people.create_person(in_org.member(Role.ADMIN), given_name="Far",
                                    street="100 E Somerset St")
    before = (Person.objects.count(), Interaction.objects.count())
    good = visit(wl, household_of(_residents[0]))
    bad = visit(wl, household_of(stranger), new_person={"given_name": "Ghost"})
    results = services.sync_visits(canvasser, {"visits": [bad, good]})
    assert [r.status for r in results] == ["rejected", "saved"]
    assert "not on this walk list" in results[0].error
    assert DoorVisit.objects.count() == 1
    assert not Person.objects.filter(given_name="Ghost").exists()
    assert Person.objects.count() == before[0]


def test_a_person_from_another_household_is_refused(door):
    wl, residents, _q, canvasser = door
    v = visit(wl, household_of(residents[0]), person=residents[1].pk)
    [result] = services.sync_visits(canvasser, {"visits": [v]})
    assert result.status == "rejected"
    assert DoorVisit.objects.count() == 0


def test_a_list_not_assigned_to_the_canvasser_is_refused(in_org, door):
    wl, residents, _q, _canvasser = door
    other = make_member(in_org.org, Role.CANVASSER, mfa=False)
    [result] = services.sync_visits(other, {"visits": [visit(wl, household_of(residents[0]))]})
    assert result.status == "rejected"
    assert DoorVisit.objects.count() == 0


@pytest.mark.parametrize("payload", [
    None, [], {"visits": "x"},
    {"visit": []},
])
def test_a_payload_that_is_not_a_sync_saves_nothing(door, payload):
    _wl, _residents, _q, canvasser = door
    with pytest.raises(services.MalformedPayload):
        services.sync_visits(canvasser, payload)
    assert DoorVisit.objects.count() == 0


def test_each_malformed_visit_is_refused_alone_and_the_others_are_saved(door):
    wl, residents, _q, canvasser = door
    home = household_of(residents[0])
    bad = [visit(wl, home, outcome="abducted by aliens"), visit(wl, home, answers=["x"]),
           visit(wl, home, notes="x" * 3000), visit(wl, home, occurred_at="yesterday"),
           visit(wl, home, occurred_at=(timezone.now() - timedelta(days=61)).isoformat()),
           {**visit(wl, home), "id": "not-a-uuid"}, "not a visit"]
    good = [visit(wl, home), visit(wl, household_of(residents[1]), outcome="not_home")]
    results = services.sync_visits(canvasser, {"visits": [good[0], *bad, good[1]]})
    assert [r.status for r in results] == ["saved"] + ["rejected"] * len(bad) + ["saved"]
    reasons = [r.error for r in results[1:-1]]
    assert "unknown outcome" in reasons[0] and "answers" in reasons[1]
    assert "notes" in reasons[2] and "no time" in reasons[3] and "60 days" in reasons[4]
    assert "id" in reasons[5] and reasons[6]
    assert [r.id for r in results[:2]] == [good[0]["id"], bad[0]["id"]]
    assert set(DoorVisit.objects.values_list("client_id", flat=True)) == \
        {uuid.UUID(g["id"]) for g in good}
    synced = AuditEvent.objects.get(code="canvass.visits.synced")
    assert synced.data["saved"] == 2 and synced.data["rejected"] == len(bad)


def test_a_phone_clock_minutes_fast_is_corrected_by_the_time_it_sent(door):
    wl, residents, _q, canvasser = door
    received = timezone.now()
    fast = timedelta(minutes=10)
    knocked = received - timedelta(minutes=30)  # by the server's clock
    v = visit(wl, household_of(residents[0]), occurred_at=(knocked + fast).isoformat())
    [result] = services.sync_visits(
        canvasser, {"sent_at": (received + fast).isoformat(), "visits": [v]},
        received_at=received)
    assert result.status == "saved"
    saved = DoorVisit.objects.get()
    assert saved.occurred_at == knocked
    assert saved.phone_occurred_at == knocked + fast
    assert saved.synced_at == received
    entry = Interaction.objects.filter(kind="door_visit").first()
    assert entry is None or entry.occurred_at == knocked


@pytest.mark.parametrize("ahead", [timedelta(minutes=10), timedelta(days=400)])
def test_a_visit_time_still_in_the_future_becomes_the_time_it_arrived(door, ahead):
    """The clock was put right between the visit and the sync (or no sending time came):
    the visit cannot have happened after it reached the server."""
    wl, residents, _q, canvasser = door
    received = timezone.now()
    later = visit(wl, household_of(residents[0]), occurred_at=(received + ahead).isoformat())
    on_time = visit(wl, household_of(residents[1]),
                    occurred_at=(received - timedelta(hours=1)).isoformat())
    results = services.sync_visits(canvasser, {"sent_at": received.isoformat(),
                                               "visits": [later, on_time]},
                                   received_at=received)
    assert [r.status for r in results] == ["saved", "saved"]
    clamped = DoorVisit.objects.get(client_id=later["id"])
    assert clamped.occurred_at == received and clamped.phone_occurred_at == received + ahead
    kept = DoorVisit.objects.get(client_id=on_time["id"])
    assert kept.occurred_at == received - timedelta(hours=1)


@pytest.mark.parametrize("sent_at", [None, "", "garbage", 12, "9999-12-31T23:59:59+00:00"])
def test_a_missing_or_nonsense_sending_time_corrects_nothing(door, sent_at):
    wl, residents, _q, canvasser = door
    received = timezone.now()
    knocked = received - timedelta(minutes=5)
    payload = {"visits": [visit(wl, household_of(residents[0]),
                                occurred_at=knocked.isoformat())]}
    if sent_at is not None:
        payload["sent_at"] = sent_at
    [result] = services.sync_visits(canvasser, payload, received_at=received)
    assert result.status == "saved"
    saved = DoorVisit.objects.get()
    assert saved.occurred_at <= received and saved.phone_occurred_at == knocked


def test_more_than_500_visits_the_first_500_are_judged_and_the_rest_sent_again(door):
    wl, residents, _q, canvasser = door
    home = household_of(residents[0])
    queue = [visit(wl, home, outcome="not_home") for _ in range(520)]
    results = services.sync_visits(canvasser, {"visits": queue})
    assert [r.status for r in results] == ["saved"] * 500 + ["retry"] * 20
    assert [r.id for r in results[500:]] == [v["id"] for v in queue[500:]]
    assert DoorVisit.objects.count() == 500
    again = services.sync_visits(canvasser, {"visits": queue[500:]})
    assert [r.status for r in again] == ["saved"] * 20
    assert DoorVisit.objects.count() == 520


def test_a_server_fault_on_one_visit_keeps_it_for_later_and_saves_the_others(door,
                                                                              monkeypatch):
    wl, residents, _q, canvasser = door
    faulty = visit(wl, household_of(residents[0]), notes="boom")
    fine = visit(wl, household_of(residents[1]))
    real = sync._clean_answers

    def clean(effort, answers):
        if DoorVisit.objects.filter(client_id=fine["id"]).exists():
            raise RuntimeError("a bug of ours")
        return real(effort, answers)

    monkeypatch.setattr(sync, "_clean_answers", clean)
    results = services.sync_visits(canvasser, {"visits": [fine, faulty]})
    assert [r.status for r in results] == ["saved", "retry"]
    assert DoorVisit.objects.count() == 1
    monkeypatch.setattr(sync, "_clean_answers", real)
    results = services.sync_visits(canvasser, {"visits": [fine, faulty]})
    assert [r.status for r in results] == ["already_saved", "saved"]


def test_the_same_visit_saved_by_another_request_meanwhile_is_already_saved(door,
                                                                             monkeypatch):
    """Two syncs of one queue at once: the other request's row wins the unique id."""
    wl, residents, _q, canvasser = door
    v = visit(wl, household_of(residents[0]))
    services.sync_visits(canvasser, {"visits": [v]})
    first = DoorVisit.objects.get()
    real_filter = DoorVisit.objects.filter
    calls = []

    def not_yet(*args, **kwargs):  # the first look finds nothing, as it would have
        calls.append(1)
        qs = real_filter(*args, **kwargs)
        return qs.none() if len(calls) == 1 else qs

    monkeypatch.setattr(DoorVisit.objects, "filter", not_yet)
    [result] = services.sync_visits(canvasser, {"visits": [v]})
    assert result.status == "already_saved" and result.visit == first.pk
    assert DoorVisit.objects.count() == 1


def test_answers_must_fit_the_question(door):
    wl, residents, q, canvasser = door
    for answers in ({str(q["level"].pk): "9"}, {str(q["when"].pk): "Midnight"},
                    {str(q["party"].pk): "maybe"}, {"999999": "yes"}):
        [result] = services.sync_visits(canvasser, {"visits": [
            visit(wl, household_of(residents[0]), person=residents[0].pk, answers=answers)]})
        assert result.status == "rejected"
    assert DoorVisit.objects.count() == 0 and Assessment.objects.count() == 0


def test_revisit_list_has_the_not_home_doors_in_one_click(in_org, door):
    wl, residents, _q, canvasser = door
    homes = [household_of(p) for p in residents]
    services.sync_visits(canvasser, {"visits": [
        visit(wl, homes[0], outcome="not_home"), visit(wl, homes[1], outcome="talked"),
        visit(wl, homes[2], outcome="come_back"), visit(wl, homes[3], outcome="refused")]})
    revisit = services.create_revisit_list(in_org.member(Role.ADMIN), wl)
    assert sorted(revisit.entries.values_list("household_id", flat=True)) == \
        sorted([homes[0], homes[2]])
    assert list(revisit.canvassers.all()) == [canvasser]


def test_progress_counts_doors_contacts_answers_and_signups(door):
    wl, residents, q, canvasser = door
    homes = [household_of(p) for p in residents]
    services.sync_visits(canvasser, {"visits": [
        visit(wl, homes[0], person=residents[0].pk, answers={str(q["consent"].pk): "yes"}),
        visit(wl, homes[1], outcome="not_home"),
        visit(wl, homes[1], person=residents[1].pk, answers={str(q["consent"].pk): "no"}),
    ]})
    figures = services.progress(type(wl).objects.filter(pk=wl.pk))
    assert figures["households"] == 4 and figures["knocked"] == 2 and figures["visits"] == 3
    assert figures["contact_rate"] == 100 and figures["signups"] == 1
    assert figures["canvassers"][0]["visits"] == 3
    tally = dict((question.pk, dict(counts)) for question, counts in figures["answers"])
    assert tally[q["consent"].pk] == {"Yes": 1, "No": 1}


def test_walk_list_skips_doors_on_other_lists_and_refused_ones(in_org, door):
    wl, residents, _q, canvasser = door
    admin = in_org.member(Role.ADMIN)
    with pytest.raises(InvalidInput):
        services.create_walk_list(admin, effort=wl.effort, turf=wl.turf, name="Again")
    services.sync_visits(canvasser, {"visits": [
        visit(wl, household_of(residents[0]), outcome="moved")]})
    wl.archived_at = timezone.now()
    wl.save()
    again = services.create_walk_list(admin, effort=wl.effort, turf=wl.turf, name="Again")
    assert again.entries.count() == 3  # the moved household is skipped


def test_a_yes_rsvps_to_the_event_once_and_a_full_event_keeps_the_visit(in_org, door):
    from groundswell.events import services as events
    from groundswell.events.models import RSVP

    wl, residents, _q, canvasser = door
    admin = in_org.member(Role.ADMIN)
    party = events.create_event(admin, kind="block_party", title_en="Block party",
                                starts_at=timezone.now() + timedelta(days=7),
                                ends_at=timezone.now() + timedelta(days=7, hours=3),
                                capacity=1)
    with pytest.raises(InvalidInput):
        services.add_question(admin, wl.effort, kind="text", text_en="Come?",
                              text_es="¿Viene?", action="rsvp", event=party)
    rsvp = services.add_question(admin, wl.effort, kind="yes_no", text_en="Come?",
                                 text_es="¿Viene?", action="rsvp", event=party)
    first, second = residents[0], residents[1]
    results = services.sync_visits(canvasser, {"visits": [
        visit(wl, household_of(first), person=first.pk, answers={str(rsvp.pk): "yes"}),
        visit(wl, household_of(first), person=first.pk, answers={str(rsvp.pk): "yes"}),
        visit(wl, household_of(second), person=second.pk, answers={str(rsvp.pk): "yes"}),
    ]})
    assert [r.status for r in results] == ["saved"] * 3  # already RSVP'd or full: kept
    assert list(RSVP.objects.values_list("person_id", flat=True)) == [first.pk]


def test_a_grievance_question_that_offers_categories_files_the_one_picked(door):
    wl, residents, _q, canvasser = door
    question = services.add_question(
        Membership.objects.filter(role=Role.ADMIN).first(), wl.effort, kind="text",
        text_en="Record a community problem", text_es="Anote un problema de la comunidad",
        action="grievance", action_value="development, rent ,housing")
    assert question.action_value == "housing,rent,development"  # the categories' order
    assert question.canvasser_picks_category
    key = str(question.pk)
    ana, luis, marta = residents[:3]
    results = services.sync_visits(canvasser, {"visits": [
        visit(wl, household_of(ana), person=ana.pk,
              answers={key: "The luxury complex", f"{key}.category": "development"}),
        # not picked (a phone with the old page): kept in their words as "other"
        visit(wl, household_of(luis), person=luis.pk, answers={key: "The rent went up"}),
        # a category the question does not offer, or another question's: refused whole
        visit(wl, household_of(marta), person=marta.pk,
              answers={key: "Trash", f"{key}.category": "trash"}),
        visit(wl, household_of(marta), person=marta.pk,
              answers={f"{_q['party'].pk}.category": "rent"}),
    ]})
    assert [r.status for r in results] == ["saved", "saved", "rejected", "rejected"]
    assert "does not offer" in results[2].error
    filed = {g.person_id: (g.category, g.text) for g in Grievance.objects.all()}
    assert filed == {ana.pk: ("development", "The luxury complex"),
                     luis.pk: ("other", "The rent went up")}
    assert not DoorVisit.objects.filter(person=marta).exists()


def test_a_grievance_question_names_only_known_categories(door):
    wl, *_rest = door
    admin = Membership.objects.filter(role=Role.ADMIN).first()
    with pytest.raises(InvalidInput):
        services.add_question(admin, wl.effort, kind="text", text_en="Problem?",
                              text_es="¿Problema?", action="grievance",
                              action_value="rent,immigration_status")
    open_question = services.add_question(admin, wl.effort, kind="text", text_en="Problem?",
                                          text_es="¿Problema?", action="grievance")
    assert open_question.offered_categories() == list(Grievance.Category.values)
    with pytest.raises(PermissionDenied):
        services.add_question(wl.canvassers.first(), wl.effort, kind="text",
                              text_en="Problem?", text_es="¿Problema?", action="grievance")


def test_a_literature_drop_is_a_door_done_without_a_conversation(in_org, door):
    """Issue 17, point 13: literature-drop mode queues "lit_drop" visits: they sync like
    any visit, touch nobody's timeline, and the door goes on the revisit list."""
    wl, residents, _q, canvasser = door
    homes = [household_of(p) for p in residents]
    result = services.sync_visits(canvasser, {"visits": [
        visit(wl, homes[0], outcome="lit_drop"), visit(wl, homes[1], outcome="talked")]})
    assert [r.status for r in result] == ["saved", "saved"]
    dropped = DoorVisit.objects.get(household_id=homes[0])
    assert dropped.outcome == "lit_drop" and dropped.person is None
    assert not Interaction.objects.filter(person=residents[0]).exists()
    revisit = services.create_revisit_list(in_org.member(Role.ADMIN), wl)
    assert list(revisit.entries.values_list("household_id", flat=True)) == [homes[0]]
