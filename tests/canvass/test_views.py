"""The door-knocking screens: what a canvasser may see, the sync endpoint, and the
organizer pages."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from groundswell.canvass.models import DoorVisit, WalkList
from groundswell.core.models import AuditEvent, Role
from groundswell.people.services import current_residence
from tests.canvass.helpers import walk_list
from tests.conftest import login
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(personas):
    canvasser = personas.member(Role.CANVASSER)
    with scope(organization=personas.org):
        wl, residents, questions = walk_list(personas.member(Role.ADMIN), [canvasser], count=3)
        homes = [current_residence(p).household_id for p in residents]
    return wl, residents, homes, questions, canvasser


def app_url(wl):
    return reverse("canvass_app", args=["front-street", wl.pk])


def test_the_canvasser_sees_their_list_without_phone_numbers(personas, setup):
    wl, residents, _homes, _q, canvasser = setup
    client = login(Client(), canvasser)
    page = client.get(app_url(wl))
    assert page.status_code == 200
    text = page.content.decode()
    assert residents[0].display_name in text
    assert "555" not in text  # no phone digits anywhere on the page
    data = json.loads(page.context["data"] and json.dumps(page.context["data"]))
    assert all("phones" not in r for d in data["doors"] for r in d["residents"])
    mine = client.get(reverse("my_lists", args=["front-street"]))
    assert wl.name in mine.content.decode()


def test_phone_numbers_show_only_when_the_effort_needs_them(personas, setup):
    wl, _residents, _homes, _q, canvasser = setup
    with scope(organization=personas.org):
        wl.effort.needs_phone = True
        wl.effort.save()
    page = login(Client(), canvasser).get(app_url(wl))
    phones = [p for d in page.context["data"]["doors"] for r in d["residents"]
              for p in r["phones"]]
    assert phones and all("555" in p for p in phones)
    with scopes_disabled():
        shown = AuditEvent.objects.get(code="canvass.phones.shown")
    assert shown.actor == canvasser.user and shown.data["numbers"] == len(phones)
    assert not any("555" in str(value) for value in shown.data.values())


def test_a_list_without_phone_numbers_audits_no_showing(personas, setup):
    wl, _residents, _homes, _q, canvasser = setup
    assert login(Client(), canvasser).get(app_url(wl)).status_code == 200
    with scopes_disabled():
        assert not AuditEvent.objects.filter(code="canvass.phones.shown").exists()


def test_a_canvasser_cannot_open_another_canvassers_list_nor_the_people_screens(
        personas, setup):
    wl, _residents, homes, _q, _canvasser = setup
    other = make_member(personas.org, Role.CANVASSER, mfa=False)
    client = login(Client(), other)
    assert client.get(app_url(wl)).status_code == 404
    assert client.get(reverse("household", args=["front-street", homes[0]])).status_code == 403
    assert client.get(reverse("people", args=["front-street"])).status_code == 403
    assert client.get(reverse("walklist", args=["front-street", wl.pk])).status_code == 403


def test_visible_households_are_only_those_on_the_canvassers_lists(personas, setup):
    from groundswell.canvass.services import visible_households

    wl, _residents, homes, _q, canvasser = setup
    other = make_member(personas.org, Role.CANVASSER, mfa=False)
    with scope(organization=personas.org):
        assert sorted(visible_households(canvasser).values_list("pk", flat=True)) == \
            sorted(homes)
        assert not visible_households(other).exists()
        wl.archived_at = timezone.now()
        wl.save()
        assert not visible_households(canvasser).exists()


def test_another_organizations_member_gets_404(personas, setup):
    wl, *_rest = setup
    client = login(Client(), personas.outsider)
    assert client.get(app_url(wl)).status_code == 404
    assert client.post(reverse("canvass_sync", args=["front-street"]), "{}",
                       content_type="application/json").status_code == 404


def test_the_sync_endpoint_is_idempotent_and_answers_per_visit(personas, setup):
    wl, residents, homes, _q, canvasser = setup
    client = login(Client(), canvasser)
    url = reverse("canvass_sync", args=["front-street"])
    payload = {"visits": [{"id": str(uuid.uuid4()), "walk_list": wl.pk, "household": homes[0],
                           "outcome": "talked", "person": residents[0].pk,
                           "occurred_at": timezone.now().isoformat()}]}
    first = client.post(url, json.dumps(payload), content_type="application/json")
    assert first.status_code == 200 and first.json()["results"][0]["status"] == "saved"
    again = client.post(url, json.dumps(payload), content_type="application/json")
    assert again.json()["results"][0]["status"] == "already_saved"
    with scopes_disabled():
        assert DoorVisit.objects.count() == 1


@pytest.mark.parametrize("body", ["not json", "[]", '{"visit": []}', "\xff"])
def test_a_malformed_sync_is_a_clear_400_and_saves_nothing(personas, setup, body):
    _wl, _r, _h, _q, canvasser = setup
    response = login(Client(), canvasser).post(
        reverse("canvass_sync", args=["front-street"]), body,
        content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]
    with scopes_disabled():
        assert DoorVisit.objects.count() == 0


def sync(client, payload, **extra):
    return client.post(reverse("canvass_sync", args=["front-street"]),
                       payload if isinstance(payload, str | bytes) else json.dumps(payload),
                       content_type="application/json", **extra)


def a_visit(wl, home, **extra):
    return {"id": str(uuid.uuid4()), "walk_list": wl.pk, "household": home,
            "outcome": "not_home", "occurred_at": timezone.now().isoformat(), **extra}


def test_one_refused_visit_is_answered_alone_and_the_others_are_saved(personas, setup):
    wl, residents, homes, _q, canvasser = setup
    client = login(Client(), canvasser)
    good = [a_visit(wl, homes[0]), a_visit(wl, homes[2])]
    elsewhere = a_visit(wl, homes[1], person=residents[0].pk, outcome="talked")
    fast = a_visit(wl, homes[1],
                   occurred_at=(timezone.now() + timezone.timedelta(minutes=10)).isoformat())
    response = sync(client, {"sent_at": timezone.now().isoformat(),
                             "visits": [good[0], elsewhere, fast, good[1]]})
    assert response.status_code == 200
    answer = response.json()
    assert [r["status"] for r in answer["results"]] == ["saved", "rejected", "saved", "saved"]
    assert "does not live in this household" in answer["results"][1]["error"]
    assert answer["max_visits"] == 500 and answer["max_bytes"] >= 1024 * 1024
    with scopes_disabled():
        assert DoorVisit.objects.count() == 3
        saved = DoorVisit.objects.get(client_id=fast["id"])
        assert saved.occurred_at <= saved.synced_at < saved.phone_occurred_at


def test_a_sync_over_the_form_limit_is_read_and_answered_in_json(personas, setup, settings):
    """Django's form limit (1 MB) is not the sync's: a queue of 1.6 MB is saved (long
    notes in Spanish: two bytes a letter, as the phone sends them)."""
    wl, _residents, homes, _q, canvasser = setup
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024
    queue = [a_visit(wl, homes[i % 3], notes="ñ" * 1990) for i in range(400)]
    body = json.dumps({"visits": queue}, ensure_ascii=False).encode()
    assert 1024 * 1024 < len(body) < 2 * 1024 * 1024
    response = sync(login(Client(), canvasser), body)
    assert response.status_code == 200
    assert {r["status"] for r in response.json()["results"]} == {"saved"}
    with scopes_disabled():
        assert DoorVisit.objects.count() == 400


def test_a_sync_over_its_own_limit_is_a_json_413_that_says_the_limits(personas, setup):
    wl, _residents, homes, _q, canvasser = setup
    queue = [a_visit(wl, homes[0], notes="n" * 1990) for _ in range(1100)]
    response = sync(login(Client(), canvasser), {"visits": queue})
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    answer = response.json()
    assert answer["error"] and answer["max_bytes"] == 2 * 1024 * 1024
    assert answer["max_visits"] == 500
    with scopes_disabled():
        assert DoorVisit.objects.count() == 0


def test_a_json_body_over_the_request_limit_gets_json_too(personas, setup, settings):
    settings.MAX_REQUEST_BYTES = 2048
    wl, _residents, homes, _q, canvasser = setup
    response = sync(login(Client(), canvasser),
                    {"visits": [a_visit(wl, homes[0], notes="n" * 1990) for _ in range(3)]})
    assert response.status_code == 413 and response.json()["error"]
    page = login(Client(), canvasser).get(app_url(wl))
    assert page.context["sync_limits"]["max_bytes"] == 2048  # the phone sends less


def test_more_than_500_visits_over_http_are_kept_for_the_next_sync(personas, setup):
    wl, _residents, homes, _q, canvasser = setup
    queue = [a_visit(wl, homes[i % 3]) for i in range(505)]
    answer = sync(login(Client(), canvasser), {"visits": queue}).json()
    assert [r["status"] for r in answer["results"]].count("retry") == 5
    with scopes_disabled():
        assert DoorVisit.objects.count() == 500


def test_organizer_pages_show_progress(personas, setup):
    wl, residents, homes, _q, canvasser = setup
    client = login(Client(), personas.member(Role.ORGANIZER))
    login(Client(), canvasser).post(
        reverse("canvass_sync", args=["front-street"]),
        json.dumps({"visits": [{"id": str(uuid.uuid4()), "walk_list": wl.pk,
                                "household": homes[0], "outcome": "not_home",
                                "occurred_at": timezone.now().isoformat()}]}),
        content_type="application/json")
    page = client.get(reverse("walklist", args=["front-street", wl.pk]))
    assert page.status_code == 200
    assert page.context["progress"]["knocked"] == 1
    assert b"visit-row" in page.content
    effort = client.get(reverse("effort", args=["front-street", wl.effort_id]))
    assert effort.status_code == 200 and effort.context["progress"]["visits"] == 1
    assert client.get(reverse("geo_map", args=["front-street"]) + "?color=outcome") \
        .status_code == 200


def test_organizer_builds_an_effort_script_and_list_through_the_screens(personas, setup):
    wl, *_rest = setup
    client = login(Client(), personas.member(Role.ORGANIZER))
    created = client.post(reverse("effort_create", args=["front-street"]),
                          {"name": "Rapid-response network sign-up"})
    assert created.status_code == 302
    with scope(organization=personas.org):
        from groundswell.canvass.models import Effort
        effort = Effort.objects.get(name="Rapid-response network sign-up")
    bad = client.post(reverse("question_add", args=["front-street", effort.pk]),
                      {"kind": "choice", "text_en": "Which?", "text_es": "¿Cuál?",
                       "choices": "only one"})
    assert bad.status_code == 400
    good = client.post(reverse("question_add", args=["front-street", effort.pk]),
                       {"kind": "yes_no", "text_en": "Alerts?", "text_es": "¿Alertas?",
                        "action": "consent_rapid_response"})
    assert good.status_code == 302
    made = client.post(reverse("walklist_create", args=["front-street", effort.pk]),
                       {"turf": wl.turf_id, "name": "RR list", "skip_done": "on",
                        "canvassers": [personas.member(Role.CANVASSER).pk]})
    assert made.status_code == 302
    with scope(organization=personas.org):
        assert WalkList.objects.get(name="RR list").entries.count() == 3


def test_service_worker_and_manifest(personas, setup):
    _wl, _r, _h, _q, canvasser = setup
    client = login(Client(), canvasser)
    sw = client.get(reverse("canvass_sw", args=["front-street"]))
    assert sw.status_code == 200 and sw["Content-Type"].startswith("text/javascript")
    assert b"groundswell-canvass" in sw.content
    manifest = client.get(reverse("canvass_manifest", args=["front-street"])).json()
    assert manifest["scope"] == "/o/front-street/canvass/"


def test_the_app_can_be_installed_with_png_icons(personas, setup):
    _wl, _residents, _homes, _q, canvasser = setup
    client = login(Client(), canvasser)
    manifest = client.get(reverse("canvass_manifest", args=["front-street"])).json()
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert sizes == {"192x192", "512x512"}
    worker = client.get(reverse("canvass_sw", args=["front-street"])).content.decode()
    assert "icon-192.png" in worker and "TILE_URL" in worker


def test_a_grievance_question_offers_the_categories_ticked_on_the_screen(personas, setup):
    wl, *_rest = setup
    client = login(Client(), personas.member(Role.ORGANIZER))
    url = reverse("question_add", args=["front-street", wl.effort_id])
    form = {"kind": "text", "text_en": "Problem?", "text_es": "¿Problema?",
            "action": "grievance"}
    bad = client.post(url, {**form, "categories": ["rent", "immigration_status"]})
    assert bad.status_code == 400
    good = client.post(url, {**form, "categories": ["development", "rent"]})
    assert good.status_code == 302
    with scope(organization=personas.org):
        question = wl.effort.questions.get(text_en="Problem?")
    assert question.action_value == "rent,development"
    page = client.get(reverse("effort", args=["front-street", wl.effort_id])).content.decode()
    assert "the canvasser picks: Rent, A development" in page
    canvasser = login(Client(), personas.member(Role.CANVASSER))
    assert canvasser.post(url, {**form, "text_en": "Sneaky?"}).status_code == 403
