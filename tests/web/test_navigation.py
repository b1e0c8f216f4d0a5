"""The navigation shows each role only what it may open, and each role's home screen
five (or, for a canvasser, all its) most used pages."""

from __future__ import annotations

import pytest

from groundswell.core.models import Role
from groundswell.core.permissions import can
from groundswell.web.navigation import ENTRIES, MAIN_AREAS, TOP_TASKS, main_areas, top_tasks
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_each_roles_top_tasks_are_pages_it_may_open(personas, role):
    membership = personas.member(role)
    keys = TOP_TASKS[role]
    assert len(keys) == len(set(keys)) <= 5
    assert all(can(membership, ENTRIES[key].capability) for key in keys)
    assert [link.key for link in top_tasks(membership)] == keys


@pytest.mark.parametrize("role", list(Role))
def test_main_areas_leave_out_what_the_role_may_not_open(personas, role):
    membership = personas.member(role)
    shown = [link.key for link in main_areas(membership)]
    assert shown == [k for k in MAIN_AREAS if can(membership, ENTRIES[k].capability)]


def test_the_home_page_shows_the_bar_and_the_tiles(client, personas):
    login(client, personas.member("program_staff"))
    html = client.get("/o/front-street/").content.decode()
    assert 'class="mainnav"' in html
    assert 'data-task="distributions"' in html
    assert 'data-task="audit"' not in html
    assert 'href="/o/front-street/people/" aria-current' not in html
    html = client.get("/o/front-street/programs/").content.decode()
    assert 'href="/o/front-street/programs/" aria-current="page"' in html
