"""Domain operations on people; see records.py (and the modules beside it)."""

from groundswell.people.services.exports import export_people  # noqa: F401
from groundswell.people.services.forget import forget_person  # noqa: F401
from groundswell.people.services.lists import save_list  # noqa: F401
from groundswell.people.services.merge import (  # noqa: F401
    dismiss_duplicate,
    find_duplicates,
    merge_people,
    undo_merge,
)
from groundswell.people.services.records import *  # noqa: F403
