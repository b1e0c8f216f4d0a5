"""The rapid-response services end to end against the outbox and the local gateway:
verification by the nearest responders, confirmation, alerts nearest first in each
subscriber's language, overrides, expiry, all-clear, STOP, purge."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_scopes import scope

from groundswell.core.errors import DomainError, InvalidInput
from groundswell.core.models import AuditEvent
from groundswell.messaging.models import Message
from groundswell.messaging.testing import deliver_outbox
from groundswell.rapidresponse import services
from groundswell.rapidresponse.models import (
    Alert,
    AlertRecipient,
    Incident,
    Report,
    VerificationRequest,
)
from groundswell.rapidresponse.services import alerts
from tests.rapidresponse.conftest import BOW_TIE, CENTER

pytestmark = pytest.mark.django_db


def _report(world, **kwargs):
    defaults = {"what": "Two unmarked vans, agents at a door", "where": "Front & Lehigh",
                "latitude": CENTER[0], "longitude": CENTER[1]}
    return services.submit_web_report(world.network, **{**defaults, **kwargs})


def _reply(world, name, text):
    from groundswell.people.models import ContactPoint

    person = world.people[name]
    contact = ContactPoint.objects.get(person=person)
    return services.handle_hotline_text(world.org, world.network, contact=contact,
                                        person=person, body=text)


def test_verification_asks_the_nearest_available_responders(world, sms_gateway):
    with scope(organization=world.org):
        services.update_subscriber(world.admin, world.subscriber("R1"), role="responder",
                                   language="es", drills=False, available=False,
                                   radius_m=800)
        report = _report(world)
        asked = services.request_verification(world.dispatcher, report)
        assert [r.subscriber.person.given_name for r in asked] == ["R2", "R3"]
        report.refresh_from_db()
        assert report.state == "verifying"
        deliver_outbox()
    assert len(sms_gateway.received_to(world.phones["R2"])) == 1
    english = sms_gateway.received_to(world.phones["R3"])[0].body
    assert "VERIFY:" in english and "Reply 1" in english
    assert "VERIFICAR" in sms_gateway.received_to(world.phones["R2"])[0].body
    assert sms_gateway.received_to(world.phones["R1"]) == []


def test_alert_needs_confirmation_then_goes_nearest_first_in_each_language(world,
                                                                          sms_gateway):
    with scope(organization=world.org):
        report = _report(world)
        target = services.make_target(world.network, zone=world.zone, radius_m=None,
                                      report=report)
        with pytest.raises(DomainError):
            services.send_alert(world.dispatcher, world.network, kind="sighting",
                                target=target, report=report)
        services.request_verification(world.dispatcher, report)
        assert _reply(world, "R1", "1").kind == "reply"
        report.refresh_from_db()
        assert report.state == "verifying"
        with pytest.raises(DomainError):
            services.send_alert(world.dispatcher, world.network, kind="sighting",
                                target=target, report=report)
        _reply(world, "R2", " 1 ")
        report.refresh_from_db()
        assert report.state == "confirmed"
        alert = services.send_alert(world.dispatcher, world.network, kind="sighting",
                                    target=target, report=report)
        assert not alert.unverified
        order = [r.subscriber.person.given_name
                 for r in alert.recipients.select_related("subscriber__person")]
        assert order == ["N1", "R1", "N2", "R2"]  # inside the zone, nearest first
        priorities = list(Message.objects.filter(cause_key=f"rr-alert-{alert.pk}")
                          .order_by("priority").values_list("person__given_name", flat=True))
        assert priorities == order
        deliver_outbox(threads=1)  # one at a time: arrival order is claim order
    got = {name: [m.body for m in sms_gateway.received_to(world.phones[name])]
           for name in world.people}
    assert got["N3"] == [] and got["R3"] == []  # outside the zone, and R3 was not asked
    assert [b for b in got["N1"] if b.startswith("ALERTA")]
    assert [b for b in got["N2"] if b.startswith("ALERT ")]
    sent_order = [m.to for m in sorted(sms_gateway.messages, key=lambda m: m.at)
                  if m.body.startswith(("ALERT", "ALERTA"))]
    assert sent_order == [world.phones[n] for n in order]


def test_override_labels_the_alert_unverified_in_both_languages(world, sms_gateway):
    with scope(organization=world.org):
        report = _report(world)
        services.override_report(world.dispatcher, report)
        target = services.make_target(world.network, zone=None, radius_m=250, report=report)
        alert = services.send_alert(world.dispatcher, world.network, kind="sighting",
                                    target=target, report=report)
        assert alert.unverified
        assert alert.body_en.startswith("UNVERIFIED.")
        assert alert.body_es.startswith("NO VERIFICADO.")
        assert alert.recipients_count == 3  # N1 50 m, R1 100 m, N2 200 m


def test_no_alert_after_expiry_and_a_late_reply_is_kept(world, sms_gateway):
    with scope(organization=world.org):
        report = _report(world)
        services.request_verification(world.dispatcher, report)
        with time_machine.travel(timezone.now() + timedelta(minutes=121)):
            assert services.expire_reports(world.org) == 1
            result = _reply(world, "R1", "1")
            assert result.kind == "late_reply"
            request = VerificationRequest.objects.get(report=report,
                                                      subscriber=world.subscriber("R1"))
            assert request.late_reply == "confirmed" and request.reply == ""
            report.refresh_from_db()
            assert report.state == "expired"
            target = services.make_target(world.network, zone=world.zone, radius_m=None,
                                          report=report)
            with pytest.raises(DomainError):
                services.override_report(world.dispatcher, report)
            with pytest.raises(DomainError):
                services.send_alert(world.dispatcher, world.network, kind="sighting",
                                    target=target, report=report)
        assert not Alert.objects.exists()


def test_a_subscriber_who_texted_stop_gets_nothing(world, sms_gateway):
    from groundswell.messaging.inbound import receive_sms

    with scope(organization=world.org):
        receive_sms(world.org, from_number=world.phones["N1"], to_number="+12155550100",
                    body="BAJA", provider_sid="SM-stop-1")
        report = _report(world)
        services.override_report(world.dispatcher, report)
        target = services.make_target(world.network, zone=world.zone, radius_m=None,
                                      report=report)
        alert = services.send_alert(world.dispatcher, world.network, kind="sighting",
                                    target=target, report=report)
        names = set(alert.recipients.values_list("subscriber__person__given_name",
                                                 flat=True))
        assert "N1" not in names
        deliver_outbox()
    # only the confirmation of the opt-out itself
    bodies = [m.body for m in sms_gateway.received_to(world.phones["N1"])]
    assert len(bodies) == 1 and "se ha dado de baja" in bodies[0], bodies


def test_all_clear_goes_to_the_same_recipients(world, sms_gateway):
    with scope(organization=world.org):
        report = _report(world)
        services.override_report(world.dispatcher, report)
        target = services.make_target(world.network, zone=world.zone, radius_m=None,
                                      report=report)
        alert = services.send_alert(world.dispatcher, world.network, kind="sighting",
                                    target=target, report=report)
        clear = services.send_all_clear(world.dispatcher, alert)
        assert list(clear.recipients.values_list("subscriber", flat=True)) == \
            list(alert.recipients.values_list("subscriber", flat=True))
        with pytest.raises(DomainError):
            services.send_all_clear(world.dispatcher, alert)
        deliver_outbox()
    assert any(m.body.startswith("FIN DE LA ALERTA")
               for m in sms_gateway.received_to(world.phones["N1"]))


def test_drills_go_only_to_drill_opt_ins_labeled(world, sms_gateway):
    with scope(organization=world.org):
        target = services.make_target(world.network, zone=world.zone, radius_m=None,
                                      report=None)
        alert = services.send_alert(world.dispatcher, world.network, kind="sighting",
                                    target=target, drill=True, details="Front & Lehigh")
        assert alert.recipients_count == 1
        assert alert.body_en.startswith("DRILL") and alert.body_es.startswith("SIMULACRO")
        deliver_outbox()
    assert sms_gateway.received_to(world.phones["N2"])[0].body.startswith("DRILL")


def test_sms_report_join_and_unknown_reply(world, sms_gateway):
    from groundswell.messaging.inbound import receive_sms

    with scope(organization=world.org):
        got = receive_sms(world.org, from_number="+12155559901", to_number="+12155550100",
                          body="Migra en la esquina de Front y Lehigh",
                          provider_sid="SM-report-1")
        report = Report.objects.get()
        assert report.source == "sms" and report.reporter_phone == "+12155559901"
        assert got.message.handled_by == "confidential" and got.message.body == ""
        # "1" from a number that was never asked: a clear answer, the text kept.
        receive_sms(world.org, from_number="+12155559902", to_number="+12155550100",
                    body="1", provider_sid="SM-unknown-1")
        assert Report.objects.count() == 1
        receive_sms(world.org, from_number="+12155559903", to_number="+12155550100",
                    body="UNIRSE", provider_sid="SM-join-1")
        deliver_outbox()
    assert "recibimos" in sms_gateway.received_to("+12155559901")[0].body
    assert "no encontramos" in sms_gateway.received_to("+12155559902")[0].body.lower()
    assert "/r/leave/" in sms_gateway.received_to("+12155559903")[0].body


def test_self_intersecting_zone_is_refused_and_changes_nothing(world):
    with scope(organization=world.org):
        before = world.network.zones.count()
        with pytest.raises(InvalidInput) as error:
            services.save_zone(world.admin, world.network, name="Bow tie",
                               geometry_json=json.dumps(BOW_TIE))
        assert "cross" in error.value.message
        assert world.network.zones.count() == before


def test_retention_purges_reports_and_places_keeps_counts(world, sms_gateway):
    with scope(organization=world.org):
        report = _report(world)
        services.request_verification(world.dispatcher, report)
        _reply(world, "R1", "1")
        _reply(world, "R2", "1")
        target = services.make_target(world.network, zone=world.zone, radius_m=None,
                                      report=report)
        services.send_alert(world.dispatcher, world.network, kind="sighting",
                            target=target, report=report)
        _report(world, what="Another", where="B St")
        with time_machine.travel(timezone.now() + timedelta(days=29)):
            assert services.purge_expired(world.org).reports == 0
        with time_machine.travel(timezone.now() + timedelta(days=31)):
            result = services.purge_expired(world.org)
        assert result.reports == 2
        assert Report.objects.count() == 0
        assert VerificationRequest.objects.count() == 0
        assert AlertRecipient.objects.count() == 0 and Alert.objects.count() == 0
        assert not Message.objects.filter(cause_key__startswith="rr-alert-").exists()
        incidents = list(Incident.objects.order_by("pk"))
        assert [i.state for i in incidents] == ["confirmed", "new"]
        assert incidents[0].responders_confirmed == 2 and incidents[0].recipients == 4
        assert all(i.purged_at for i in incidents)
        event = AuditEvent.objects.filter(code="rapidresponse.retention.purged").get()
        assert set(event.data) == {"reports", "alerts", "retention_days"}


def test_dispatcher_purges_one_report_at_once(world):
    with scope(organization=world.org):
        report = _report(world)
        incident_id = services.purge_report(world.dispatcher, report)
        assert not Report.objects.exists()
        assert Incident.objects.get(pk=incident_id).purged_at is not None


def test_reveal_needs_an_admin_and_is_audited(world, sms_gateway):
    from django.core.exceptions import PermissionDenied

    from groundswell.messaging.inbound import receive_sms

    with scope(organization=world.org):
        receive_sms(world.org, from_number="+12155559911", to_number="+12155550100",
                    body="agents on B st", provider_sid="SM-r-2")
        report = Report.objects.get()
        with pytest.raises(PermissionDenied):
            services.reveal_reporter(world.dispatcher, report)
        assert services.reveal_reporter(world.admin, report) == "+12155559911"
        event = AuditEvent.objects.get(code="rapidresponse.reporter.revealed")
        assert "5559911" not in json.dumps(event.data)


def test_consent_withdrawn_leaves_on_sync_and_leave_link(world):
    from groundswell.people import services as people

    with scope(organization=world.org):
        people.withdraw_consent(world.admin, world.people["N3"], channel="sms",
                                purpose="rapid_response")
        result = services.sync_subscribers(world.admin, world.network)
        assert result.left == 1
        token = world.subscriber("N2").leave_token
    services.leave_by_token(token)
    with scope(organization=world.org):
        assert world.subscriber("N2").left_at is not None
        assert not world.people["N2"].consents.filter(withdrawn_at__isnull=True).exists()


def test_purge_command_expires_and_purges_with_a_controlled_clock(world):
    import io

    from django.core.management import call_command

    with scope(organization=world.org):
        _report(world)
    out = io.StringIO()
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        call_command("purge_rapid_response", stdout=out)
    assert "1 expired, 1 reports" in out.getvalue()
    with scope(organization=world.org):
        assert not Report.objects.exists()
        incident = Incident.objects.get()
        assert incident.state == "expired" and incident.purged_at is not None


def test_maintenance_task_runs_inline_without_rescheduling(world):
    from groundswell.rapidresponse.tasks import maintain_rapid_response, schedule

    with scope(organization=world.org):
        _report(world)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        result = maintain_rapid_response.enqueue(world.org.pk)
    assert result.return_value == 2  # expired, then purged
    assert schedule(world.org.pk) is False  # the test backend runs tasks inline


def test_large_alerts_queue_the_nearest_first_then_the_rest_in_chunks(
        world, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(alerts, "FIRST_CHUNK", 2)
    monkeypatch.setattr(alerts, "CHUNK", 1)
    with scope(organization=world.org):
        report = _report(world)
        services.override_report(world.dispatcher, report)
        target = services.make_target(world.network, zone=world.zone, radius_m=None,
                                      report=report)
        with django_capture_on_commit_callbacks(execute=True):
            alert = services.send_alert(world.dispatcher, world.network, kind="sighting",
                                        target=target, report=report)
        alert.refresh_from_db()
        assert alert.pending == [] and alert.recipients_count == 4
        rows = list(alert.recipients.order_by("position").values_list(
            "position", "subscriber__person__given_name"))
        assert rows == [(0, "N1"), (1, "R1"), (2, "N2"), (3, "R2")]
        messages = list(Message.objects.filter(cause_key=f"rr-alert-{alert.pk}")
                        .order_by("priority").values_list("priority", "person__given_name"))
        assert messages == rows
        assert services.queue_pending(alert.pk) == 0  # nothing left, harmless to repeat


def test_unknown_number_texting_baja_to_the_hotline_is_suppressed_without_a_person(
        world, sms_gateway):
    """STOP (here BAJA) from a number nobody has, sent to the hotline: the number is on the
    suppression list and gets the one confirmation, and no person is made for it."""
    from groundswell.messaging.inbound import receive_sms
    from groundswell.messaging.models import Suppression
    from groundswell.people.models import Person
    from groundswell.people.services.records import people_with_phone

    with scope(organization=world.org):
        before = Person.objects.count()
        receive_sms(world.org, from_number="+12155559931", to_number="+12155550100",
                    body="BAJA", provider_sid="SM-baja-unknown")
        assert Person.objects.count() == before
        assert people_with_phone(world.org, "+12155559931") == []
        assert Suppression.objects.filter(lifted_at__isnull=True).count() == 1
        deliver_outbox()
    confirmation = sms_gateway.received_to("+12155559931")
    assert len(confirmation) == 1 and "START" in confirmation[0].body


@pytest.mark.parametrize("text", ["Please stop texting me", "no me manden más mensajes",
                                  "unsubscribe", "Quítenme de la lista"])
def test_asking_to_stop_in_words_on_the_hotline_is_stop_not_a_report(world, sms_gateway,
                                                                      text):
    """Issue 15: "please stop texting me" became a sighting report and the sender still
    got the next alert."""
    from groundswell.messaging.inbound import receive_sms

    with scope(organization=world.org):
        receive_sms(world.org, from_number=world.phones["N1"], to_number="+12155550100",
                    body=text, provider_sid="SM-words-stop")
        assert not Report.objects.exists()
        report = _report(world)
        services.override_report(world.dispatcher, report)
        target = services.make_target(world.network, zone=world.zone, radius_m=None,
                                      report=report)
        alert = services.send_alert(world.dispatcher, world.network, kind="sighting",
                                    target=target, report=report)
        names = set(alert.recipients.values_list("subscriber__person__given_name",
                                                 flat=True))
        assert "N1" not in names and names
        deliver_outbox()
    bodies = [m.body for m in sms_gateway.received_to(world.phones["N1"])]
    assert len(bodies) == 1 and "START" in bodies[0], bodies  # the confirmation only


def test_an_unclear_text_to_the_hotline_goes_to_the_inbox_not_a_report(world, sms_gateway):
    from groundswell.messaging.inbound import receive_sms
    from groundswell.messaging.models import Conversation, Suppression

    with scope(organization=world.org):
        receive_sms(world.org, from_number=world.phones["N1"], to_number="+12155550100",
                    body="Stop. Who is this?", provider_sid="SM-unclear-hotline")
        assert not Report.objects.exists()
        assert not Suppression.objects.exists()
        conversation = Conversation.objects.get(person=world.people["N1"])
        assert conversation.needs_review
        # a sighting with a stop word inside is still a report
        receive_sms(world.org, from_number=world.phones["N2"], to_number="+12155550100",
                    body="ICE vans at the bus stop on Front and Lehigh",
                    provider_sid="SM-bus-stop")
        assert Report.objects.count() == 1


def test_a_confirmation_heard_by_phone_or_in_person_counts_as_a_verification(world):
    from django.core.exceptions import PermissionDenied

    from groundswell.rapidresponse.models import DirectConfirmation

    with scope(organization=world.org):
        report = _report(world)
        now = timezone.now()
        for bad, field in (({"who": " "}, "who"), ({"who": "x" * 121}, "who"),
                           ({"how": "telepathy"}, "how"),
                           ({"observed_at": now + timedelta(hours=1)}, "observed_at"),
                           ({"observed_at": now - timedelta(days=3)}, "observed_at")):
            values = {"who": "Don Luis", "how": "phone", "observed_at": now, **bad}
            with pytest.raises(InvalidInput) as caught:
                services.record_direct_confirmation(world.dispatcher, report, **values)
            assert caught.value.field == field
        with pytest.raises(PermissionDenied):
            services.record_direct_confirmation(world.admin.__class__.objects.get(
                organization=world.org, role="canvasser"), report, who="Don Luis",
                how="phone", observed_at=now)
        assert not DirectConfirmation.objects.exists()

        services.record_direct_confirmation(world.dispatcher, report, who="Don Luis",
                                            how="phone", observed_at=now)
        report.refresh_from_db()
        assert report.state == "new"  # one of the two confirmations needed
        services.record_direct_confirmation(world.dispatcher, report, who="Marisol",
                                            how="in_person", observed_at=now)
        report.refresh_from_db()
        assert report.state == "confirmed" and report.overridden_at is None
        assert report.incident.responders_confirmed == 2
        assert DirectConfirmation.objects.get(how="phone").who == "Don Luis"
        from django.db import connection

        from groundswell.core.crypto import PREFIX
        with connection.cursor() as cursor:  # sealed at rest: a dump shows no name
            cursor.execute("SELECT who FROM rapidresponse_directconfirmation")
            assert all(row[0].startswith(f"{PREFIX}:") for row in cursor.fetchall())
        recorded = AuditEvent.objects.filter(code="rapidresponse.verification.recorded")
        assert recorded.count() == 2 and "Don Luis" not in json.dumps(recorded[0].data)
        # Closed reports take no more confirmations; purging takes them with it.
        services.close_report(world.dispatcher, report, outcome="false_alarm")
        with pytest.raises(DomainError):
            services.record_direct_confirmation(world.dispatcher, report, who="Late",
                                                how="phone", observed_at=now)
        services.purge_report(world.dispatcher, report)
        assert not DirectConfirmation.objects.exists()
