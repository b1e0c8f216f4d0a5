"""The real database queue and worker: an invitation email waits in the queue until
a worker runs it, and the worker reports its heartbeat."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django_scopes import scope
from django_tasks_db.models import DBTaskResult

from groundswell.core import services
from groundswell.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    yield


def test_invitation_mail_is_sent_by_the_worker(personas, database_queue, client):
    with scope(organization=personas.org):
        services.invite_member(personas.member("admin"), email="later@example.org",
                               role="canvasser")
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert mail.outbox == []

    call_command("worker", "--batch", "--interval", "0", "--worker-id", "test-worker")

    assert [m.to for m in mail.outbox] == [["later@example.org"]]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert WorkerHeartbeat.objects.filter(worker_id="test-worker").exists()
    assert client.get("/health").json()["worker"] == "ok"


def test_withdrawn_invitation_is_not_mailed(personas, database_queue):
    with scope(organization=personas.org):
        invitation = services.invite_member(personas.member("admin"),
                                            email="never@example.org", role="canvasser")
        services.revoke_invitation(personas.member("admin"), invitation)
    call_command("worker", "--batch", "--interval", "0")
    assert mail.outbox == []
