"""The rapid-response pages: masking of reporter numbers, the public form (flood,
bad input), zones drawn badly, the live count, the board and the review."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from groundswell.core.models import AuditEvent
from groundswell.rapidresponse import services
from groundswell.rapidresponse.models import Report, Zone
from tests.conftest import login
from tests.rapidresponse.conftest import BOW_TIE, CENTER

pytestmark = pytest.mark.django_db

REPORTER = "+12155559988"
SPELLINGS = ("2155559988", "555-9988", "5559988", "(215) 555-9988", "215-555-9988")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _texted_report(world):
    from groundswell.messaging.inbound import receive_sms

    with scope(organization=world.org):
        receive_sms(world.org, from_number=REPORTER, to_number="+12155550100",
                    body="Agentes en Front y Lehigh ahora", provider_sid="SM-mask-1")
        report = Report.objects.get()
        services.set_report_location(world.dispatcher, report, latitude=CENTER[0],
                                     longitude=CENTER[1])
        services.request_verification(world.dispatcher, report)
        services.override_report(world.dispatcher, report)
        target = services.make_target(world.network, zone=world.zone, radius_m=None,
                                      report=report)
        alert = services.send_alert(world.dispatcher, world.network, kind="sighting",
                                    target=target, report=report)
    return report, alert


def _no_number(text: str) -> None:
    digits = "".join(ch for ch in text if ch.isdigit())
    assert "2155559988" not in digits.replace("12155559988", "2155559988") or \
        "2155559988" not in text
    for spelling in SPELLINGS:
        assert spelling not in text


def test_reporter_number_appears_in_no_dispatcher_page_response_log_or_export(
        world, caplog):
    caplog.set_level(logging.DEBUG)
    report, alert = _texted_report(world)
    client = login(Client(), world.dispatcher)
    slug, n = world.org.slug, world.network.pk
    urls = [
        reverse("rr_board", args=[slug, n]), reverse("rr_board_feed", args=[slug, n]),
        reverse("rr_report", args=[slug, report.pk]),
        reverse("rr_report", args=[slug, report.pk]) + "?part=status",
        reverse("rr_alert", args=[slug, alert.pk]),
        reverse("rr_alert_compose", args=[slug, n]) + f"?report={report.pk}",
        reverse("rr_alert_count", args=[slug, n]) + f"?kind=sighting&radius_m=500"
        f"&report={report.pk}",
        reverse("rr_review", args=[slug, n]), reverse("rr_review_export", args=[slug, n]),
    ]
    for url in urls:
        response = client.get(url, HTTP_HX_REQUEST="true" if "part=" in url else "")
        assert response.status_code == 200, url
        _no_number(response.content.decode())
    # The dispatcher cannot reveal it.
    assert client.post(reverse("rr_report_reveal", args=[slug, report.pk])).status_code == 403
    for record in caplog.records:
        _no_number(record.getMessage())
    with scope(organization=world.org):
        for event in AuditEvent.objects.all():
            _no_number(json.dumps(event.data))
    # An admin can, and it is audited.
    admin = login(Client(), world.admin)
    revealed = admin.post(reverse("rr_report_reveal", args=[slug, report.pk]))
    assert "+12155559988" in revealed.content.decode()
    with scope(organization=world.org):
        assert AuditEvent.objects.filter(code="rapidresponse.reporter.revealed",
                                         object_id=str(report.pk)).exists()


def test_a_texted_report_stays_out_of_the_inbox_and_the_people_list(world, sms_gateway):
    """Who texted the hotline, and what, is for dispatchers: a number nobody has gets no
    person record (it would sit in the people list, its search and its export), and an
    organizer reading the shared inbox sees neither the text nor that it was sent. The
    reporter still gets the "report received" answer."""
    from groundswell.messaging.models import Conversation, InboundMessage
    from groundswell.messaging.sender import deliver_outbox
    from groundswell.people.models import ContactPoint, Person

    with scope(organization=world.org):
        people_before = Person.objects.count()
    report, _alert = _texted_report(world)
    with scope(organization=world.org):
        inbound = InboundMessage.objects.get(provider_sid="SM-mask-1")
        assert inbound.body == "" and inbound.handled_by == "confidential"
        assert inbound.person_id is None
        assert Person.objects.count() == people_before
        assert not ContactPoint.objects.filter(value_index=inbound.from_index).exists()
        conversation = Conversation.objects.get(pk=inbound.conversation_id)
        assert conversation.person_id is None
        assert not conversation.needs_review and conversation.unread == 0
        assert report.reporter_phone == REPORTER
        deliver_outbox()
    assert "recibimos" in sms_gateway.received_to(REPORTER)[0].body
    client = login(Client(), world.admin)
    inbox = client.get(reverse("messaging_inbox", args=[world.org.slug])).content.decode()
    assert "Lehigh" not in inbox and reverse(
        "messaging_conversation", args=[world.org.slug, conversation.pk]) not in inbox
    assert client.get(reverse("messaging_conversation",
                              args=[world.org.slug, conversation.pk])).status_code == 404
    for query in ("Unknown", "9988"):  # by name, and by the last four digits
        found = client.get(reverse("people", args=[world.org.slug]) + f"?q={query}")
        assert "Unknown number" not in found.content.decode()
    from groundswell.people.services.records import people_with_phone

    with scope(organization=world.org):
        assert people_with_phone(world.org, REPORTER) == []


def test_a_resident_on_record_who_reports_sees_nothing_on_their_timeline(world):
    from groundswell.messaging.inbound import receive_sms
    from groundswell.messaging.models import InboundMessage
    from groundswell.people.models import ContactPoint, Interaction

    resident = world.people["N1"]
    with scope(organization=world.org):
        number = ContactPoint.objects.get(person=resident).value
        receive_sms(world.org, from_number=number, to_number="+12155550100",
                    body="Agentes en Front y Lehigh ahora", provider_sid="SM-mask-2")
        inbound = InboundMessage.objects.get(provider_sid="SM-mask-2")
        assert inbound.person_id == resident.pk and inbound.body == ""
        assert Report.objects.get().reporter_phone == number
        assert not Interaction.objects.filter(
            source_type="messaging.inboundmessage", source_id=str(inbound.pk)).exists()
    client = login(Client(), world.admin)
    page = client.get(reverse("person", args=[world.org.slug, resident.pk])).content.decode()
    assert "Lehigh" not in page


def test_public_report_form_works_without_login_and_in_spanish(world):
    client = Client()
    url = reverse("rr_public_report", args=[world.network.public_key])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 200 and "agentes" in page.content.decode().lower()
    response = client.post(url, {"what": "Agentes en una camioneta", "where": "B y Somerset",
                                 "minutes_ago": "15"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    with scope(organization=world.org):
        report = Report.objects.get()
        assert report.source == "web" and report.language == "es"
        assert report.reporter_phone == ""


def test_public_report_flood_is_rate_limited_and_saves_nothing_more(world):
    client = Client()
    url = reverse("rr_public_report", args=[world.network.public_key])
    statuses = [client.post(url, {"what": f"report {i}", "where": "B St",
                                  "minutes_ago": "0"}).status_code for i in range(8)]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429] * 3
    with scope(organization=world.org):
        assert Report.objects.count() == 5
    limited = client.post(url, {"what": "again", "where": "B St", "minutes_ago": "0"})
    assert "wait" in limited.content.decode().lower()


@pytest.mark.parametrize("payload", [
    {"what": "", "where": "", "minutes_ago": "0"},
    {"what": "x" * 501, "where": "B St", "minutes_ago": "0"},
    {"what": "vans", "where": "B St", "minutes_ago": "9999"},
    {"what": "vans", "where": "B St", "minutes_ago": "0", "latitude": "91",
     "longitude": "0"},
])
def test_public_report_bad_input_is_a_clear_400(world, payload):
    url = reverse("rr_public_report", args=[world.network.public_key])
    response = Client().post(url, payload)
    assert response.status_code == 400
    assert b"errorlist" in response.content
    with scope(organization=world.org):
        assert not Report.objects.exists()


def test_unknown_network_key_is_404(db):
    assert Client().get("/r/not-a-network/").status_code == 404


def test_self_intersecting_zone_drawn_on_the_map_is_refused(world):
    client = login(Client(), world.admin)
    url = reverse("rr_zones", args=[world.org.slug, world.network.pk])
    response = client.post(url, {"name": "Bow tie", "geometry": json.dumps(BOW_TIE)})
    assert response.status_code == 400
    assert "cross each other" in response.content.decode()
    with scope(organization=world.org):
        assert not Zone.objects.filter(name="Bow tie").exists()


def test_live_recipient_count(world):
    client = login(Client(), world.dispatcher)
    url = reverse("rr_alert_count", args=[world.org.slug, world.network.pk])
    response = client.get(url, {"kind": "know_your_rights", "zone": world.zone.pk})
    assert response.status_code == 200
    assert '<strong id="recipient-number">4</strong>' in response.content.decode()
    drill = client.get(url, {"kind": "sighting", "zone": world.zone.pk, "drill": "on"})
    assert '<strong id="recipient-number">1</strong>' in drill.content.decode()
    empty = client.get(url, {"kind": "sighting"})
    assert "Choose a zone or a radius" in empty.content.decode()


def test_sighting_alert_refused_from_the_composer_before_confirmation(world):
    with scope(organization=world.org):
        report = services.create_report(world.dispatcher, world.network, what="vans",
                                        where="B St", latitude=CENTER[0], longitude=CENTER[1])
    client = login(Client(), world.dispatcher)
    url = reverse("rr_alert_compose", args=[world.org.slug, world.network.pk])
    response = client.post(url, {"kind": "sighting", "zone": world.zone.pk,
                                 "report": report.pk})
    assert response.status_code == 400
    assert "confirmed by responders" in response.content.decode()


def test_board_lists_newest_first(world):
    with scope(organization=world.org):
        first = services.create_report(world.dispatcher, world.network, what="first",
                                       where="A St")
        second = services.create_report(world.dispatcher, world.network, what="second",
                                        where="B St")
    client = login(Client(), world.dispatcher)
    page = client.get(reverse("rr_board_feed", args=[world.org.slug, world.network.pk]))
    text = page.content.decode()
    assert text.index(f"#{second.incident_id}") < text.index(f"#{first.incident_id}")


def test_leave_link_is_one_click(world):
    with scope(organization=world.org):
        token = world.subscriber("N1").leave_token
    client = Client()
    url = reverse("rr_public_leave", args=[token])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 200
    with scope(organization=world.org):
        assert world.subscriber("N1").left_at is not None
