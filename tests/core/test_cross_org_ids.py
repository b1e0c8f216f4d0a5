"""An id from another organization is a 404 and changes nothing (issue 3).

For every URL pattern under /o/<org_slug>/ that takes a ``pk`` (found by walking the
resolver, not listed by hand), an admin of front-street asks for the page with the
pk of an object that belongs to "elsewhere": GET answers exactly as it does for a pk
that exists nowhere (404, or 405 from a POST-only view, which never looks the object
up), POST answers 404, and the object is left as it was.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django_scopes import scopes_disabled

from groundswell.core.models import AuditEvent, Base, Invitation, Membership
from groundswell.people.models import (
    ContactPoint,
    DuplicateCandidate,
    Household,
    Merge,
    Person,
    SavedList,
)
from tests.conftest import login
from tests.core.test_permission_matrix import (
    ADMIN,
    AREAS,
    MISSING_PK,
    PATTERNS,
    PK_KINDS,
    Pattern,
    build_world,
    keys_of,
    url_values,
)

pytestmark = pytest.mark.django_db

# Which model a kind of pk (PK_KINDS in test_permission_matrix) names.
MODELS: dict[str, type[Model]] = {
    "membership": Membership,
    "invitation": Invitation,
    "base": Base,
    "person": Person,
    "household": Household,
    "contact": ContactPoint,
    "saved_list": SavedList,
    "duplicate": DuplicateCandidate,
    "merge": Merge,
}

# What a POST carries, per URL name: forms that would succeed on the admin's own
# objects, so a leak would show as a change. Unlisted patterns post an empty form.
PAYLOADS: dict[str, list[dict[str, str]]] = {
    "member_edit": [{"role": "admin"}, {"role": "canvasser"}],
    "base_edit": [{"name": "Taken over", "description": "x"}, {"archive": "1"}],
    "person_edit": [{"given_name": "Taken over", "language": "en"}],
    "person_note": [{"summary": "x"}],
    "person_stage": [{"stage": ""}],
    "person_move": [{"street": "100 W Somerset St"}],
    "person_consent_withdraw": [{"channel": "sms", "purpose": "rapid_response"}],
    "person_forget": [{"step": "2", "name": "Ana World"}],
}

for _area in AREAS:  # each area's own models and forms (tests/<area>/permissions.py)
    for _name, _into in (("MODELS", MODELS), ("PAYLOADS", PAYLOADS)):
        _table = getattr(_area, _name, {})
        assert not set(_table) & set(_into), f"{_area.__name__}.{_name} redeclares a key"
        _into.update(_table)

PK_PATTERNS = [p for p in PATTERNS if p.under_organization and "pk" in p.params]


def snapshot(model: type[Model], pk: int) -> dict[str, Any] | None:
    """Every column of the row, and the ids on its many-to-many fields."""
    with scopes_disabled():
        obj = model.objects.filter(pk=pk).first()
        if obj is None:
            return None
        state = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
        for field in model._meta.many_to_many:
            state[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
        return state


def audit_count() -> int:
    with scopes_disabled():
        return AuditEvent.objects.count()


def test_pk_patterns_are_found_and_declared():
    assert PK_PATTERNS, "no /o/<org_slug>/ pattern takes a pk: the walk is broken"
    undeclared = sorted(p.key for p in PK_PATTERNS if PK_KINDS.get(p.key) not in MODELS)
    assert not undeclared, (
        "Organization URL patterns taking a pk with no model declared (PK_KINDS in "
        "test_permission_matrix, MODELS here): " + ", ".join(undeclared))
    unknown = sorted(set(PAYLOADS) - {p.key for p in PK_PATTERNS})
    assert not unknown, f"PAYLOADS for patterns that no longer take a pk: {unknown}"


@pytest.mark.parametrize("pattern", PK_PATTERNS, ids=[p.key for p in PK_PATTERNS])
def test_another_organizations_id_is_404_and_changes_nothing(pattern: Pattern, personas):
    kind = PK_KINDS.get(pattern.key)
    if kind not in MODELS:
        pytest.fail(f"URL pattern {pattern.key!r} ({pattern.route}) takes a pk: declare "
                    "its model in PK_KINDS (test_permission_matrix) and MODELS")
    model = MODELS[kind]
    keys = keys_of(pattern)
    ours, theirs = build_world(personas, keys=keys), build_world(personas, other=True, keys=keys)
    foreign_pk = theirs.pks[kind]
    assert foreign_pk != ours.pks[kind]

    def url(pk: int) -> str:
        values = url_values(pattern, ours)  # front-street's slug, the other org's pk
        return pattern.url({**values, "pk": str(pk)})

    client = login(Client(raise_request_exception=False), personas.member(ADMIN))

    # The URL is right: the admin's own object is found (200, or 405 if POST-only).
    own = client.get(url(ours.pks[kind])).status_code
    assert own in (200, 405), f"GET {url(ours.pks[kind])} (own object) answered {own}"

    before, events = snapshot(model, foreign_pk), audit_count()
    assert before is not None

    nowhere = client.get(url(MISSING_PK)).status_code
    foreign = client.get(url(foreign_pk)).status_code
    assert nowhere in (404, 405), f"GET {url(MISSING_PK)} answered {nowhere}"
    assert foreign == nowhere, (
        f"GET {url(foreign_pk)} ({kind} of another organization) answered {foreign}, "
        f"but {nowhere} for a pk that does not exist")

    for payload in PAYLOADS.get(pattern.key, [{}]):
        status = client.post(url(foreign_pk), payload).status_code
        assert status == 404, (
            f"POST {url(foreign_pk)} {payload} ({kind} of another organization) "
            f"answered {status}, not 404")
        assert snapshot(model, foreign_pk) == before, (
            f"POST {url(foreign_pk)} {payload} changed the other organization's {kind}")
    assert audit_count() == events, "a refused request wrote to the audit log"
