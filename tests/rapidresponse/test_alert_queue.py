"""A large alert's later chunks through the real database queue and worker (as in
production: the dispatcher's transaction queues the nearest recipients, a worker the
rest), and what happens when a STOP or a second run lands while a chunk is planned."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django_scopes import scope
from django_tasks_db.models import DBTaskResult

from groundswell.messaging.inbound import receive_sms
from groundswell.messaging.models import Message
from groundswell.messaging.testing import OUR_NUMBER, deliver_outbox
from groundswell.rapidresponse import services
from groundswell.rapidresponse.models import Alert
from groundswell.rapidresponse.services import alerts
from tests.rapidresponse.conftest import CENTER

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_transaction_left_open(transactional_db):
    """These tests need the dispatcher's commit to run what it schedules (on_commit).
    Once, in a full run, all three failed as if it never did; if that comes back, say
    whether an earlier test left this connection inside a transaction."""
    assert not connection.in_atomic_block, "an earlier test left a transaction open"
    assert connection.get_autocommit(), "an earlier test left autocommit off"


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    yield


def _alert(world) -> Alert:
    report = services.submit_web_report(world.network, what="Vans", where="Front & Lehigh",
                                        latitude=CENTER[0], longitude=CENTER[1])
    services.override_report(world.dispatcher, report)
    target = services.make_target(world.network, zone=world.zone, radius_m=None,
                                  report=report)
    return services.send_alert(world.dispatcher, world.network, kind="sighting",
                               target=target, report=report)


def _outbox(alert: Alert) -> list[tuple[int, str, str]]:
    return list(Message.objects.filter(cause_key=f"rr-alert-{alert.pk}").order_by("priority")
                .values_list("priority", "person__given_name", "status"))


def test_the_worker_queues_the_rest_of_a_large_alert(world, database_queue, monkeypatch,
                                                     sms_gateway):
    monkeypatch.setattr(alerts, "FIRST_CHUNK", 2)
    monkeypatch.setattr(alerts, "CHUNK", 1)
    with scope(organization=world.org):
        alert = _alert(world)
        alert.refresh_from_db()
        # Committed: the two nearest are in the outbox, the rest waits for the worker.
        assert alert.recipients_count == 4 and len(alert.pending) == 2
        assert [name for _p, name, _s in _outbox(alert)] == ["N1", "R1"]
    task = DBTaskResult.objects.get(task_path__endswith="queue_alert_rest")
    assert task.status == "READY"

    call_command("worker", "--batch", "--interval", "0", "--no-startup-delay")

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL" and task.return_value == 2
    with scope(organization=world.org):
        alert.refresh_from_db()
        assert alert.pending == [] and alert.pending_from == 4
        rows = list(alert.recipients.order_by("position").values_list(
            "position", "subscriber__person__given_name"))
        assert rows == [(0, "N1"), (1, "R1"), (2, "N2"), (3, "R2")]
        assert [(p, n) for p, n, _s in _outbox(alert)] == rows
        deliver_outbox()
    # one text each (the sender claims them by priority, nearest first, and sends a
    # batch side by side, so the gateway's arrival order within a batch is not fixed)
    assert sorted(m.to for m in sms_gateway.messages) == sorted(
        world.phones[name] for _p, name in rows)


def test_a_stop_while_a_chunk_is_planned_is_honoured(world, monkeypatch, sms_gateway):
    """The chunk is planned outside the transaction that writes it; consent and opt-outs
    are asked again when it is written."""
    monkeypatch.setattr(alerts, "FIRST_CHUNK", 2)
    monkeypatch.setattr(alerts, "CHUNK", 5)
    planned = alerts._plan_chunk

    def plan_then_stop(alert, items, start):
        result = planned(alert, items, start)
        if start > 0:  # the worker's chunk: R2 texts STOP after it was planned
            receive_sms(world.org, from_number=world.phones["R2"], to_number=OUR_NUMBER,
                        body="STOP", provider_sid="SM-stop-late")
        return result

    monkeypatch.setattr(alerts, "_plan_chunk", plan_then_stop)
    with scope(organization=world.org):
        alert = _alert(world)  # the immediate backend runs the rest after the commit
        statuses = {name: status for _p, name, status in _outbox(alert)}
        assert statuses == {"N1": "queued", "R1": "queued", "N2": "queued",
                            "R2": "suppressed"}
        assert Message.objects.get(cause_key=f"rr-alert-{alert.pk}",
                                   person=world.people["R2"]).reason == "opted_out"
        deliver_outbox()
    alert_texts = {alert.body_en, alert.body_es}
    assert [m for m in sms_gateway.received_to(world.phones["R2"])
            if m.body in alert_texts] == []
    assert [m for m in sms_gateway.received_to(world.phones["N2"]) if m.body in alert_texts]


def test_a_chunk_another_run_queued_meanwhile_is_not_written_twice(world, monkeypatch):
    monkeypatch.setattr(alerts, "FIRST_CHUNK", 2)
    monkeypatch.setattr(alerts, "CHUNK", 5)
    planned = alerts._plan_chunk
    raced = []

    def plan_while_another_run_finishes(alert, items, start):
        result = planned(alert, items, start)
        if start > 0 and not raced:
            raced.append(start)
            assert services.queue_pending(alert.pk) == 2  # the other run, first
        return result

    monkeypatch.setattr(alerts, "_plan_chunk", plan_while_another_run_finishes)
    with scope(organization=world.org):
        alert = _alert(world)
        alert.refresh_from_db()
        assert raced == [2] and alert.pending == [] and alert.pending_from == 4
        assert alert.recipients.count() == 4
        assert [p for p, _n, _s in _outbox(alert)] == [0, 1, 2, 3]
