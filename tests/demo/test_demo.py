from __future__ import annotations

import io
import re

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_scopes import scopes_disabled

from groundswell.core.audit import all_chains, verify_chain
from groundswell.core.models import Base, Membership, Organization, Role

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    with scopes_disabled():
        return (get_user_model().objects.count(), Organization.objects.count(),
                Membership.objects.count(), Base.objects.count(), Authenticator.objects.count())


def test_demo_loads_one_user_per_role_and_runs_twice_without_duplicates():
    out = io.StringIO()
    call_command("demo", stdout=out)
    first = counts()
    with scopes_disabled():
        roles = set(Membership.objects.filter(organization__slug="front-street")
                    .values_list("role", flat=True))
    assert roles == set(Role.values)
    assert first[1] == 2  # a second organization to switch to
    secrets_before = re.findall(r"authenticator secret (\w+)", out.getvalue())
    assert len(secrets_before) == 4  # every role but canvasser has a second factor

    out2 = io.StringIO()
    call_command("demo", stdout=out2)
    assert counts() == first
    assert re.findall(r"authenticator secret (\w+)", out2.getvalue()) == secrets_before
    assert all(verify_chain(chain) is None for chain in all_chains())


def test_demo_prints_a_current_code():
    call_command("demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo", code="admin@demo.groundswell.test", stdout=out)
    assert re.fullmatch(r"\d{6}\n", out.getvalue())


def test_demo_refuses_to_print_codes_for_users_without_a_second_factor():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("demo", code="canvasser@demo.groundswell.test", stdout=io.StringIO())
