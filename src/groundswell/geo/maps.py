"""The households map: each placed household a point, coloured by one of the colourings.

Geo colours by engagement stage itself. A higher area that knows something about each
household (canvass: the last door visit) adds a colouring from its AppConfig.ready()
with ``register_coloring``, so geo never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from groundswell.people.models import Household, Person, Residence

STAGE_COLORS = ["#9aa0ac", "#6a8fd0", "#2f7fb5", "#1e6b3a", "#b36b00", "#b3261e", "#6b2fb3"]
NO_DATA_COLOR = "#c9ccd3"

#: household ids → {household id: (colour, legend label)}; a household left out has no data.
Colors = Callable[[list[int]], dict[int, tuple[str, str]]]


@dataclass(frozen=True)
class Coloring:
    key: str  # the map's ?color= value
    label: Promise | str  # the tab
    colors: Colors
    no_data: Promise | str  # the legend label of a household it has nothing on


_COLORINGS: dict[str, Coloring] = {}


def register_coloring(coloring: Coloring) -> None:
    if coloring.key in _COLORINGS:
        raise ValueError(f"Map colouring registered twice: {coloring.key!r}")
    _COLORINGS[coloring.key] = coloring


def colorings() -> list[Coloring]:
    return list(_COLORINGS.values())


def coloring(key: str) -> Coloring:
    """The colouring asked for, or the first (by stage) for anything else."""
    return _COLORINGS.get(key) or next(iter(_COLORINGS.values()))


def _stage_colors(household_ids: list[int]) -> dict[int, tuple[str, str]]:
    """The highest stage of anyone living in each household."""
    best: dict[int, tuple[int, str]] = {}
    residences = Residence.objects.filter(household_id__in=household_ids, ended_on__isnull=True,
                                          person__in=Person.objects.active()) \
        .select_related("person__stage", "person__computed_stage")
    for residence in residences:
        stage = residence.person.current_stage
        if stage is None:
            continue
        if residence.household_id not in best or best[residence.household_id][0] < stage.position:
            best[residence.household_id] = (stage.position, stage.name)
    return {pk: (STAGE_COLORS[min(position, len(STAGE_COLORS) - 1)], name)
            for pk, (position, name) in best.items()}


register_coloring(Coloring("stage", _("Engagement stage"), _stage_colors, _("Nobody known")))


def household_features(households: list[Household], color_by: str, slug: str,
                       link: bool = True) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A GeoJSON FeatureCollection of placed households and the legend for it."""
    chosen = coloring(color_by)
    colors = chosen.colors([h.pk for h in households])
    legend: dict[str, str] = {}
    features = []
    for h in households:
        if h.address.latitude is None:
            continue
        fill, label = colors.get(h.pk) or (NO_DATA_COLOR, str(chosen.no_data))
        legend[label] = fill
        props = {"label": f"{h} · {label}", "color": fill, "kind": "household"}
        if link:
            props["href"] = reverse("household", args=[slug, h.pk])
        features.append({"type": "Feature", "properties": props, "geometry": {
            "type": "Point", "coordinates": [float(h.address.longitude),  # type: ignore
                                             float(h.address.latitude)]}})
    return {"type": "FeatureCollection", "features": features}, sorted(legend.items())
