"""Address points, offline geocoding and turfs (geo/services.py), with bad input."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from groundswell.core.errors import InvalidInput
from groundswell.core.models import AuditEvent, Role
from groundswell.core.permissions import PermissionDenied
from groundswell.geo import services
from groundswell.geo.models import AddressPoint, Turf
from groundswell.people import services as people
from groundswell.people.models import Address
from tests.canvass.helpers import TURF, block

CSV = (
    "address,zip,latitude,longitude\n"
    "2417 North Front Street,19133,39.983200,-75.133000\n"
    "2419 N Front St,19133,39.983250,-75.133000\n"
    "100 E Somerset St,19134,39.993000,-75.131500\n"
)


def test_an_address_file_loads_and_places_households_exactly_and_by_close_match(in_org):
    admin = in_org.member(Role.ADMIN)
    exact = people.create_person(admin, given_name="Ana", street="2417 N Front St",
                                 postal_code="19133")
    close = people.create_person(admin, given_name="Luis", street="100 Somerset Street",
                                 postal_code="19134")
    missing = people.create_person(admin, given_name="Rosa", street="9 Nowhere Ave")
    assert services.load_address_points(admin, CSV.encode(), "points.csv") == 3
    assert AddressPoint.objects.count() == 3
    result = services.geocode_households(admin)
    assert (result.exact, result.fuzzy, result.missing) == (1, 1, 1)
    a = Address.objects.get(pk=people.current_residence(exact).household.address_id)
    assert (a.latitude, a.longitude, a.geocode_source) == (
        Decimal("39.983200"), Decimal("-75.133000"), "points:exact")
    b = Address.objects.get(pk=people.current_residence(close).household.address_id)
    assert b.geocode_source == "points:fuzzy"
    c = Address.objects.get(pk=people.current_residence(missing).household.address_id)
    assert c.latitude is None
    assert AuditEvent.objects.filter(code="geo.households.geocoded").exists()


def test_loading_again_updates_points_instead_of_duplicating(in_org):
    admin = in_org.member(Role.ADMIN)
    services.load_address_points(admin, CSV.encode(), "points.csv")
    moved = CSV.replace("39.983200", "39.983300")
    services.load_address_points(admin, moved.encode(), "points.csv")
    assert AddressPoint.objects.count() == 3
    assert AddressPoint.objects.get(street="2417 N FRONT ST").latitude == Decimal("39.983300")


def test_geojson_points_load(in_org):
    admin = in_org.member(Role.ADMIN)
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"address": "2417 N Front St", "zip": "19133"},
         "geometry": {"type": "Point", "coordinates": [-75.133, 39.9832]}}]}
    assert services.load_address_points(admin, json.dumps(doc).encode(), "p.geojson") == 1


@pytest.mark.parametrize("content,needle", [
    ("address,zip,latitude,longitude\n2417 N Front St,19133,39.98,-75.13\n"
     "N Front St,19133,39.98,-75.13\n2419 N Front St,19133,abc,-75.13\n"
     "2421 N Front St,19133,39.98\n", "Row 3"),
    ("street,lat\n1 A St,1\n", "first row"),
    ('{"type": "FeatureCollection", "features": [{"geometry": {"type": "Line"}}]}', "Feature 1"),
    ("{not json", "GeoJSON"),
])
def test_a_file_with_broken_rows_is_refused_whole_naming_them(in_org, content, needle):
    admin = in_org.member(Role.ADMIN)
    with pytest.raises(services.AddressFileError) as caught:
        services.load_address_points(admin, content.encode(), "bad.csv")
    text = caught.value.message + " ".join(caught.value.rows)
    assert needle in text
    assert AddressPoint.objects.count() == 0
    assert not AuditEvent.objects.filter(code="geo.addresses.loaded").exists()


def test_a_file_that_is_not_utf8_is_refused(in_org):
    with pytest.raises(services.AddressFileError):
        services.load_address_points(in_org.member(Role.ADMIN), b"\xff\xfe\x00a", "x.csv")


def test_only_organizers_load_points(in_org):
    with pytest.raises(PermissionDenied):
        services.load_address_points(in_org.member(Role.CANVASSER), CSV.encode(), "p.csv")


def test_a_turf_counts_its_doors_and_a_self_intersecting_one_is_refused(in_org):
    admin = in_org.member(Role.ADMIN)
    block(admin, 4)
    turf = services.create_turf(admin, name="Front", geometry=json.dumps(TURF))
    assert turf.door_count == 4
    bow_tie = {"type": "Polygon", "coordinates": [[[-75.134, 39.9825], [-75.132, 39.9845],
                                                   [-75.132, 39.9825], [-75.134, 39.9845],
                                                   [-75.134, 39.9825]]]}
    with pytest.raises(InvalidInput) as caught:
        services.create_turf(admin, name="Bow tie", geometry=bow_tie)
    assert "crosses itself" in caught.value.message
    with pytest.raises(InvalidInput):
        services.update_turf(admin, turf, name="Front", geometry=bow_tie)
    turf.refresh_from_db()
    assert turf.geometry == TURF or turf.geometry["type"] == "Polygon"
    assert Turf.objects.count() == 1


def test_assign_and_archive_a_turf(in_org):
    admin, canvasser = in_org.member(Role.ADMIN), in_org.member(Role.CANVASSER)
    turf = services.create_turf(admin, name="Front", geometry=TURF)
    services.update_turf(admin, turf, name="Front A", geometry=TURF, assigned_to=[canvasser])
    assert list(turf.assigned_to.all()) == [canvasser]
    services.archive_turf(admin, turf)
    assert Turf.objects.active().count() == 0


def test_cutting_a_base_makes_balanced_non_overlapping_turfs_covering_every_door(in_org):
    admin = in_org.member(Role.ADMIN)
    base = in_org.base
    for i in range(40):
        street = "N Front St" if i < 20 else "Jasper St"
        number = 2400 + i % 20 + (0 if i < 20 else 100)
        people.create_person(admin, given_name=f"P{i}", street=f"{number} {street}",
                             base=base)
    for n, address in enumerate(Address.objects.order_by("pk")):
        address.latitude = Decimal(f"{39.983 + (n % 20) * 0.00005:.6f}")
        address.longitude = Decimal(f"{-75.133 + (n // 20) * 0.002:.6f}")
        address.save()
    turfs = services.cut_turfs(admin, parts=4, name="Cut", base=base)
    assert [t.name for t in turfs] == ["Cut 1", "Cut 2", "Cut 3", "Cut 4"]
    counts = [t.door_count for t in turfs]
    assert sum(counts) == 40
    assert max(counts) - min(counts) <= 2
    from groundswell.geo.geometry import parse_polygon
    shapes = [parse_polygon(t.geometry) for t in turfs]
    for i, a in enumerate(shapes):
        for b in shapes[i + 1:]:
            assert a.intersection(b).area < 1e-12


def test_cutting_needs_an_area_and_a_sensible_count(in_org):
    admin = in_org.member(Role.ADMIN)
    with pytest.raises(InvalidInput):
        services.cut_turfs(admin, parts=3, name="X")
    with pytest.raises(InvalidInput):
        services.cut_turfs(admin, parts=0, name="X", base=in_org.base)
    with pytest.raises(InvalidInput):
        services.cut_turfs(admin, parts=3, name="X", base=in_org.base)  # no placed doors
    assert Turf.objects.count() == 0


def test_the_management_command_loads_geocodes_and_refuses_broken_files(in_org, tmp_path):
    from django.core.management import CommandError, call_command

    admin = in_org.member(Role.ADMIN)
    people.create_person(admin, given_name="Ana", street="2417 N Front St",
                         postal_code="19133")
    good = tmp_path / "points.csv"
    good.write_text(CSV, encoding="utf-8")
    call_command("load_address_points", "front-street", str(good), "--geocode")
    assert AddressPoint.objects.count() == 3
    assert Address.objects.filter(geocode_source="points:exact").count() == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("address,latitude,longitude\nN Front St,1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Row 2"):
        call_command("load_address_points", "front-street", str(bad))
    assert AddressPoint.objects.count() == 3


def _two_neighbourhoods(admin, base) -> None:
    """24 doors on N Front St and 12 on Jasper St, 600 m apart across a park."""
    for i in range(36):
        street = "N Front St" if i < 24 else "Jasper St"
        number = 2400 + i if i < 24 else 2500 + (i - 24)
        people.create_person(admin, given_name=f"P{i}", street=f"{number} {street}",
                             base=base)
    for address in Address.objects.order_by("pk"):
        number = int(address.street.split()[0])
        far = address.street.endswith("JASPER ST")
        k = number - (2500 if far else 2400)
        address.latitude = Decimal(f"{39.983 + (k // 2) * 0.00005:.6f}")
        address.longitude = Decimal(f"{-75.133 + (0.0072 if far else 0) + (k % 2) * 0.00012:.6f}")
        address.save()


def test_cut_turfs_keep_to_one_side_of_a_park_unless_allowed(in_org):
    from groundswell.geo.geometry import parse_polygon
    from groundswell.geo.services import households_in

    admin = in_org.member(Role.ADMIN)
    _two_neighbourhoods(admin, in_org.base)
    apart = services.cut_turfs(admin, parts=2, name="Apart", base=in_org.base)
    sides = []
    for turf in apart:
        streets = {h.address.street.split(" ", 1)[1]
                   for h in households_in(parse_polygon(turf.geometry), in_org.base)
                   .select_related("address")}
        sides.append(streets)
    assert sorted(len(s) for s in sides) == [1, 1]
    assert sorted(t.door_count for t in apart) == [12, 24]
    together = services.cut_turfs(admin, parts=2, name="Together", base=in_org.base,
                                  cross_gaps=True)
    assert sum(t.door_count for t in together) == 36
    event = AuditEvent.objects.filter(code="geo.turfs.cut").order_by("-pk").first()
    assert event.data["cross_gaps"] is True


def test_the_cut_form_offers_crossing_gaps(in_org):
    from django.test import Client
    from django.urls import reverse

    from tests.conftest import login

    admin = in_org.member(Role.ADMIN)
    _two_neighbourhoods(admin, in_org.base)
    client = login(Client(), admin)
    url = reverse("turf_cut", args=[in_org.org.slug])
    assert 'name="cross_gaps"' in client.get(url).content.decode()
    answer = client.post(url, {"name": "Cut", "parts": 2, "base": in_org.base.pk,
                               "cross_gaps": "on"})
    assert answer.status_code == 302
    assert sum(Turf.objects.values_list("door_count", flat=True)) == 36
    event = AuditEvent.objects.filter(code="geo.turfs.cut").order_by("-pk").first()
    assert event.data["cross_gaps"] is True
