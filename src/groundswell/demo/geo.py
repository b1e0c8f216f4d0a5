"""Demo geography: the demo grid's address-point file (every demo building with its
coordinates, as a city's open-data file would list them), loaded and used to place the
demo households through the geo services, and each base cut into turfs.

Idempotent: with address points already loaded and turfs cut, it adds nothing.
"""

from __future__ import annotations

import csv
import io

from groundswell.core.models import Base, Membership, Organization, Role
from groundswell.geo import services
from groundswell.geo.models import AddressPoint, Turf
from groundswell.people.models import Address

TURFS_PER_BASE = 4


def address_point_file() -> bytes:
    """The grid's address points as CSV (address, zip, latitude, longitude), from the
    demo buildings' coordinates."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["address", "zip", "latitude", "longitude"])
    for address in Address.objects.filter(latitude__isnull=False).order_by("street"):
        writer.writerow([address.street, address.postal_code, address.latitude,
                         address.longitude])
    return out.getvalue().encode()


def load(org: Organization) -> None:
    admin = Membership.objects.filter(organization=org, role=Role.ADMIN) \
        .select_related("user", "organization").order_by("pk").first()
    if admin is None:
        return
    if not AddressPoint.objects.exists() and Address.objects.filter(
            latitude__isnull=False).exists():
        services.load_address_points(admin, address_point_file(), "demo-address-points.csv")
        services.geocode_households(admin, replace=False)
    if not Turf.objects.exists():
        for base in Base.objects.order_by("name"):
            if Address.objects.filter(base=base, latitude__isnull=False).count() \
                    >= TURFS_PER_BASE:
                services.cut_turfs(admin, parts=TURFS_PER_BASE, name=base.name[:80],
                                   base=base)
