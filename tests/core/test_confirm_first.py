"""Every destructive action asks once (issue 17, point 6): a post without ``confirmed``
gets the confirmation page (what changes, how to get it back) and changes nothing; the
same post confirmed does it. Through HTTP, with and without htmx."""

from __future__ import annotations

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from groundswell.canvass import services as canvass
from groundswell.canvass.models import Question
from groundswell.events import services as events
from groundswell.events.models import Event, Shift, ShiftSignup
from groundswell.people import services as people
from tests.conftest import login
from tests.events.helpers import make_event

pytestmark = pytest.mark.django_db

ORG = "/o/front-street"


@pytest.fixture
def shift_world(personas):
    organizer = personas.member("organizer")
    with scope(organization=personas.org):
        event = make_event(organizer, days=3)
        shift = events.add_shift(organizer, event, role="cookout", starts_at=event.starts_at,
                                 ends_at=event.ends_at, slots=3)
        rosa = people.create_person(organizer, given_name="Rosa", family_name="Martínez")
        signup = events.sign_up_for_shift(organizer, shift, rosa)
        effort = canvass.create_effort(organizer, name="Outreach")
        question = canvass.add_question(organizer, effort, kind="yes_no", text_en="Coming?",
                                        text_es="¿Viene?")
    return event, shift, signup, question


def _cases(event, shift, signup, question):
    return [
        (f"{ORG}/events/signups/{signup.pk}/cancel/", "Take Rosa Martínez off the shift?",
         lambda: ShiftSignup.objects.filter(pk=signup.pk).exists()),
        (f"{ORG}/events/shifts/{shift.pk}/delete/", "The shift goes, with the",
         lambda: Shift.objects.filter(pk=shift.pk).exists()),
        (f"{ORG}/events/{event.pk}/cancel/", "This cannot be undone",
         lambda: Event.objects.get(pk=event.pk).cancelled_at is None),
        (f"{ORG}/canvass/questions/{question.pk}/remove/", "Answers already recorded stay",
         lambda: Question.objects.filter(pk=question.pk).exists()),
    ]


def test_each_destructive_action_asks_once_then_acts(personas, shift_world):
    client = login(Client(), personas.member("organizer"))
    for url, said, unchanged in _cases(*shift_world):
        asked = client.post(url)
        assert asked.status_code == 200 and said in asked.content.decode(), url
        assert 'name="confirmed" value="1"' in asked.content.decode()
        with scopes_disabled():
            assert unchanged(), url
        done = client.post(url, {"confirmed": "1"})
        assert done.status_code == 302, url
        with scopes_disabled():
            assert not unchanged(), url


def test_an_htmx_post_gets_the_whole_confirmation_page(personas, shift_world):
    _event, _shift, signup, _question = shift_world
    client = login(Client(), personas.member("organizer"))
    asked = client.post(f"{ORG}/events/signups/{signup.pk}/cancel/", HTTP_HX_REQUEST="true")
    assert asked["HX-Retarget"] == "body" and "confirm-form" in asked.content.decode()
    with scopes_disabled():
        assert ShiftSignup.objects.filter(pk=signup.pk).exists()


def test_the_confirmation_keeps_the_form_and_refuses_others(personas, shift_world):
    _event, _shift, signup, _question = shift_world
    url = f"{ORG}/events/signups/{signup.pk}/cancel/"
    # Another role without the capability, and another organization, never see it.
    assert login(Client(), personas.member("canvasser")).post(url).status_code == 403
    assert login(Client(), personas.outsider).post(url).status_code in (403, 404)
    client = login(Client(), personas.member("organizer"))
    asked = client.post(url, {"note": "<b>x</b>"}).content.decode()
    assert 'name="note" value="&lt;b&gt;x&lt;/b&gt;"' in asked
