"""Every URL pattern × every persona, walked from the resolver (issue 3, "Permission
matrix test").

The patterns come from ``get_resolver()``, recursing into includes (allauth's under
/account/ too), never from a hand-written list, so a new page cannot ship without
someone writing down here who may open it: a pattern with no declared expectation
fails the suite with its name, and so does an expectation for a pattern that no
longer exists, so the table stays honest.

A pattern is identified by its URL name (``namespace:name`` inside a namespace), or
by its full route when it has no name. Each is requested with GET by: an anonymous
visitor, a member of "front-street" in each role, and an admin of another
organization (the outsider), who must get a 404 on every /o/front-street/ page.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, resolve
from django.utils.regex_helper import normalize
from django_scopes import scope

from groundswell.core import services
from groundswell.core.models import Role
from groundswell.people.models import DuplicateCandidate
from tests.conftest import login
from tests.factories import make_member
from tests.matrix import (
    ADMIN,
    ADMINS,
    ALL_ROLES,
    ANONYMOUS,
    CANVASSER,
    LOGIN,
    ORGANIZERS,
    OUTSIDER,
    PEOPLE_VIEWERS,
    PERSONAS,
    PHONE_REVEALERS,
    REAUTHENTICATE,
    Expectation,
    Outcome,
    Redirect,
    account,
    everyone,
    guest,
    org,
    outcome_of,
)

# --- walking the resolver --------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """One endpoint of the URLconf, with everything needed to request it."""

    key: str  # "namespace:name", or the full route when the pattern is unnamed
    name: str | None  # the bare URL name
    route: str  # the full route, spelled as ResolverMatch.route spells it
    regex: str  # the full regex from the site root
    params: tuple[str, ...]  # the keyword arguments the URL captures

    def url(self, values: Mapping[str, str]) -> str:
        """The concrete path for these captured values: what reverse() builds, but
        for unnamed patterns too, and for exactly this pattern even if another one
        shares its name."""
        for template, params in normalize(self.regex):
            if set(params) == set(self.params):
                return "/" + template % {param: values[param] for param in params}
        raise AssertionError(f"Cannot build a URL for {self.key!r} from {self.regex!r}")

    @property
    def under_organization(self) -> bool:
        return "org_slug" in self.params


def _join_route(prefix: str, route: str) -> str:
    # As django.urls.resolvers.URLResolver._join_route does, so that routes compare
    # equal to ResolverMatch.route.
    return route if not prefix else prefix + route.removeprefix("^")


def walk(resolver: URLResolver | None = None, *, route: str = "", regex: str = "^",
         namespaces: tuple[str, ...] = ()) -> list[Pattern]:
    """Every endpoint under ``resolver`` (the project's root URLconf by default),
    recursing into every include."""
    resolver = resolver if resolver is not None else get_resolver()
    found: list[Pattern] = []
    for entry in resolver.url_patterns:
        entry_route = _join_route(route, str(entry.pattern))
        entry_regex = regex + entry.pattern.regex.pattern.removeprefix("^")
        if isinstance(entry, URLResolver):
            inner = namespaces + ((entry.namespace,) if entry.namespace else ())
            found += walk(entry, route=entry_route, regex=entry_regex, namespaces=inner)
            continue
        assert isinstance(entry, URLPattern), f"unexpected URLconf entry {entry!r}"
        key = ":".join((*namespaces, entry.name)) if entry.name else entry_route
        params = tuple(sorted(re.compile(entry_regex).groupindex))
        found.append(Pattern(key, entry.name, entry_route, entry_regex, params))
    return found


def undeclared(patterns: Iterable[Pattern], declared: Iterable[str]) -> set[str]:
    """Patterns nobody has written an expectation for."""
    return {pattern.key for pattern in patterns} - set(declared)


def stale(patterns: Iterable[Pattern], declared: Iterable[str]) -> set[str]:
    """Expectations for patterns that no longer exist."""
    return set(declared) - {pattern.key for pattern in patterns}


PATTERNS = walk()
BY_KEY = {pattern.key: pattern for pattern in PATTERNS}

# --- outcomes, personas and shapes (tests/matrix.py), and the areas' own tables -------



def _area_tables() -> list[ModuleType]:
    """Every tests/<area>/permissions.py, in a stable order."""
    tests_dir = Path(__file__).resolve().parent.parent
    return [importlib.import_module(f"tests.{path.parent.name}.permissions")
            for path in sorted(tests_dir.glob("*/permissions.py"))]


AREAS = _area_tables()

# URL name -> persona -> outcome of a GET. The canvasser is the one role without a
# second factor (the fixture gives every other role TOTP). allauth's reauthentication
# redirects are expected: the test signs in with force_login, which is not a recent
# password or code entry.
EXPECTED: dict[str, Expectation] = {
    # --- groundswell, outside any organization
    # Each member belongs to one organization, so home goes straight to it.
    "home": account(Redirect("organization_home(org_slug=front-street)"),
                    outsider=Redirect("organization_home(org_slug=elsewhere)")),
    # No worker heartbeat in tests, so "degraded"; public on purpose (load balancers).
    "health": everyone(503),
    "set_language": everyone(405),  # POST only
    "invitation_accept": everyone(200),  # valid token: the link itself is the secret

    # --- allauth: signing in and out
    "account_login": guest(200),
    "account_logout": account(200),  # a confirmation form; GET never logs out
    "account_inactive": everyone(200),
    "account_signup": guest(200),  # renders "sign-up is closed" (invitations only)
    "account_confirm_login_code": guest(LOGIN),  # no login code pending
    "account_reauthenticate": account(200),
    # Reauthentication by a code sent to the inbox is switched off
    # (ACCOUNT_REAUTHENTICATION_METHODS): reading mail must not be enough.
    "account_request_reauthentication_code": account(403),
    "account_confirm_reauthentication_code": account(403),

    # --- allauth: email and password
    # Changing the address needs the password again and a confirmation from the new
    # inbox (tests/accounts/test_email_change.py); an unverified address never blocks
    # enrolling a second factor.
    "account_email": account(200),
    "account_email_verification_sent": everyone(200),
    "account_confirm_email": everyone(200),  # junk key: "link invalid" page
    "account_change_password": account(200),
    "account_set_password": account(Redirect("account_change_password")),  # has one
    "account_reset_password": everyone(200),
    "account_reset_password_done": everyone(200),
    "account_reset_password_from_key": everyone(200),  # junk key: "bad token" page
    "account_reset_password_from_key_done": everyone(200),

    # --- allauth: second factor
    "mfa_index": account(200),
    "mfa_authenticate": guest(LOGIN),  # no login stage in progress
    "mfa_reauthenticate": account(200, canvasser=REAUTHENTICATE),  # canvasser: no TOTP
    "mfa_activate_totp": account(REAUTHENTICATE),
    "mfa_deactivate_totp": account(REAUTHENTICATE, canvasser=404),  # nothing to remove
    "mfa_view_recovery_codes": account(404),  # no recovery codes generated
    "mfa_generate_recovery_codes": account(REAUTHENTICATE),
    "mfa_download_recovery_codes": account(404),
    "mfa_list_webauthn": account(200),
    "mfa_add_webauthn": account(REAUTHENTICATE),
    "mfa_reauthenticate_webauthn": account(REAUTHENTICATE),  # no passkey to use
    "mfa_remove_webauthn": account(REAUTHENTICATE),
    "mfa_edit_webauthn": account(REAUTHENTICATE),
    "mfa_login_webauthn": guest(LOGIN),  # POST only; GET sends back to the login page

    # --- /o/front-street/
    "organization_home": org(ALL_ROLES),
    "members": org(ORGANIZERS),
    "member_invite": org(ADMINS),
    "member_edit": org(ADMINS),
    "member_remove": org(ADMINS),  # GET shows the confirmation
    "invitation_revoke": org(ADMINS, ok=405),  # POST only
    "bases": org(ALL_ROLES),
    "base_create": org(ORGANIZERS),
    "base_edit": org(ORGANIZERS),
    "audit_log": org(ADMINS),
    "engagement_ladder": org(ADMINS),
    # people screens (people/views/people.py); POST-only forms answer GET with 405
    "people": org(PEOPLE_VIEWERS),
    "people_tag": org(ORGANIZERS, ok=405),
    "people_list_save": org(ORGANIZERS, ok=405),
    "saved_list": org(PEOPLE_VIEWERS),
    "person_create": org(ORGANIZERS),
    "person_duplicate_check": org(ORGANIZERS, ok=405),
    "person": org(PEOPLE_VIEWERS),
    "person_note": org(ORGANIZERS, ok=405),
    "person_contact": org(ORGANIZERS, ok=405),
    "person_consent": org(ORGANIZERS, ok=405),
    "person_consent_withdraw": org(ORGANIZERS, ok=405),
    "person_grievance": org(ORGANIZERS, ok=405),
    "person_relationship": org(ORGANIZERS, ok=405),
    "person_relationship_search": org(ORGANIZERS, ok=405),
    "person_move": org(ORGANIZERS, ok=405),
    "person_stage": org(ORGANIZERS, ok=405),
    "person_rate": org(ORGANIZERS, ok=405),
    "person_edit": org(ORGANIZERS, ok=405),
    "contact_reveal": org(PHONE_REVEALERS, ok=405),
    "household": org(PEOPLE_VIEWERS),
    "people_export": org(ORGANIZERS),  # GET shows the choices; POST downloads
    # duplicates, merge and forget (people/views/merge.py)
    "duplicates": org(ORGANIZERS),
    "duplicate_dismiss": org(ORGANIZERS, ok=405),  # POST only
    "person_merge": org(ORGANIZERS),  # GET compares side by side; POST merges
    "merges": org(ORGANIZERS),
    "merge_undo": org(ORGANIZERS, ok=405),  # POST only
    "person_forget": org(ADMINS),  # GET explains; two POSTs forget
}

# --- concrete URLs ------------------------------------------------------------------------

# Which object a ``pk`` names, per URL name. "missing" is a pk that exists nowhere
# (allauth's passkey pages: the personas have no passkey).
PK_KINDS: dict[str, str] = {
    "member_edit": "membership",
    "member_remove": "membership",
    "invitation_revoke": "invitation",
    "base_edit": "base",
    "saved_list": "saved_list",
    "person": "person",
    "person_note": "person",
    "person_contact": "person",
    "person_consent": "person",
    "person_consent_withdraw": "person",
    "person_grievance": "person",
    "person_relationship": "person",
    "person_relationship_search": "person",
    "person_move": "person",
    "person_stage": "person",
    "person_rate": "person",
    "person_edit": "person",
    "contact_reveal": "contact",
    "household": "household",
    "duplicate_dismiss": "duplicate",
    "merge_undo": "merge",
    "person_forget": "person",
    "mfa_remove_webauthn": "missing",
    "mfa_edit_webauthn": "missing",
}
MISSING_PK = 987654321

# Arguments other than pk, per URL name -> {argument -> world key}.
PARAMS: dict[str, dict[str, str]] = {}


def _merge(name: str, into: dict) -> None:
    for area in AREAS:
        table = getattr(area, name, {})
        clash = set(table) & set(into)
        assert not clash, f"{area.__name__}.{name} redeclares {sorted(clash)}"
        into.update(table)


_merge("EXPECTED", EXPECTED)
_merge("PK_KINDS", PK_KINDS)
_merge("PARAMS", PARAMS)

# Person ids captured under other names (the side-by-side merge), by name -> kind.
PERSON_PARAMS: dict[str, str] = {"first": "duplicate_first", "second": "duplicate_second"}

# Values for every other captured keyword argument, by its name.
FIXED_VALUES: dict[str, str] = {
    "key": "not-a-real-key",  # allauth: email confirmation and password reset keys
    "uidb36": "zz",
}


@dataclass
class World:
    """The objects of one organization that URLs can point at."""

    org_slug: str
    pks: dict[str, int]
    token: str


def people_world(org, admin) -> dict[str, int]:
    """A person with a phone, living in a household, and a saved list."""
    from groundswell.people import services as people

    with scope(organization=org):
        person = people.create_person(admin, given_name="Ana", family_name="World",
                                      phone="215-555-0134", street="2417 N Front St")
        saved = people.save_list(admin, name="Everyone tagged", filters={"has_phone": "yes"})
        return {"person": person.pk, "contact": person.contacts.get().pk,
                "household": people.current_residence(person).household_id,
                "saved_list": saved.pk}


def merge_world(org, admin) -> dict[str, int]:
    """A pair of possible duplicates, and a merge of two other records."""
    from groundswell.people import services as people

    with scope(organization=org):
        kept, merged = (people.create_person(admin, given_name="Luis", family_name="Merged",
                                             phone="215-555-0177") for _ in range(2))
        merge = people.merge_people(admin, kept, merged)
        first, second = (people.create_person(admin, given_name="Rosa", family_name="Twice",
                                              phone="215-555-0188") for _ in range(2))
        people.find_duplicates(org, admin)
        candidate = DuplicateCandidate.objects.get(first=first, second=second)
        return {"duplicate": candidate.pk, "duplicate_first": first.pk,
                "duplicate_second": second.pk, "merge": merge.pk}


def area_keys(area: ModuleType) -> set[str]:
    """The world keys an area's URL patterns name."""
    return set(getattr(area, "PK_KINDS", {}).values()) | {
        key for params in getattr(area, "PARAMS", {}).values() for key in params.values()}


def build_world(personas, *, other: bool = False, keys: Iterable[str] | None = None) -> World:
    """Objects in front-street (or, with ``other``, in elsewhere): a member who is not
    an admin, a pending invitation, a base, people; and the objects of each area whose
    keys are wanted (every area's when ``keys`` is None)."""
    org = personas.other_org if other else personas.org
    admin = personas.outsider if other else personas.member(ADMIN)
    member = make_member(org, Role.CANVASSER, mfa=False) if other \
        else personas.member(CANVASSER)
    with scope(organization=org):
        invitation = services.invite_member(admin, email=f"newcomer@{org.slug}.example.org",
                                            role=Role.ORGANIZER)
    base = personas.other_base if other else personas.base
    pks = {"membership": member.pk, "invitation": invitation.pk, "base": base.pk,
           "missing": MISSING_PK, **people_world(org, admin), **merge_world(org, admin)}
    wanted = None if keys is None else set(keys)
    for area in AREAS:
        if hasattr(area, "world") and (wanted is None or area_keys(area) & wanted):
            with scope(organization=org):
                pks.update(area.world(org, admin))
    return World(org.slug, pks, services.invitation_token(invitation))


def keys_of(pattern: Pattern) -> set[str]:
    """The world keys a pattern's URL needs."""
    return {PK_KINDS.get(pattern.key, "")} | set(PARAMS.get(pattern.key, {}).values())


def url_values(pattern: Pattern, world: World) -> dict[str, str]:
    """A value for each keyword argument of ``pattern``; fails naming anything this
    module does not know how to fill."""
    values: dict[str, str] = {}
    named = PARAMS.get(pattern.key, {})
    for param in pattern.params:
        if param in named:
            values[param] = str(world.pks[named[param]])
        elif param == "org_slug":
            values[param] = world.org_slug
        elif param == "token":
            values[param] = world.token
        elif param == "pk":
            kind = PK_KINDS.get(pattern.key)
            if kind is None:
                pytest.fail(f"URL pattern {pattern.key!r} ({pattern.route}) takes a pk: "
                            "declare which object it names in PK_KINDS")
            values[param] = str(world.pks[kind])
        elif param in PERSON_PARAMS:
            values[param] = str(world.pks[PERSON_PARAMS[param]])
        elif param in FIXED_VALUES:
            values[param] = FIXED_VALUES[param]
        else:
            pytest.fail(f"URL pattern {pattern.key!r} ({pattern.route}) captures "
                        f"{param!r}: add a value for it to FIXED_VALUES")
    return values


def client_for(persona: str, personas) -> Client:
    client = Client(raise_request_exception=False)  # a crash is a 500 in the table
    if persona == OUTSIDER:
        login(client, personas.outsider)
    elif persona != ANONYMOUS:
        login(client, personas.member(persona))
    return client


# --- the tests -------------------------------------------------------------------------------


def test_every_url_pattern_has_a_declared_expectation():
    missing = undeclared(PATTERNS, EXPECTED)
    assert not missing, (
        "URL patterns with no declared expectation in tests/core/test_permission_matrix.py "
        "or tests/<area>/permissions.py (say who may open them): " + ", ".join(sorted(missing)))


def test_every_declared_expectation_names_an_existing_pattern():
    gone = stale(PATTERNS, EXPECTED) | stale(PATTERNS, PK_KINDS) | stale(PATTERNS, PARAMS)
    assert not gone, "Expectations for URL patterns that no longer exist: " + \
        ", ".join(sorted(gone))


def test_every_expectation_covers_every_persona():
    incomplete = {key: sorted(set(PERSONAS) ^ set(table)) for key, table in EXPECTED.items()
                  if set(table) != set(PERSONAS)}
    assert not incomplete, f"Expectations that miss or invent personas: {incomplete}"


def test_pattern_keys_are_unique():
    # Two patterns with one name would share one row of the table.
    duplicates = [key for key, count in Counter(p.key for p in PATTERNS).items() if count > 1]
    assert not duplicates, f"URL names used by more than one pattern: {duplicates}"


def test_the_walk_reaches_includes_and_unnamed_patterns_and_reports_them():
    """The property the matrix rests on, checked on a URLconf made up here: nested and
    namespaced includes are walked, an unnamed pattern is identified by its route, and
    whatever has no expectation is reported, by name."""

    def view(request):
        return HttpResponse()

    inner = [path("deep/<int:pk>/", view, name="deep"), path("anon/<slug:code>/", view)]
    urlconf = type("URLConf", (), {"urlpatterns": [
        path("", view, name="top"),
        path("o/<slug:org_slug>/", (
            [path("", view, name="org_top"), path("nested/", (inner, "inner", "ns"))],
            None, None)),
    ]})
    patterns = walk(URLResolver(get_resolver().pattern, urlconf))

    assert [p.key for p in patterns] == [
        "top", "org_top", "ns:deep", "o/<slug:org_slug>/nested/anon/<slug:code>/"]
    deep = patterns[2]
    assert deep.params == ("org_slug", "pk")
    assert deep.url({"org_slug": "front-street", "pk": "7"}) == "/o/front-street/nested/deep/7/"
    assert undeclared(patterns, {"top", "org_top"}) == {
        "ns:deep", "o/<slug:org_slug>/nested/anon/<slug:code>/"}
    assert stale(patterns, {"top", "gone"}) == {"gone"}


def test_the_walk_reaches_allauth_and_organization_pages():
    keys = set(BY_KEY)
    assert {"account_login", "mfa_activate_totp", "account_reset_password_from_key",
            "organization_home", "member_edit"} <= keys
    assert BY_KEY["account_reset_password_from_key"].params == ("key", "uidb36")


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.key for p in PATTERNS])
def test_permission_matrix(pattern: Pattern, personas):
    expected = EXPECTED.get(pattern.key)
    if expected is None:
        pytest.fail(f"No expectation declared for URL pattern {pattern.key!r} "
                    f"({pattern.route}): add it to EXPECTED in {__name__}")
    url = pattern.url(url_values(pattern, build_world(personas, keys=keys_of(pattern))))
    match = resolve(url)
    assert match.route == pattern.route, f"{url} resolves to {match.route}, not {pattern.route}"

    actual: dict[str, Outcome] = {}
    crashes: list[str] = []
    for persona in PERSONAS:
        response = client_for(persona, personas).get(url)
        actual[persona] = outcome_of(response)
        if response.status_code >= 500 and getattr(response, "exc_info", None):
            crashes.append(f"{persona}: {response.exc_info[1]!r}")
    wrong = [f"  {persona:<14} expected {expected[persona]!s:<34} got {actual[persona]}"
             for persona in PERSONAS if actual[persona] != expected[persona]]
    if wrong:
        pytest.fail(f"GET {url} ({pattern.key}):\n" + "\n".join(wrong + crashes), pytrace=False)


def test_outsider_gets_404_on_every_organization_page():
    """Restating the rule the table must follow, so it cannot be edited away."""
    org_keys = {p.key for p in PATTERNS if p.under_organization}
    assert org_keys, "no /o/<org_slug>/ patterns found"
    leaks = {key: EXPECTED[key][OUTSIDER] for key in org_keys
             if key in EXPECTED and EXPECTED[key][OUTSIDER] != 404}
    assert not leaks, f"The outsider must get 404 on every organization page: {leaks}"

