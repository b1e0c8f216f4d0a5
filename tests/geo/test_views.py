"""Geography screens: bad input gets a clear error and changes nothing."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from groundswell.core.models import Role
from groundswell.geo.models import AddressPoint, Turf
from tests.canvass.helpers import TURF, block
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_uploading_a_file_with_broken_rows_names_them_and_loads_nothing(personas):
    client = login(Client(), personas.member(Role.ORGANIZER))
    upload = SimpleUploadedFile("points.csv", b"address,latitude,longitude\n"
                                b"2417 N Front St,39.98,-75.13\nN Front St,39.98,-75.13\n")
    response = client.post(reverse("address_points", args=["front-street"]), {"file": upload})
    assert response.status_code == 400
    assert "Row 3" in response.content.decode()
    with scopes_disabled():
        assert AddressPoint.objects.count() == 0


def test_uploading_and_geocoding(personas):
    client = login(Client(), personas.member(Role.ORGANIZER))
    with scope(organization=personas.org):
        from groundswell.people import services as people
        people.create_person(personas.member(Role.ADMIN), given_name="Ana",
                             street="2417 N Front St")
    upload = SimpleUploadedFile("points.csv", b"address,latitude,longitude\n"
                                b"2417 N Front St,39.983200,-75.133000\n")
    response = client.post(reverse("address_points", args=["front-street"]), {"file": upload})
    assert response.status_code == 302
    response = client.post(reverse("address_geocode", args=["front-street"]), follow=True)
    assert "1 exactly" in response.content.decode()


def test_drawing_a_self_intersecting_turf_is_a_clear_error(personas):
    client = login(Client(), personas.member(Role.ORGANIZER))
    bow_tie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    response = client.post(reverse("turf_create", args=["front-street"]),
                           {"name": "Bow tie", "geometry": json.dumps(bow_tie)})
    assert response.status_code == 400
    assert "crosses itself" in response.content.decode()
    with scopes_disabled():
        assert Turf.objects.count() == 0


def test_drawing_editing_and_archiving_a_turf(personas):
    client = login(Client(), personas.member(Role.ORGANIZER))
    with scope(organization=personas.org):
        block(personas.member(Role.ADMIN), 2)
    response = client.post(reverse("turf_create", args=["front-street"]),
                           {"name": "Front", "geometry": json.dumps(TURF)})
    assert response.status_code == 302
    with scopes_disabled():
        turf = Turf.objects.get()
    assert turf.door_count == 2
    page = client.get(reverse("turf", args=["front-street", turf.pk]))
    assert page.status_code == 200 and b"data-draw" in page.content
    client.post(reverse("turf", args=["front-street", turf.pk]),
                {"name": "Front A", "geometry": json.dumps(TURF),
                 "assigned_to": [personas.member(Role.CANVASSER).pk]})
    client.post(reverse("turf_archive", args=["front-street", turf.pk]))
    turf.refresh_from_db()
    assert turf.name == "Front A" and turf.archived_at is not None
    assert client.get(reverse("turfs", args=["front-street"])).status_code == 200
    assert client.get(reverse("turf_cut", args=["front-street"])).status_code == 200
    map_page = client.get(reverse("geo_map", args=["front-street"]))
    assert map_page.status_code == 200 and b"households-data" in map_page.content


def test_the_people_list_filters_by_turf(personas):
    client = login(Client(), personas.member(Role.ORGANIZER))
    with scope(organization=personas.org):
        from groundswell.geo import services
        from groundswell.people import services as people
        inside = block(personas.member(Role.ADMIN), 2)
        people.create_person(personas.member(Role.ADMIN), given_name="Outside",
                             family_name="Turf", street="100 E Somerset St")
        turf = services.create_turf(personas.member(Role.ADMIN), name="Front",
                                    geometry=TURF)
    page = client.get(reverse("people", args=["front-street"]) + f"?turf={turf.pk}")
    assert page.status_code == 200
    shown = {p.pk for p in page.context["page"].object_list}
    assert shown == {p.pk for p in inside}


def test_every_map_page_carries_the_configured_tile_url(personas, settings):
    settings.MAP_TILE_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
    client = login(Client(), personas.member(Role.ORGANIZER))
    for name in ("turfs", "turf_cut"):
        page = client.get(reverse(name, args=["front-street"])).content.decode()
        assert 'data-tiles="https://tiles.example.test/{z}/{x}/{y}.png"' in page, name
