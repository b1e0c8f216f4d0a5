"""A member above canvasser without a second factor reaches nothing but enrollment:
every URL pattern of the project (walked from the resolver, as the permission matrix
does) sends them to set one up, except the short list of pages enrollment needs."""

from __future__ import annotations

import pytest
from django.test import Client

from groundswell.accounts.middleware import ENROLLMENT_URL_NAMES
from groundswell.core.models import Role
from tests.conftest import login
from tests.core.test_permission_matrix import PATTERNS, Pattern, build_world, url_values
from tests.factories import make_member

ENROLL = "/account/2fa/totp/activate/"


def test_the_allow_list_names_only_existing_patterns():
    names = {p.name for p in PATTERNS}
    assert ENROLLMENT_URL_NAMES - names == {"javascript-catalog"} - names


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.key for p in PATTERNS])
def test_unenrolled_organizer_is_held_at_enrollment(pattern: Pattern, personas):
    member = make_member(personas.org, Role.ORGANIZER, mfa=False)
    client = login(Client(raise_request_exception=False), member)
    url = pattern.url(url_values(pattern, build_world(personas)))
    response = client.get(url)
    sent_to_enroll = response.status_code == 302 and response["Location"] == ENROLL
    if pattern.name in ENROLLMENT_URL_NAMES:
        assert not sent_to_enroll, f"{url} is needed to enroll but is blocked"
        assert response.status_code < 500 or pattern.name == "health"  # no worker in tests
    else:
        assert sent_to_enroll, f"{url} answered {response.status_code} to a member " \
                               "who has not set up a second factor"
