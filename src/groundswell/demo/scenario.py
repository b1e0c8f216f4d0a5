"""The demo scenario: a fictional community center in a Kensington-like neighborhood.

Idempotent: running it again finds what exists and adds only what is missing.
Later areas (people, canvassing, events...) add their part here.
"""

from __future__ import annotations

import importlib
import importlib.util
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_scopes import scope

from groundswell.core.models import Base, Membership, Organization, Role
from groundswell.core.services import create_organization, save_base
from groundswell.demo import people
from groundswell.env import env_secret

DOMAIN = "demo.groundswell.test"
ORG_SLUG = "front-street"
SECOND_ORG_SLUG = "fairhill-tenants"

USERS = [
    # (local part, name, role in the community center, language)
    ("admin", "Rosa Admin", Role.ADMIN, "es"),
    ("organizer", "Marcus Organizer", Role.ORGANIZER, "en"),
    ("canvasser", "Yesenia Canvasser", Role.CANVASSER, "es"),
    ("dispatcher", "Dana Dispatcher", Role.DISPATCHER, "en"),
    ("staff", "Pedro Program Staff", Role.PROGRAM_STAFF, "es"),
]

BASES = [
    ("North Front Street", "Row houses between Front and Lehigh; the block party's home."),
    ("Somerset blocks", "Blocks around the luxury complex planned on the old factory site."),
]


@dataclass
class DemoLogin:
    email: str
    role: str
    password: str
    totp_secret: str | None


def demo_password() -> str:
    # Short enough to type on a phone; the demo only listens on 127.0.0.1.
    return env_secret("GROUNDSWELL_DEMO_PASSWORD", generated_in=settings.VAR_DIR / "secrets",
                      factory=lambda: "demo-" + secrets.token_urlsafe(6))


# Each area adds its part of the scenario in groundswell/demo/<area>.py, with a
# ``load(org)`` that is idempotent like people.load; in this order, since later areas
# build on earlier ones (walk lists on geocoded households, alerts to subscribers).
AREA_DEMOS = ("geo", "canvass", "events", "programs", "messaging", "rapidresponse",
              "imports")


@transaction.atomic
def load() -> list[DemoLogin]:
    User = get_user_model()
    password = demo_password()
    users = {}
    for local, name, _role, language in USERS:
        email = f"{local}@{DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password, name=name, language=language)
        EmailAddress.objects.get_or_create(user=user, email=email,
                                           defaults={"verified": True, "primary": True})
        users[local] = user

    org = Organization.objects.filter(slug=ORG_SLUG).first()
    if org is None:
        org = create_organization(name="Front Street Community Center", slug=ORG_SLUG,
                                  admin=users["admin"], default_language="es")
    with scope(organization=org):
        admin = Membership.objects.get(organization=org, user=users["admin"])
        for local, _name, role, _lang in USERS:
            Membership.objects.get_or_create(organization=org, user=users[local],
                                             defaults={"role": role})
        for base_name, description in BASES:
            if not Base.objects.filter(name=base_name).exists():
                save_base(admin, name=base_name, description=description)

        people.load(org)  # ~2,000 residents; adds nothing when they are already there
        for area in AREA_DEMOS:
            if importlib.util.find_spec(f"groundswell.demo.{area}") is not None:
                importlib.import_module(f"groundswell.demo.{area}").load(org)

    second = Organization.objects.filter(slug=SECOND_ORG_SLUG).first()
    if second is None:
        second = create_organization(name="Fairhill Tenants Union", slug=SECOND_ORG_SLUG,
                                     admin=users["organizer"], default_language="en")

    logins = []
    for local, _name, role, _lang in USERS:
        user = users[local]
        secret = None
        if role != Role.CANVASSER:
            secret = _ensure_totp(user)
        logins.append(DemoLogin(user.email, str(role.label), password, secret))
    return logins


def _ensure_totp(user: object) -> str:
    from allauth.mfa.adapter import get_adapter

    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return get_adapter().decrypt(existing.data["secret"])
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    RecoveryCodes.activate(user)
    return secret


def current_code(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))
