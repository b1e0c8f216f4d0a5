"""Invitations, roles and removal: through the services and through HTTP."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from groundswell.core import services
from groundswell.core.errors import DomainError
from groundswell.core.models import AuditEvent, Invitation, Membership, Role
from tests.conftest import login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def invite(personas, email="new.person@example.org", role=Role.ORGANIZER, bases=()):
    admin = personas.member("admin")
    with scope(organization=personas.org):
        return services.invite_member(admin, email=email, role=role, bases=bases)


def token_from_mail() -> str:
    body = mail.outbox[-1].body
    return re.search(r"/invite/([^/\s]+)/", body).group(1)


class TestInvite:
    def test_admin_invites_and_email_carries_a_working_link(self, client, personas,
                                                            django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invite(personas, bases=[personas.base])
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["new.person@example.org"]
        assert "Front Street Community Center" in mail.outbox[0].subject
        token = token_from_mail()
        assert client.get(f"/invite/{token}/").status_code == 200

        response = client.post(f"/invite/{token}/", {"name": "Nueva Persona",
                                                      "password": "plenty-long-pass-42"})
        assert response.status_code == 302
        assert response.url == "/o/front-street/"
        with scopes_disabled():
            membership = Membership.objects.get(user__email="new.person@example.org")
            assert membership.role == Role.ORGANIZER
            assert list(membership.bases.all()) == [personas.base]
            invitation.refresh_from_db()
            assert invitation.accepted_at is not None
            codes = list(AuditEvent.objects.filter(organization=personas.org)
                         .values_list("code", flat=True))
        assert "core.member.invited" in codes and "core.member.joined" in codes

    def test_no_personal_data_in_audit_payload(self, personas):
        invite(personas, email="private.person@example.org")
        with scopes_disabled():
            event = AuditEvent.objects.get(code="core.member.invited")
        assert "private.person" not in str(event.data)

    def test_only_admins_invite(self, personas):
        for role in (Role.ORGANIZER, Role.CANVASSER, Role.DISPATCHER, Role.PROGRAM_STAFF):
            with scope(organization=personas.org), pytest.raises(PermissionDenied):
                services.invite_member(personas.member(role), email="x@example.org",
                                       role=Role.CANVASSER)

    def test_existing_member_cannot_be_invited_again(self, personas):
        member = personas.member("organizer")
        with pytest.raises(DomainError, match="already a member"):
            invite(personas, email=member.user.email.upper())

    def test_reinviting_withdraws_the_earlier_link(self, personas):
        first = invite(personas)
        invite(personas)
        first.refresh_from_db()
        assert first.revoked_at is not None
        with pytest.raises(DomainError, match="withdrawn"):
            services.read_invitation(services.invitation_token(first))

    def test_base_of_another_organization_is_refused(self, personas):
        with pytest.raises(DomainError):
            invite(personas, bases=[personas.other_base])
        with scopes_disabled():
            assert not Invitation.objects.exists()

    def test_invite_form_errors_change_nothing(self, client, personas):
        login(client, personas.member("admin"))
        response = client.post("/o/front-street/members/invite/",
                               {"email": "not-an-email", "role": "emperor"})
        assert response.status_code == 400
        assert b"valid email" in response.content
        with scopes_disabled():
            assert not Invitation.objects.exists()


class TestAcceptInvitation:
    def test_tampered_link_is_refused_with_a_message(self, client, personas):
        token = services.invitation_token(invite(personas))
        tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
        response = client.get(f"/invite/{tampered}/")
        assert response.status_code == 400
        assert b"not valid" in response.content
        response = client.post(f"/invite/{tampered}/", {"name": "X", "password": "p" * 12})
        assert response.status_code == 400
        with scopes_disabled():
            assert Membership.objects.filter(user__email="new.person@example.org").count() == 0

    def test_garbage_link_is_refused(self, client, db):
        response = client.get("/invite/not-a-token/")
        assert response.status_code == 400

    def test_expired_link_is_refused(self, client, personas, settings):
        token = services.invitation_token(invite(personas))
        later = timezone.now() + settings.INVITATION_MAX_AGE + timezone.timedelta(minutes=1)
        with time_machine.travel(later):
            response = client.get(f"/invite/{token}/")
        assert response.status_code == 400
        assert b"expired" in response.content

    def test_link_works_once(self, client, personas):
        token = services.invitation_token(invite(personas))
        client.post(f"/invite/{token}/", {"name": "Ana", "password": "plenty-long-pass-42"})
        client.logout()
        response = client.get(f"/invite/{token}/")
        assert response.status_code == 400
        assert b"already been used" in response.content

    def test_withdrawn_link_is_refused(self, personas):
        invitation = invite(personas)
        with scope(organization=personas.org):
            services.revoke_invitation(personas.member("admin"), invitation)
        with pytest.raises(DomainError, match="withdrawn"):
            services.read_invitation(services.invitation_token(invitation))

    def test_weak_password_keeps_everything_unchanged(self, client, personas):
        token = services.invitation_token(invite(personas))
        response = client.post(f"/invite/{token}/", {"name": "Ana", "password": "1234567890"})
        assert response.status_code == 400
        from django.contrib.auth import get_user_model

        assert not get_user_model().objects.filter(email="new.person@example.org").exists()

    def test_existing_user_joins_after_logging_in(self, client, personas):
        person = UserFactory(email="new.person@example.org")
        token = services.invitation_token(invite(personas, role=Role.CANVASSER))
        response = client.post(f"/invite/{token}/")
        assert response.status_code == 302 and "/account/login/" in response.url
        assert client.login(email="new.person@example.org", password=PASSWORD)
        response = client.post(f"/invite/{token}/")
        assert response.status_code == 302
        with scopes_disabled():
            assert Membership.objects.filter(user=person, organization=personas.org).exists()

    def test_signed_in_user_with_other_email_cannot_take_it(self, client, personas):
        token = services.invitation_token(invite(personas))
        login(client, personas.outsider)
        response = client.post(f"/invite/{token}/")
        assert response.status_code == 400
        assert b"different email" in response.content


class TestRoles:
    def test_change_role_is_audited_with_before_and_after(self, client, personas):
        admin, member = personas.member("admin"), personas.member("canvasser")
        login(client, admin)
        response = client.post(f"/o/front-street/members/{member.pk}/",
                               {"role": "dispatcher", "bases": [personas.base.pk]})
        assert response.status_code == 302
        member.refresh_from_db()
        assert member.role == Role.DISPATCHER
        with scopes_disabled():
            event = AuditEvent.objects.get(code="core.member.role_changed")
        assert event.data["from"] == "canvasser" and event.data["to"] == "dispatcher"
        assert event.actor_id == admin.user_id

    def test_last_admin_cannot_step_down(self, client, personas):
        admin = personas.member("admin")
        login(client, admin)
        response = client.post(f"/o/front-street/members/{admin.pk}/", {"role": "organizer"})
        assert response.status_code == 400
        assert b"at least one admin" in response.content
        admin.refresh_from_db()
        assert admin.role == Role.ADMIN

    def test_last_admin_cannot_be_removed(self, personas):
        admin = personas.member("admin")
        with scope(organization=personas.org), pytest.raises(DomainError):
            services.remove_member(admin, admin)

    def test_unknown_role_is_refused(self, personas):
        with scope(organization=personas.org), pytest.raises(DomainError):
            services.change_role(personas.member("admin"), personas.member("canvasser"),
                                 role="emperor")

    def test_remove_member_revokes_access(self, client, personas):
        member = personas.member("organizer")
        login(client, personas.member("admin"))
        assert client.post(f"/o/front-street/members/{member.pk}/remove/").status_code == 302
        with scopes_disabled():
            assert not Membership.objects.filter(pk=member.pk).exists()
            assert AuditEvent.objects.filter(code="core.member.removed").exists()
        login(client, member)
        assert client.get("/o/front-street/").status_code == 404

    def test_members_page_search_and_pagination(self, client, personas):
        login(client, personas.member("admin"))
        name = personas.member("dispatcher").user.name
        response = client.post("/o/front-street/members/", {"q": name})
        assert response.status_code == 302 and response.url == "/o/front-street/members/"
        response = client.get(response.url)
        assert response.status_code == 200
        assert name.encode() in response.content
        assert personas.member("canvasser").user.email.encode() not in response.content
        client.post("/o/front-street/members/", {"q": "zzz-nobody"})
        assert b"No member matches" in client.get("/o/front-street/members/").content
        client.post("/o/front-street/members/", {"q": ""})
        assert b"No member matches" not in client.get("/o/front-street/members/").content
        assert client.get("/o/front-street/members/", {"page": "999"}).status_code == 200
        assert client.get("/o/front-street/members/", {"page": "abc"}).status_code == 200
