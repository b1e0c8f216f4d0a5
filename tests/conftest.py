from __future__ import annotations

from dataclasses import dataclass

import pytest
from django_scopes import scope

from groundswell.core.models import Role
from tests.factories import BaseFactory, OrganizationFactory, make_member


@dataclass
class Personas:
    """One organization with a member of each role, and an outsider who belongs to
    another organization (created once per test, as in healthchecks' test base)."""

    org: object
    other_org: object
    base: object
    other_base: object
    members: dict
    outsider: object

    def member(self, role: str):
        return self.members[role]


@pytest.fixture
def personas(db) -> Personas:
    org = OrganizationFactory(name="Front Street Community Center", slug="front-street")
    other = OrganizationFactory(name="Elsewhere Tenants", slug="elsewhere")
    base = BaseFactory(organization=org, name="North Front Street")
    other_base = BaseFactory(organization=other, name="Elsewhere Block")
    members = {role: make_member(org, role, mfa=role != Role.CANVASSER) for role in Role}
    outsider = make_member(other, Role.ADMIN)
    return Personas(org, other, base, other_base, members, outsider)


@pytest.fixture
def in_org(personas):
    with scope(organization=personas.org):
        yield personas


def login(client, membership):
    client.force_login(membership.user,
                       backend="allauth.account.auth_backends.AuthenticationBackend")
    return client


def age_login(client, seconds: int = 3600) -> None:
    """Make the session's password login older than allauth's reauthentication
    window, as if the person logged in an hour ago."""
    session = client.session
    for record in session["account_authentication_methods"]:
        record["at"] -= seconds
    session.save()
