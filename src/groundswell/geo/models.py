"""Address points (where each street address is, from a city's open data) and turfs
(polygons of doors one canvasser can cover)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from groundswell.core.models import Base, OrgOwned, scoped


class AddressPoint(OrgOwned):
    """One street address with its coordinates, as loaded from an address-point file.
    ``street`` is normalized like people's addresses, so geocoding is an exact lookup;
    ``fuzzy_key`` (folded, no punctuation or suffix) catches the near misses."""

    street = models.CharField(_("street address"), max_length=200)
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    fuzzy_key = models.CharField(max_length=200, db_index=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)
    source = models.CharField(_("file"), max_length=100, blank=True)

    objects = scoped()

    class Meta:
        verbose_name = _("address point")
        verbose_name_plural = _("address points")
        constraints = [models.UniqueConstraint(fields=["organization", "street", "postal_code"],
                                               name="addresspoint_unique")]

    def __str__(self) -> str:
        return self.street


class TurfQuerySet(models.QuerySet["Turf"]):
    def active(self) -> TurfQuerySet:
        return self.filter(archived_at__isnull=True)

    def visible_to(self, membership: object) -> TurfQuerySet:
        """Members limited to some bases see those bases' turfs and turfs of no base."""
        limited = list(membership.bases.values_list("pk", flat=True))  # type: ignore
        if limited:
            return self.filter(models.Q(base__in=limited) | models.Q(base__isnull=True))
        return self.all()


class Turf(OrgOwned):
    name = models.CharField(_("name"), max_length=100)
    base = models.ForeignKey(Base, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("base"))
    geometry = models.JSONField(_("area"))  # GeoJSON Polygon or MultiPolygon
    door_count = models.PositiveIntegerField(_("doors"), default=0)
    assigned_to = models.ManyToManyField("core.Membership", blank=True, related_name="turfs",
                                         verbose_name=_("assigned to"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = scoped(TurfQuerySet)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("turf")
        verbose_name_plural = _("turfs")

    def __str__(self) -> str:
        return self.name
