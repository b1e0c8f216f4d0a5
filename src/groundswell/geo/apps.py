"""Address points, turfs, turf cutting and walking order. The algorithms
(`turfcut.py`, `routing.py`, `geometry.py`) are pure Python."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "groundswell.geo"
    label = "geo"
    verbose_name = _("Geography")

    def ready(self) -> None:
        from groundswell.core.audit import register_events
        from groundswell.core.models import Role
        from groundswell.core.permissions import register_capabilities

        organizers = frozenset({Role.ADMIN, Role.ORGANIZER})
        from groundswell.geo.filters import living_in_turf, turf_field
        from groundswell.people.filters import PersonFilter, register_person_filter

        register_person_filter(PersonFilter("turf", turf_field, living_in_turf))
        register_capabilities({
            "geo.view": organizers,  # the households map and the turfs
            "geo.manage": organizers,  # address files, geocoding, drawing and cutting turfs
        })
        register_events({
            "geo.addresses.loaded": _("Address points loaded"),
            "geo.households.geocoded": _("Households placed on the map"),
            "geo.turf.created": _("Turf created"),
            "geo.turf.updated": _("Turf edited"),
            "geo.turf.archived": _("Turf archived"),
            "geo.turfs.cut": _("Area cut into turfs"),
        })
