"""What forgetting a person erases at the door (registered in CanvassConfig.ready()):
the notes and answers of every visit where they answered, or where they were added.
The visit itself stays (its household, outcome and time): door counts and contact
rates stay true, and it names no one once the person is forgotten."""

from __future__ import annotations

from groundswell.canvass.models import DoorVisit
from groundswell.people.services.forget import Forgetting


def erase_person(forgetting: Forgetting) -> dict[str, int]:
    visits = 0
    for visit in DoorVisit.objects.filter(person_id__in=forgetting.person_ids):
        if visit.notes or visit.answers:
            visit.notes, visit.answers = "", {}
            visit.save(update_fields=["notes", "answers"])
            visits += 1
    return {"door_visits": visits}
