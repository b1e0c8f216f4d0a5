"""What forgetting a person erases in events (registered in EventsConfig.ready()):
their RSVPs, shift sign-ups and follow-ups. Attendance rows stay, with the forgotten
person's anonymous record and nothing else about them (time, how they signed in): an
event's attendance count stays true."""

from __future__ import annotations

from groundswell.events.models import RSVP, FollowUp, ShiftSignup
from groundswell.people.services.forget import Forgetting


def erase_person(forgetting: Forgetting) -> dict[str, int]:
    ids = forgetting.person_ids
    return {
        "rsvps": RSVP.objects.filter(person_id__in=ids).delete()[0],
        "shift_signups": ShiftSignup.objects.filter(person_id__in=ids).delete()[0],
        "follow_ups": FollowUp.objects.filter(person_id__in=ids).delete()[0],
    }
