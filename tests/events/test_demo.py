from __future__ import annotations

import pytest
from django_scopes import scope

from groundswell.demo import events as demo_events
from groundswell.demo import people as demo_people
from groundswell.events import followups, reports
from groundswell.events.models import Attendance, Event, FollowUp, Shift

pytestmark = pytest.mark.django_db


def test_demo_block_party_follow_ups_and_upcoming_shifts(personas):
    org = personas.org
    with scope(organization=org):
        demo_people.load(org)
        assert demo_events.load(org) is True
        party = Event.objects.get(title_en=demo_events.PARTY_TITLE)
        assert Attendance.objects.filter(event=party).count() == 150
        assert Attendance.objects.filter(event=party, new_person=True).count() == 22
        figures = reports.figures(party)
        assert figures.later_visited > 0 and figures.later_action > 0
        assert figures.later_grievance > 0 and figures.joined_rapid_response > 0
        assert FollowUp.objects.filter(event=party).count() == 22
        organizer = personas.member("organizer")
        assert followups.follow_up_list(party, organizer, "not_contacted", 7).exists()
        upcoming = Event.objects.get(title_en="Fall Block Party on Somerset")
        assert Shift.objects.filter(event=upcoming).count() == 6
        assert demo_events.load(org) is False
        assert Attendance.objects.filter(event=party).count() == 150
