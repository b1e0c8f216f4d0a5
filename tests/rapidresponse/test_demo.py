"""The demo network (demo/rapidresponse.py) on the demo households."""

from __future__ import annotations

import pytest
from django_scopes import scope

from groundswell.core.models import Role
from groundswell.demo import people as demo_people
from groundswell.demo import rapidresponse as demo_rr
from groundswell.rapidresponse.models import Alert, Incident, Subscriber
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_demo_network_with_subscribers_responders_incidents_and_a_drill(personas):
    org = personas.org
    make_member(org, Role.DISPATCHER)
    with scope(organization=org):
        demo_people.load(org)
        assert demo_rr.load(org) is True
        subscribers = Subscriber.objects.filter(left_at__isnull=True)
        assert 200 <= subscribers.count() <= 450
        roles = list(subscribers.values_list("role", flat=True))  # sealed: read, then count
        assert roles.count("responder") == 10
        assert roles.count("legal_observer") == 2
        assert sorted(Incident.objects.values_list("state", flat=True)) == [
            "confirmed", "false_alarm"]
        drill = Alert.objects.get(is_drill=True)
        assert drill.recipients_count > 0
        assert not drill.recipients.filter(subscriber__drills=False).exists()
        assert Alert.objects.filter(kind="all_clear").count() == 1
        assert demo_rr.load(org) is False  # idempotent
        assert Incident.objects.count() == 2
