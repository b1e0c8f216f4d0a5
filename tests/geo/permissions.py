"""Permission-matrix rows for the geography area (tests/matrix.py explains the shape)."""

from __future__ import annotations

from groundswell.geo.models import Turf
from tests.canvass.helpers import TURF, block
from tests.matrix import ORGANIZERS, org

EXPECTED = {
    "geo_map": org(ORGANIZERS),
    "address_points": org(ORGANIZERS),
    "address_geocode": org(ORGANIZERS, ok=405),  # POST only
    "turfs": org(ORGANIZERS),
    "turf_create": org(ORGANIZERS),
    "turf_cut": org(ORGANIZERS),
    "turf": org(ORGANIZERS),
    "turf_archive": org(ORGANIZERS, ok=405),  # POST only
}
PK_KINDS = {"turf": "turf", "turf_archive": "turf"}
MODELS = {"turf": Turf}
PAYLOADS = {
    "turf": [{"name": "Taken over", "geometry": '{"type": "Polygon", "coordinates": '
              '[[[0, 0], [0, 1], [1, 1], [0, 0]]]}'}],
}


def world(org, admin) -> dict[str, int]:
    from groundswell.geo import services

    block(admin, 2)
    turf = services.create_turf(admin, name="World turf", geometry=TURF)
    return {"turf": turf.pk}
