"""The login email cannot be moved by whoever holds a session for a moment."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django_scopes import scope

from groundswell.core import services
from tests.conftest import age_login
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def password_login(client, user):
    response = client.post("/account/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_adding_an_address_asks_for_the_password_again(client, personas):
    user = personas.member("canvasser").user
    password_login(client, user)
    age_login(client)
    response = client.post("/account/email/", {"action_add": "", "email": "x@evil.example"})
    assert response.status_code == 302 and "/account/reauthenticate/" in response.url
    user.refresh_from_db()
    assert user.email != "x@evil.example"
    assert not EmailAddress.objects.filter(email="x@evil.example").exists()


def test_new_address_replaces_the_old_only_after_confirmation(client, personas):
    user = personas.member("canvasser").user
    old = user.email
    password_login(client, user)
    client.post("/account/reauthenticate/", {"password": PASSWORD})
    response = client.post("/account/email/", {"action_add": "", "email": "new@example.org"})
    assert response.status_code == 302
    client.post("/account/email/", {"action_primary": "", "email": "new@example.org"})
    user.refresh_from_db()
    assert user.email == old
    assert any("new@example.org" in m.to for m in mail.outbox)  # confirmation link


def test_accepting_an_invitation_verifies_the_address(client, personas):
    with scope(organization=personas.org):
        invitation = services.invite_member(personas.member("admin"),
                                            email="verified@example.org", role="organizer")
    token = services.invitation_token(invitation)
    client.post(f"/invite/{token}/", {"name": "Vera", "password": "plenty-long-pass-42"})
    address = EmailAddress.objects.get(email="verified@example.org")
    assert address.verified and address.primary


def test_an_unverified_address_never_blocks_second_factor_enrollment(client, personas):
    from tests.factories import make_member

    member = make_member(personas.org, "organizer", mfa=False)
    EmailAddress.objects.filter(user=member.user).update(verified=False)
    password_login(client, member.user)
    client.post("/account/reauthenticate/", {"password": PASSWORD})
    assert client.get("/account/2fa/totp/activate/").status_code == 200
