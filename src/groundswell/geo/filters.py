"""The people list's "in this turf" filter (registered in GeoConfig.ready())."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from groundswell.core.models import Membership
from groundswell.geo.geometry import parse_polygon
from groundswell.geo.models import Turf
from groundswell.geo.services import households_in
from groundswell.people.models import Person


def turf_field(membership: Membership) -> forms.Field:
    return forms.ModelChoiceField(label=_("Turf"), required=False, empty_label=_("Any turf"),
                                  queryset=Turf.objects.visible_to(membership).active())


def living_in_turf(people: QuerySet[Person], turf: Turf) -> QuerySet[Person]:
    """People living in the turf's area now."""
    homes = households_in(parse_polygon(turf.geometry)).values("pk")
    return people.filter(residences__household__in=homes,
                         residences__ended_on__isnull=True).distinct()
