"""A walk list's start point (issue 18): the doors in the shortest walk from where the
canvasser begins, set by the organizer or by a canvasser of the list."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from groundswell.canvass import services
from groundswell.canvass.models import WalkList
from groundswell.core.errors import InvalidInput
from groundswell.core.models import AuditEvent, Role
from groundswell.core.permissions import PermissionDenied
from groundswell.people.models import Household
from tests.canvass.helpers import walk_list
from tests.conftest import login
from tests.factories import make_member

pytestmark = pytest.mark.django_db

NORTH = (39.9840, -75.1330)  # past the high numbers of the 2400 block
SOUTH = (39.9828, -75.1330)  # before the low numbers


@pytest.fixture
def setup(personas):
    canvasser = personas.member(Role.CANVASSER)
    admin = personas.member(Role.ADMIN)
    with scope(organization=personas.org):
        wl, residents, _questions = walk_list(admin, [canvasser], count=8)
    return wl, admin, canvasser


def numbers(wl: WalkList) -> list[int]:
    ids = list(wl.entries.order_by("position").values_list("household_id", flat=True))
    houses = {h.pk: int(h.address.street.split()[0])
              for h in Household.objects.filter(pk__in=ids).select_related("address")}
    return [houses[pk] for pk in ids]


def test_the_walk_begins_at_the_door_nearest_the_start(personas, setup):
    wl, admin, canvasser = setup
    with scope(organization=personas.org):
        services.set_walk_list_start(canvasser, wl, NORTH)
        wl.refresh_from_db()
        assert wl.start == pytest.approx(NORTH)
        north = numbers(wl)
        assert north[0] in (2407, 2408)
        services.set_walk_list_start(admin, wl, SOUTH)
        south = numbers(wl)
        assert south[0] in (2401, 2402)
        assert sorted(north) == sorted(south) == list(range(2401, 2409))
        services.set_walk_list_start(admin, wl, None)
        wl.refresh_from_db()
        assert wl.start is None
        assert sorted(numbers(wl)) == list(range(2401, 2409))
    with scopes_disabled():
        codes = list(AuditEvent.objects.filter(code="canvass.walklist.start_set")
                     .order_by("pk").values_list("actor", flat=True))
    assert codes == [canvasser.user.pk, admin.user.pk, admin.user.pk]


def test_a_list_made_with_a_start_begins_there_and_its_revisit_keeps_it(personas, setup):
    wl, admin, _canvasser = setup
    with scope(organization=personas.org):
        households = list(Household.objects.filter(
            pk__in=wl.entries.values("household_id")).select_related("address"))
        wl.archived_at = wl.created_at  # free the doors for another list of the effort
        wl.save()
        made = services.create_walk_list(admin, effort=wl.effort, turf=wl.turf,
                                         name="From the north", start=NORTH)
        assert made.start == pytest.approx(NORTH)
        assert numbers(made)[0] in (2407, 2408)
        assert made.entries.count() == len(households)


@pytest.mark.parametrize("start", [(91, 0), (0, 181), ("north", 3), (float("nan"), 1)])
def test_a_bad_start_is_refused_and_changes_nothing(personas, setup, start):
    wl, admin, _canvasser = setup
    with scope(organization=personas.org):
        before = numbers(wl)
        with pytest.raises(InvalidInput):
            services.set_walk_list_start(admin, wl, start)
        wl.refresh_from_db()
        assert wl.start is None and numbers(wl) == before


def test_only_the_lists_canvassers_and_organizers_may_set_the_start(personas, setup):
    wl, _admin, _canvasser = setup
    other = make_member(personas.org, Role.CANVASSER, mfa=False)
    with scope(organization=personas.org):
        with pytest.raises(PermissionDenied):
            services.set_walk_list_start(other, wl, NORTH)
        wl.refresh_from_db()
        assert wl.start is None


def start_url(wl: WalkList) -> str:
    return reverse("walklist_start", args=["front-street", wl.pk])


def test_a_canvasser_reorders_their_list_from_the_app(personas, setup):
    wl, _admin, canvasser = setup
    client = login(Client(), canvasser)
    app = client.get(reverse("canvass_app", args=["front-street", wl.pk]))
    assert 'name="start"' in app.content.decode()
    answer = client.post(start_url(wl), {"start": "39.9840, -75.1330", "back": "app"})
    assert answer.status_code == 302
    assert answer.url == reverse("canvass_app", args=["front-street", wl.pk])
    with scope(organization=personas.org):
        wl.refresh_from_db()
        assert wl.start == pytest.approx(NORTH)
        assert numbers(wl)[0] in (2407, 2408)


def test_a_malformed_start_is_a_message_and_changes_nothing(personas, setup):
    wl, admin, _canvasser = setup
    client = login(Client(), admin)
    answer = client.post(start_url(wl), {"start": "somewhere north"}, follow=True)
    assert answer.status_code == 200
    assert "latitude, longitude" in answer.content.decode()
    with scope(organization=personas.org):
        wl.refresh_from_db()
        assert wl.start is None


def test_other_canvassers_and_organizations_get_404(personas, setup):
    wl, _admin, _canvasser = setup
    other = make_member(personas.org, Role.CANVASSER, mfa=False)
    assert login(Client(), other).post(start_url(wl), {"start": "39.984, -75.133"}) \
        .status_code == 404
    assert login(Client(), personas.outsider).post(start_url(wl), {"start": "39.984, -75.133"}) \
        .status_code == 404
    with scope(organization=personas.org):
        wl.refresh_from_db()
        assert wl.start is None


def test_the_organizer_sets_the_start_when_making_a_list(personas, setup):
    wl, admin, _canvasser = setup
    client = login(Client(), admin)
    with scope(organization=personas.org):
        wl.archived_at = wl.created_at
        wl.save()
    answer = client.post(reverse("walklist_create", args=["front-street", wl.effort_id]),
                         {"turf": wl.turf_id, "name": "North first", "skip_done": "on",
                          "start": "39.984, -75.133"})
    assert answer.status_code == 302
    with scope(organization=personas.org):
        made = WalkList.objects.get(name="North first")
        assert made.start == pytest.approx(NORTH)
        assert numbers(made)[0] in (2407, 2408)
    page = client.post(reverse("walklist_create", args=["front-street", wl.effort_id]),
                       {"turf": wl.turf_id, "name": "Nowhere", "start": "95, 10"})
    assert page.status_code == 400
    with scope(organization=personas.org):
        assert not WalkList.objects.filter(name="Nowhere").exists()
