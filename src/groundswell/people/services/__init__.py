"""Domain operations on people; see records.py (and the modules beside it)."""

from groundswell.people.services.lists import save_list  # noqa: F401
from groundswell.people.services.records import *  # noqa: F403
from groundswell.people.services.records import InvalidInput  # noqa: F401
