"""When something that happened on a day can be recorded: one rule, shared by the kiosk's
sign-ins and the distribution table (issue 17).

From the day before (a table set up and a tablet tested the evening before) until
``DAYS_AFTER`` days after the last day (paper sign-in sheets typed in the following week).
Days are the organization's local days. Pure: no Django import.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum

DAYS_BEFORE = 1
DAYS_AFTER = 14


class Too(Enum):
    EARLY = "early"
    LATE = "late"


def window(first_day: date, last_day: date | None = None) -> tuple[date, date]:
    """The first and the last day on which something of these days can be recorded."""
    last_day = max(last_day or first_day, first_day)
    return first_day - timedelta(days=DAYS_BEFORE), last_day + timedelta(days=DAYS_AFTER)


def outside(today: date, first_day: date, last_day: date | None = None) -> Too | None:
    """None when ``today`` is inside the window, else whether it is too early or too late."""
    opens, closes = window(first_day, last_day)
    if today < opens:
        return Too.EARLY
    if today > closes:
        return Too.LATE
    return None
