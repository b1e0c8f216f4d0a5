"""Quiet hours (pure, no Django): when a non-emergency text queued at a local time may
go out. The window may cross midnight (21:00–08:00) or not (13:00–14:00); equal start
and end means no quiet hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def release_time(local: datetime, start: time, end: time) -> datetime:
    """``local`` itself when outside quiet hours, else the end of the window (same
    time zone as ``local``)."""
    if not in_quiet_hours(local.timetz().replace(tzinfo=None), start, end):
        return local
    at_end = {"hour": end.hour, "minute": end.minute, "second": end.second,
              "microsecond": end.microsecond}
    candidate = local.replace(**at_end)
    if candidate <= local:
        candidate = (local + timedelta(days=1)).replace(**at_end)
    return candidate
