"""Report arithmetic for events, pure Python (no Django import): shares of people
reached as whole percentages, and the funnel's consistency."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Figures:
    """One event's counts. Every ``later_*`` count is a subset of ``reached``."""

    reached: int = 0  # distinct people signed in
    households: int = 0  # distinct households of those people (where known)
    new: int = 0  # met for the first time at this event
    rsvps: int = 0  # people who RSVP'd (not cancelled)
    rsvp_came: int = 0  # of those, signed in
    later_visited: int = 0  # got a door visit after the event
    later_grievance: int = 0  # raised a grievance on or after the event's day
    later_action: int = 0  # came to a campaign action (meeting, hearing, picket) after
    joined_rapid_response: int = 0  # consented to rapid-response alerts since the event

    @property
    def returning(self) -> int:
        return self.reached - self.new

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                          for f in fields(self)})


CONVERSIONS = ("later_visited", "later_grievance", "later_action", "joined_rapid_response")


def percent(part: int, whole: int) -> int:
    """``part`` of ``whole`` as a whole percentage, rounded half up; 0 of nothing is 0."""
    if whole <= 0:
        return 0
    if part < 0 or part > whole:
        raise ValueError("a part must be between 0 and the whole")
    return (200 * part + whole) // (2 * whole)


def conversion_rates(figures: Figures) -> dict[str, int]:
    return {name: percent(getattr(figures, name), figures.reached) for name in CONVERSIONS}


def consistent(figures: Figures) -> bool:
    """Counts that could all be true at once."""
    reached = figures.reached
    return (all(getattr(figures, f.name) >= 0 for f in fields(figures))
            and figures.new <= reached and figures.households <= reached
            and figures.rsvp_came <= min(figures.rsvps, reached)
            and all(getattr(figures, name) <= reached for name in CONVERSIONS))


__all__ = ["CONVERSIONS", "Figures", "consistent", "conversion_rates", "percent"]
