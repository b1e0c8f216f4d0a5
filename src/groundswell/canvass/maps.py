"""Door outcomes on geo's households map (registered in CanvassConfig.ready())."""

from __future__ import annotations

from groundswell.canvass.models import DoorVisit
from groundswell.canvass.services import last_outcomes
from groundswell.geo.maps import NO_DATA_COLOR

OUTCOME_COLORS = {
    "talked": "#1e6b3a", "not_home": "#b36b00", "come_back": "#d9a400", "refused": "#b3261e",
    "moved": "#6b2fb3", "vacant": "#5b6170", "inaccessible": "#2c2c2c",
}


def outcome_colors(household_ids: list[int]) -> dict[int, tuple[str, str]]:
    """The last door visit's outcome at each household."""
    labels = dict(DoorVisit.Outcome.choices)
    return {pk: (OUTCOME_COLORS.get(visit.outcome, NO_DATA_COLOR), str(labels[visit.outcome]))
            for pk, visit in last_outcomes(household_ids).items()}
