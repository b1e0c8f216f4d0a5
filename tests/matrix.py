"""The vocabulary of the permission matrix (tests/core/test_permission_matrix.py):
outcomes, personas and the shapes of expectations.

Each area declares the rows for its own URL patterns in ``tests/<area>/permissions.py``
(found by the matrix, never listed by hand), using these names, so that areas can be
written side by side without editing one shared table. Such a module defines:

* ``EXPECTED``: URL name -> persona -> outcome of a GET (required);
* ``PK_KINDS``: URL name -> which world object its ``pk`` names;
* ``PARAMS``: URL name -> {captured argument -> world key}, for arguments other than
  ``pk`` and ``org_slug`` (a public token, a second id);
* ``world(org, admin) -> dict[str, int | str]``: creates the area's objects in ``org``
  as its admin ``admin`` (a Membership) and returns their ids by world key; it is
  only called for the patterns that need one of the keys the module names;
* ``MODELS``: world key -> model, and ``PAYLOADS``: URL name -> list of POST forms,
  for the cross-organization test (tests/core/test_cross_org_ids.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.http import HttpResponse
from django.urls import resolve
from django.urls.exceptions import Resolver404

from groundswell.core.models import Role

# --- outcomes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A redirect, identified by the URL name of its target and the values in its path
    (``organization_home(org_slug=front-street)``), or by the path itself when it does
    not resolve. The query string (``?next=``) is left out."""

    to: str
    status: int = 302

    def __str__(self) -> str:
        return f"{self.status}→{self.to}"


Outcome = int | Redirect


def outcome_of(response: HttpResponse) -> Outcome:
    if response.status_code not in (301, 302, 303, 307, 308):
        return response.status_code
    target = urlsplit(response["Location"])
    if target.netloc:
        return Redirect(response["Location"], response.status_code)
    try:
        match = resolve(target.path)
    except Resolver404:
        return Redirect(target.path, response.status_code)
    arguments = ",".join(f"{name}={value}" for name, value in sorted(match.kwargs.items()))
    return Redirect(f"{match.view_name}({arguments})" if arguments else match.view_name,
                    response.status_code)


# --- personas and the shapes of expectations ------------------------------------------------

ANONYMOUS, OUTSIDER = "anonymous", "outsider"
ROLES: tuple[str, ...] = tuple(role.value for role in Role)
PERSONAS: tuple[str, ...] = (ANONYMOUS, *ROLES, OUTSIDER)
SIGNED_IN = (*ROLES, OUTSIDER)

ADMIN, ORGANIZER, CANVASSER = Role.ADMIN.value, Role.ORGANIZER.value, Role.CANVASSER.value
DISPATCHER, PROGRAM_STAFF = Role.DISPATCHER.value, Role.PROGRAM_STAFF.value

LOGIN = Redirect("account_login")
REAUTHENTICATE = Redirect("account_reauthenticate")
HOME = Redirect("home")
MFA_INDEX = Redirect("mfa_index")

Expectation = dict[str, Outcome]


def everyone(outcome: Outcome, **overrides: Outcome) -> Expectation:
    """The same answer for every persona, signed in or not."""
    return {**dict.fromkeys(PERSONAS, outcome), **overrides}


def account(signed_in: Outcome, anonymous: Outcome = LOGIN, **overrides: Outcome) -> Expectation:
    """A page about the signed-in user's own account: anonymous visitors log in first."""
    return {ANONYMOUS: anonymous, **dict.fromkeys(SIGNED_IN, signed_in), **overrides}


def guest(anonymous: Outcome, signed_in: Outcome = HOME, **overrides: Outcome) -> Expectation:
    """A page for visitors who are not signed in (allauth sends members home)."""
    return account(signed_in, anonymous, **overrides)


def org(allowed: Iterable[str], ok: Outcome = 200) -> Expectation:
    """A page of the front-street organization: anonymous visitors log in first,
    roles in ``allowed`` get ``ok``, the other roles 403, and a member of another
    organization 404 (it must look exactly like an organization that doesn't exist)."""
    allowed = set(allowed)
    unknown = allowed - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return {ANONYMOUS: LOGIN, **{role: ok if role in allowed else 403 for role in ROLES},
            OUTSIDER: 404}


# Written out here rather than read from groundswell.core.permissions.CAPABILITIES, so
# that widening a capability shows up as a failure of this table, not silently.
ALL_ROLES = ROLES
ADMINS = (ADMIN,)
ORGANIZERS = (ADMIN, ORGANIZER)
PEOPLE_VIEWERS = (ADMIN, ORGANIZER, DISPATCHER, PROGRAM_STAFF)  # people.view
PHONE_REVEALERS = (ADMIN, ORGANIZER, DISPATCHER)  # people.reveal_phone

