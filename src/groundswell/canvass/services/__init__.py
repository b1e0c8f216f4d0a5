"""Door-knocking writes: efforts and their scripts, walk lists in walking order,
revisit lists, and syncing door visits recorded on phones (idempotent by the phone's
own id). Every visit with a person lands on that person's timeline, and script
answers act through the people services (tags, grievances, engagement ratings,
consent to rapid-response alerts with the exact wording shown).

One module per kind of thing; import the package (``from groundswell.canvass import
services``) and call ``services.<name>``.
"""

from groundswell.canvass.services.efforts import (  # noqa: F401
    add_question,
    create_effort,
    remove_question,
    update_effort,
)
from groundswell.canvass.services.progress import (  # noqa: F401
    progress,
)
from groundswell.canvass.services.sync import (  # noqa: F401
    MAX_AGE,
    MAX_ANSWER,
    MAX_NOTES,
    MAX_VISITS_PER_SYNC,
    MalformedPayload,
    SyncResult,
    VisitIn,
    VisitRefused,
    clock_offset,
    judge_time,
    parse_payload,
    parse_visit,
    sync_visits,
)
from groundswell.canvass.services.walk_lists import (  # noqa: F401
    REVISIT_OUTCOMES,
    PeopleWalkList,
    app_data,
    create_revisit_list,
    create_walk_list,
    create_walk_list_for_people,
    last_outcomes,
    set_walk_list_start,
    update_walk_list,
    visible_households,
)
