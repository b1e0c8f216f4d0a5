"""Login, the mandatory second factor, throttling and session handling over HTTP."""

from __future__ import annotations

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone

from groundswell.core.models import Role
from tests.conftest import age_login, login
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


@pytest.fixture(autouse=True)
def _clear_throttles():
    cache.clear()
    yield
    cache.clear()


def password_step(client, user, password=PASSWORD):
    return client.post("/account/login/", {"login": user.email, "password": password})


def reauthenticate(client, user):
    response = client.post("/account/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302, response.content


class TestSecondFactorLogin:
    def test_password_then_totp_logs_in(self, client, personas):
        member = make_member(personas.org, Role.DISPATCHER)
        response = password_step(client, member.user)
        assert response.status_code == 302 and "/2fa/authenticate/" in response.url
        assert "_auth_user_id" not in client.session
        response = client.post(response.url, {"code": totp_now(member.user.totp_secret)})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(member.user.pk)

    def test_wrong_totp_is_refused_with_a_message(self, client, personas):
        member = make_member(personas.org, Role.ORGANIZER)
        url = password_step(client, member.user).url
        good = totp_now(member.user.totp_secret)
        wrong = f"{(int(good) + 1) % 1_000_000:06d}"
        response = client.post(url, {"code": wrong})
        assert response.status_code == 200
        assert b"Incorrect code" in response.content
        assert "_auth_user_id" not in client.session
        response = client.post(url, {"code": "abc"})
        assert response.status_code == 200 and "_auth_user_id" not in client.session

    def test_session_key_rotates_at_login(self, client, personas):
        member = make_member(personas.org, Role.CANVASSER, mfa=False)
        client.get("/account/login/")
        client.session.save()
        before = client.session.session_key
        password_step(client, member.user)
        assert client.session.session_key != before

    def test_logout_deletes_the_session_on_the_server(self, client, personas):
        login(client, personas.member("organizer"))
        key = client.session.session_key
        assert Session.objects.filter(session_key=key).exists()
        client.post("/account/logout/")
        assert not Session.objects.filter(session_key=key).exists()
        assert client.get("/o/front-street/").status_code == 302


class TestMandatorySecondFactor:
    @pytest.mark.parametrize("role", [Role.ADMIN, Role.ORGANIZER, Role.DISPATCHER,
                                      Role.PROGRAM_STAFF])
    def test_roles_above_canvasser_must_enroll_first(self, client, personas, role):
        member = make_member(personas.org, role, mfa=False)
        password_step(client, member.user)
        for path in ("/", "/o/front-street/", "/o/front-street/members/",
                     "/account/password/change/"):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response.url == "/account/2fa/totp/activate/"
        # Right after typing the password, enrolling the first factor asks nothing more.
        assert client.get("/account/2fa/totp/activate/").status_code == 200

    def test_enrolling_long_after_login_asks_for_the_password_again(self, client, personas):
        member = make_member(personas.org, Role.ORGANIZER, mfa=False)
        password_step(client, member.user)
        age_login(client)
        response = client.get("/account/2fa/totp/activate/")
        assert response.url.startswith("/account/reauthenticate/")
        reauthenticate(client, member.user)
        assert client.get("/account/2fa/totp/activate/").status_code == 200

    def test_recovery_codes_made_by_enrollment_show_without_another_password(
            self, client, personas):
        member = make_member(personas.org, Role.ORGANIZER, mfa=False)
        password_step(client, member.user)
        secret = client.get("/account/2fa/totp/activate/").context["form"].secret
        response = client.post("/account/2fa/totp/activate/", {"code": totp_now(secret)})
        assert response.url == "/account/2fa/recovery-codes/"
        assert client.get(response.url).status_code == 200

    def test_removing_a_factor_always_asks_for_the_password(self, client, personas):
        member = make_member(personas.org, Role.ORGANIZER)
        login(client, member)
        response = client.get("/account/2fa/totp/deactivate/")
        assert response.url.startswith("/account/reauthenticate/")

    def test_htmx_requests_are_redirected_by_header(self, client, personas):
        login(client, make_member(personas.org, Role.ORGANIZER, mfa=False))
        response = client.get("/o/front-street/", HTTP_HX_REQUEST="true")
        assert response.status_code == 204
        assert response["HX-Redirect"] == "/account/2fa/totp/activate/"

    def test_canvasser_is_not_forced(self, client, personas):
        login(client, personas.member("canvasser"))
        assert client.get("/o/front-street/").status_code == 200

    def test_canvasser_in_one_org_and_organizer_in_another_must_enroll(self, client, personas):
        canvasser = personas.member("canvasser")
        make_member(personas.other_org, Role.ORGANIZER, mfa=False, user=canvasser.user)
        login(client, canvasser)
        assert client.get("/o/front-street/").url == "/account/2fa/totp/activate/"

    def test_enrolling_totp_opens_the_app(self, client, personas):
        member = make_member(personas.org, Role.ORGANIZER, mfa=False)
        password_step(client, member.user)
        page = client.get("/account/2fa/totp/activate/")
        secret = page.context["form"].secret
        response = client.post("/account/2fa/totp/activate/", {"code": totp_now(secret)})
        assert response.status_code == 302
        assert client.get("/o/front-street/").status_code == 200


class TestThrottling:
    def test_repeated_failures_lock_the_account_out(self, client, personas, settings):
        member = personas.member("canvasser")
        for _ in range(5):
            response = password_step(client, member.user, "wrong-password-123")
            assert response.status_code == 200
        response = password_step(client, member.user)  # even the right password
        assert response.status_code in (200, 429)
        assert "_auth_user_id" not in client.session
        assert b"Too many failed login attempts" in response.content

    def test_failed_logins_are_audited_without_the_email(self, client, personas):
        from django_scopes import scopes_disabled

        from groundswell.core.models import AuditEvent

        password_step(client, personas.member("canvasser").user, "wrong-password-123")
        with scopes_disabled():
            event = AuditEvent.objects.get(code="accounts.user.login_failed")
        assert event.actor_id is None and event.data == {}


class TestIdleTimeout:
    def test_session_ends_after_idle_minutes(self, client, personas, settings):
        login(client, personas.member("organizer"))
        assert client.get("/o/front-street/").status_code == 200
        later = timezone.now() + timezone.timedelta(minutes=settings.IDLE_TIMEOUT_MINUTES + 1)
        with time_machine.travel(later):
            response = client.get("/o/front-street/")
        assert response.status_code == 302 and "/account/login/" in response.url
        assert "_auth_user_id" not in client.session

    def test_activity_keeps_the_session(self, client, personas, settings):
        login(client, personas.member("organizer"))
        step = timezone.timedelta(minutes=settings.IDLE_TIMEOUT_MINUTES - 5)
        now = timezone.now()
        for i in range(1, 4):
            with time_machine.travel(now + step * i):
                assert client.get("/o/front-street/").status_code == 200
