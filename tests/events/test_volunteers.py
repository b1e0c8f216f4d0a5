"""Issue 17, point 12: the public RSVP link has a copy button and a QR code (and a
printable flyer), a public page lists an organization's upcoming events in the
visitor's language, and volunteers sign themselves up for open shifts, with a waitlist
when full: rate-limited, consent recorded, matched to the one record."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import AuditEvent
from groundswell.events import services
from groundswell.events.models import Event, ShiftSignup
from groundswell.people import services as people
from groundswell.people.models import Consent, Person
from tests.conftest import login
from tests.events.helpers import make_event, resident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean():
    cache.clear()
    yield
    translation.deactivate()


def event_with_shift(personas, *, slots: int = 1, **fields):
    organizer = personas.member("organizer")
    with scope(organization=personas.org):
        event = make_event(organizer, **fields)
        shift = services.add_shift(organizer, event, role="cookout",
                                   starts_at=event.starts_at,
                                   ends_at=event.starts_at + timedelta(hours=2), slots=slots)
    return event, shift


def volunteer_url(event: Event) -> str:
    return f"/e/{event.public_id}/volunteer/"


def post(client: Client, event: Event, the_shift, **fields):
    data = {"given_name": "Rosa", "family_name": "Martínez", "phone": "215 555 0142",
            "shift": str(the_shift.pk), "website": ""}
    data.update(fields)
    return client.post(volunteer_url(event), data)


# --- the service ---------------------------------------------------------------------------


def test_a_full_shift_puts_the_next_volunteer_on_the_waitlist_and_frees_a_place_in_order(
        personas):
    event, shift = event_with_shift(personas, slots=1)
    with scope(organization=personas.org):
        first = services.volunteer_for_shift(shift, resident())
        second = services.volunteer_for_shift(shift, resident(given_name="Ana",
                                                              phone="215-555-0143"))
        third = services.volunteer_for_shift(shift, resident(given_name="Luis",
                                                             phone="215-555-0144"))
        assert (first.waitlisted, second.waitlisted, third.waitlisted) == (False, True, True)
        assert [o.places_left for o in services.open_shifts(event)] == [0]
        moved = services.cancel_shift_signup(personas.member("organizer"), first)
        assert moved == second
        second.refresh_from_db()
        third.refresh_from_db()
        assert not second.waitlisted and third.waitlisted
        assert AuditEvent.objects.filter(code="events.shift.waitlist_moved_up").count() == 1
        # Staff can no longer add a fourth to the full shift.
        with pytest.raises(InvalidInput):
            luisa = people.create_person(personas.member("organizer"), given_name="Luisa")
            services.sign_up_for_shift(personas.member("organizer"), shift, luisa)


def test_a_volunteer_is_matched_to_their_one_record_and_cannot_sign_up_twice(personas):
    event, shift = event_with_shift(personas, slots=3)
    with scope(organization=personas.org):
        rosa = people.create_person(personas.member("organizer"), given_name="Rosa",
                                    family_name="Martínez", phone="215-555-0142")
        signup = services.volunteer_for_shift(shift, resident())
        assert signup.person == rosa and signup.signed_up_by is None
        with pytest.raises(DomainError):
            services.volunteer_for_shift(shift, resident())
        assert ShiftSignup.objects.count() == 1 and Person.objects.count() == 1


def test_closed_or_cancelled_events_take_no_volunteers(personas):
    event, shift = event_with_shift(personas)
    with scope(organization=personas.org):
        Event.objects.filter(pk=event.pk).update(rsvp_open=False)
        with pytest.raises(DomainError):
            services.volunteer_for_shift(shift, resident())
        assert not ShiftSignup.objects.exists() and not Person.objects.exists()


# --- the public pages ----------------------------------------------------------------------


def test_volunteering_in_spanish_records_the_consent_as_ticked(personas):
    event, shift = event_with_shift(personas, slots=1)
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    page = client.get(f"/e/{event.public_id}/").content.decode()
    assert "Ofrecerse para un turno" in page
    form = client.get(volunteer_url(event))
    assert form.status_code == 200 and "Parrillada" in form.content.decode()
    response = post(client, event, shift, consent_sms="on")
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "Gracias por ofrecerse" in response.content.decode()
    response = post(client, event, shift, given_name="Ana", phone="215 555 0199")
    assert "lista de espera" in response.content.decode()
    with scopes_disabled():
        signups = list(ShiftSignup.objects.order_by("pk").values_list("waitlisted", flat=True))
        consent = Consent.objects.get()
    assert signups == [False, True]
    assert consent.source == "web" and consent.purpose == "events" and consent.channel == "sms"


def test_bad_volunteer_input_gets_a_message_and_saves_nothing(personas):
    event, shift = event_with_shift(personas)
    client = Client()
    for fields in ({"shift": ""}, {"shift": "999999"}, {"phone": ""},
                   {"given_name": ""}, {"phone": "not a phone"},
                   {"website": "http://spam.example"}):
        response = post(client, event, shift, **fields)
        assert response.status_code == 400, fields
    with scopes_disabled():
        assert not ShiftSignup.objects.exists() and not Person.objects.exists()


def test_volunteer_sign_ups_are_rate_limited(personas):
    from groundswell.events.public import RSVP_LIMIT_PER_IP

    event, shift = event_with_shift(personas, slots=50)
    client = Client()
    for _ in range(RSVP_LIMIT_PER_IP):
        post(client, event, shift, given_name="")
    response = post(client, event, shift)
    assert response.status_code == 429
    with scopes_disabled():
        assert not ShiftSignup.objects.exists()


def test_the_public_list_shows_upcoming_open_events_in_the_visitors_language(personas):
    organizer = personas.member("organizer")
    with scope(organization=personas.org):
        make_event(organizer, title_en="Block party", title_es="Fiesta de cuadra")
        make_event(organizer, title_en="Tenant meeting", title_es="")
        make_event(organizer, title_en="Closed one", title_es="Cerrado", rsvp_open=False)
        gone = make_event(organizer, title_en="Cancelled one", title_es="Cancelado")
        Event.objects.filter(pk=gone.pk).update(cancelled_at=timezone.now())
    with scope(organization=personas.other_org):
        make_event(personas.outsider, title_en="Elsewhere party", title_es="Otra fiesta")
    spanish = Client(HTTP_ACCEPT_LANGUAGE="es").get("/e/org/front-street/")
    html = spanish.content.decode()
    assert spanish.status_code == 200 and "Próximos eventos" in html
    assert "Fiesta de cuadra" in html and "Tenant meeting" in html  # the other when missing
    assert "Block party" not in html and "Cerrado" not in html and "Cancelado" not in html
    assert "Otra fiesta" not in html
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/e/org/front-street/").content.decode()
    assert "Block party" in english and "Fiesta de cuadra" not in english
    assert Client().get("/e/org/nobody-here/").status_code == 404


def test_the_event_page_has_a_copy_button_a_qr_code_and_a_flyer(personas):
    event, _shift = event_with_shift(personas)
    client = login(Client(), personas.member("organizer"))
    html = client.get(f"/o/front-street/events/{event.pk}/").content.decode()
    public_url = f"http://testserver/e/{event.public_id}/"
    assert f'data-copy="{public_url}"' in html
    assert '<svg viewBox="0 0' in html and 'class="qr"' in html
    flyer = client.get(f"/o/front-street/events/{event.pk}/flyer/").content.decode()
    assert "Fiesta de cuadra" in flyer and "Block party" in flyer and 'class="qr"' in flyer
    qr = client.get(f"/o/front-street/events/{event.pk}/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<?xml") and b'xmlns="http://www.w3.org/2000/svg"' in qr.content


def test_another_organizations_event_has_no_flyer_or_qr(personas):
    with scope(organization=personas.other_org):
        other = make_event(personas.outsider)
    client = login(Client(), personas.member("organizer"))
    for path in ("flyer/", "qr.svg"):
        assert client.get(f"/o/front-street/events/{other.pk}/{path}").status_code == 404
    assert Client().get(f"/o/front-street/events/{other.pk}/qr.svg").status_code in (302, 404)
