"""Domain operations on organizations, bases and memberships.

Each function takes the acting membership (or user), checks permission, runs in one
transaction, writes its audit event and sends mail only after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from groundswell.core import audit
from groundswell.core.errors import DomainError
from groundswell.core.models import Base, Invitation, Membership, Organization, Role
from groundswell.core.permissions import require
from groundswell.core.tasks import send_invitation_email

INVITATION_SALT = "groundswell.invitation"


# --- organizations and bases ---------------------------------------------------------


def create_organization(*, name: str, slug: str, admin: Any,
                        default_language: str = "en") -> Organization:
    """Create a tenant with its first admin. Used by the install command and the demo;
    there is no self-service sign-up for organizations."""
    org = Organization(name=name.strip(), slug=slug.strip(), default_language=default_language)
    try:
        org.full_clean()
    except ValidationError as exc:
        raise DomainError("; ".join(exc.messages)) from exc
    with transaction.atomic():
        org.save()
        with scope(organization=org):
            membership = Membership.objects.create(organization=org, user=admin, role=Role.ADMIN)
            audit.record("core.organization.created", organization=org, actor=admin, obj=org)
            audit.record("core.member.joined", organization=org, actor=admin, obj=membership,
                         data={"role": membership.role})
    return org


def save_base(actor: Membership, *, base: Base | None = None, name: str,
              description: str = "") -> Base:
    require(actor, "bases.manage")
    name = name.strip()
    if not name:
        raise DomainError(_("A base needs a name."))
    with transaction.atomic():
        creating = base is None
        if base is None:
            base = Base(organization=actor.organization)
        base.name, base.description = name, description.strip()
        try:
            with transaction.atomic():
                base.save()
        except IntegrityError:
            raise DomainError(_("There is already a base with that name.")) from None
        audit.record("core.base.created" if creating else "core.base.updated",
                     by=actor, obj=base)
    return base


def set_base_archived(actor: Membership, base: Base, archived: bool) -> Base:
    require(actor, "bases.manage")
    with transaction.atomic():
        base.archived_at = timezone.now() if archived else None
        base.save(update_fields=["archived_at"])
        audit.record("core.base.archived" if archived else "core.base.restored",
                     by=actor, obj=base)
    return base


# --- memberships ---------------------------------------------------------------------


def _check_bases(actor: Membership, bases: Iterable[Base]) -> list[Base]:
    bases = list(bases)
    for base in bases:
        if base.organization_id != actor.organization_id:
            raise DomainError(_("That base is not part of this organization."))
    return bases


def _remaining_admins(org: Organization, excluding: Membership) -> int:
    return Membership.objects.filter(organization=org, role=Role.ADMIN).exclude(
        pk=excluding.pk).count()


def change_role(actor: Membership, member: Membership, *, role: str,
                bases: Iterable[Base] = ()) -> Membership:
    require(actor, "members.manage")
    if role not in Role.values:
        raise DomainError(_("Choose one of the listed roles."))
    bases = _check_bases(actor, bases)
    with transaction.atomic():
        member = Membership.objects.select_for_update().get(pk=member.pk)
        if member.role == Role.ADMIN and role != Role.ADMIN and \
                _remaining_admins(actor.organization, member) == 0:
            raise DomainError(_("An organization needs at least one admin. "
                                "Make someone else an admin first."))
        before_role = member.role
        before_bases = sorted(member.bases.values_list("pk", flat=True))
        member.role = role
        member.save(update_fields=["role"])
        member.bases.set(bases)
        after_bases = sorted(b.pk for b in bases)
        if before_role != role or before_bases != after_bases:
            audit.record("core.member.role_changed", by=actor, obj=member,
                         data={"user": member.user_id, "from": before_role, "to": role,
                               "bases_from": before_bases, "bases_to": after_bases})
    return member


def remove_member(actor: Membership, member: Membership) -> None:
    require(actor, "members.manage")
    with transaction.atomic():
        member = Membership.objects.select_for_update().get(pk=member.pk)
        if member.role == Role.ADMIN and _remaining_admins(actor.organization, member) == 0:
            raise DomainError(_("An organization needs at least one admin. "
                                "Make someone else an admin first."))
        audit.record("core.member.removed", by=actor,
                     obj=member, data={"user": member.user_id, "role": member.role})
        member.delete()


# --- invitations ---------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": str(invitation.public_id)}, salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("invitation_accept",
                                                   args=[invitation_token(invitation)])


def invite_member(actor: Membership, *, email: str, role: str,
                  bases: Iterable[Base] = ()) -> Invitation:
    require(actor, "members.manage")
    if role not in Role.values:
        raise DomainError(_("Choose one of the listed roles."))
    email = email.strip().lower()
    bases = _check_bases(actor, bases)
    org = actor.organization
    with transaction.atomic():
        User = get_user_model()
        existing = User.objects.filter(email__iexact=email).first()
        if existing and Membership.objects.filter(organization=org, user=existing).exists():
            raise DomainError(_("That person is already a member."))
        email_index = Invitation._meta.get_field("email").index_for(email)
        for stale in Invitation.objects.filter(email_index=email_index, accepted_at=None,
                                               revoked_at=None):
            stale.revoked_at = timezone.now()
            stale.save(update_fields=["revoked_at"])
        invitation = Invitation.objects.create(
            organization=org, email=email, role=role, invited_by=actor.user,
            expires_at=timezone.now() + settings.INVITATION_MAX_AGE,
        )
        invitation.bases.set(bases)
        audit.record("core.member.invited", by=actor, obj=invitation,
                     data={"role": role, "bases": sorted(b.pk for b in bases)})
        invitation_id = invitation.pk
        transaction.on_commit(lambda: send_invitation_email.enqueue(invitation_id))
    return invitation


def revoke_invitation(actor: Membership, invitation: Invitation) -> None:
    require(actor, "members.manage")
    with transaction.atomic():
        if invitation.accepted_at or invitation.revoked_at:
            raise DomainError(_("This invitation is no longer pending."))
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record("core.member.invitation_revoked", by=actor, obj=invitation)


@dataclass(frozen=True)
class PendingInvitation:
    invitation: Invitation
    organization: Organization
    existing_user: Any | None


def read_invitation(token: str) -> PendingInvitation:
    """Check a link's signature, age and state. Raises DomainError with a message for
    a tampered, expired, used or revoked link."""
    max_age = settings.INVITATION_MAX_AGE.total_seconds()
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise DomainError(_("This invitation has expired. Ask an admin to send a new one."))\
            from None
    except signing.BadSignature:
        raise DomainError(_("This invitation link is not valid. Check that you copied all of "
                            "it, or ask an admin to send a new one.")) from None
    with scopes_disabled():
        invitation = (Invitation.objects.filter(public_id=payload.get("i"))
                      .select_related("organization").first())
    if invitation is None or invitation.revoked_at is not None:
        raise DomainError(_("This invitation was withdrawn. Ask an admin to send a new one."))
    if invitation.accepted_at is not None:
        raise DomainError(_("This invitation has already been used. Log in instead."))
    if invitation.expires_at <= timezone.now():
        raise DomainError(_("This invitation has expired. Ask an admin to send a new one."))
    User = get_user_model()
    existing = User.objects.filter(email__iexact=invitation.email).first()
    return PendingInvitation(invitation, invitation.organization, existing)


def accept_invitation(token: str, *, user: Any = None, name: str = "",
                      password: str = "") -> Membership:
    """Join the organization. A signed-in user whose email matches joins directly;
    a new person creates their account with a name and password."""
    pending = read_invitation(token)
    invitation, org = pending.invitation, pending.organization
    User = get_user_model()
    with transaction.atomic(), scope(organization=org):
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise DomainError(_("This invitation has already been used. Log in instead."))
        if user is not None and user.is_authenticated:
            if user.email.lower() != invitation.email.lower():
                raise DomainError(_("This invitation was sent to a different email address. "
                                    "Log out and open the link again."))
        else:
            if pending.existing_user is not None:
                raise DomainError(_("You already have an account. Log in, then open the "
                                    "link again."))
            if not name.strip():
                raise DomainError(_("Please enter your name."))
            user = User(email=invitation.email, name=name.strip())
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise DomainError(" ".join(exc.messages)) from exc
            user.set_password(password)
            user.language = translation.get_language() or org.default_language
            user.save()
            # Opening the emailed link proves the address.
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        if Membership.objects.filter(organization=org, user=user).exists():
            raise DomainError(_("You are already a member of this organization."))
        membership = Membership.objects.create(organization=org, user=user, role=invitation.role)
        membership.bases.set(invitation.bases.all())
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit.record("core.member.joined", organization=org, actor=user, obj=membership,
                     data={"role": membership.role, "invitation": invitation.pk})
    return membership


# --- per-user settings ---------------------------------------------------------------


def set_language(user: Any, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("That language is not available."))
    if user.is_authenticated and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
