"""Permission-matrix rows for door knocking (tests/matrix.py explains the shape). The
canvasser app is for every role that knocks; a canvasser opens only the lists assigned
to them (the world assigns its list to the organization's canvassers)."""

from __future__ import annotations

from groundswell.canvass.models import Effort, Question, WalkList
from tests.matrix import ADMIN, CANVASSER, ORGANIZER, ORGANIZERS, org

KNOCKERS = (ADMIN, ORGANIZER, CANVASSER)

EXPECTED = {
    "efforts": org(ORGANIZERS),
    "effort_create": org(ORGANIZERS),
    "effort": org(ORGANIZERS),
    "effort_edit": org(ORGANIZERS),
    "question_add": org(ORGANIZERS, ok=405),  # POST only
    "question_remove": org(ORGANIZERS, ok=405),  # POST only
    "walklist_create": org(ORGANIZERS),
    "walklist": org(ORGANIZERS),
    "walklist_revisit": org(ORGANIZERS, ok=405),  # POST only
    "walklist_start": org(KNOCKERS, ok=405),  # POST only; a canvasser: their lists
    "canvass_app": org(KNOCKERS),
    "my_lists": org(KNOCKERS),
    "canvass_sync": org(KNOCKERS, ok=405),  # POST only (JSON)
    "canvass_sw": org(KNOCKERS),
    "canvass_manifest": org(KNOCKERS),
}
PK_KINDS = {
    "effort": "effort", "effort_edit": "effort", "question_add": "effort",
    "walklist_create": "effort", "question_remove": "question", "walklist": "walk_list",
    "walklist_revisit": "walk_list", "walklist_start": "walk_list",
    "canvass_app": "walk_list",
}
MODELS = {"effort": Effort, "question": Question, "walk_list": WalkList}
PAYLOADS = {
    "effort_edit": [{"name": "Taken over", "archived": "on"}],
    "question_add": [{"kind": "yes_no", "text_en": "x?", "text_es": "x?"}],
    "walklist": [{"name": "Taken over", "archived": "on"}],
    "walklist_start": [{"start": "39.984, -75.133"}],
}


def world(org, admin) -> dict[str, int]:
    from groundswell.core.models import Membership, Role
    from tests.canvass.helpers import walk_list

    canvassers = list(Membership.objects.filter(role=Role.CANVASSER))
    wl, _residents, questions = walk_list(admin, canvassers, count=2)
    return {"effort": wl.effort_id, "question": questions["when"].pk, "walk_list": wl.pk}
