"""The tenant and who may do what in it, the audit log, and worker liveness."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from groundswell.core.crypto import EncryptedFieldsModel, EncryptedTextField


def normalize_email(value: str) -> str:
    return value.strip().lower()


def scoped(queryset_class: type[models.QuerySet] | None = None) -> models.Manager:
    """The manager every organization-owned model has: queries outside an organization's
    scope raise instead of crossing organizations."""
    manager = models.Manager.from_queryset(queryset_class) if queryset_class else models.Manager
    return ScopedManager(manager, organization="organization")


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    ORGANIZER = "organizer", _("Organizer")
    CANVASSER = "canvasser", _("Canvasser")
    DISPATCHER = "dispatcher", _("Dispatcher")
    PROGRAM_STAFF = "program_staff", _("Program staff")


# Every role above canvasser can see data that could hurt people if an account were
# taken over, so it must have a second factor (see RequireSecondFactorMiddleware).
ROLES_WITHOUT_MANDATORY_MFA = frozenset({Role.CANVASSER})

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    _("Use 1 to 50 lowercase letters, digits and dashes, not starting or ending with a dash."),
)


class Organization(models.Model):
    """The tenant: every organizing row belongs to exactly one organization."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in links"), max_length=50, unique=True,
                            validators=[slug_validator])
    default_language = models.CharField(_("default language"), max_length=8,
                                        choices=settings.LANGUAGES, default="en")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrgOwned(models.Model):
    """The tenancy base: every organizing row belongs to exactly one organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True


class BaseQuerySet(models.QuerySet["Base"]):
    def visible_to(self, membership: Membership) -> BaseQuerySet:
        """A member limited to some bases sees only those; others see all of them."""
        limited = list(membership.bases.values_list("pk", flat=True))
        return self.filter(pk__in=limited) if limited else self.all()

    def active(self) -> BaseQuerySet:
        return self.filter(archived_at__isnull=True)


class Base(models.Model):
    """A neighborhood or workplace the organization builds in."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="bases")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedManager(models.Manager.from_queryset(BaseQuerySet), organization="organization")

    class Meta:
        verbose_name = _("base")
        verbose_name_plural = _("bases")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="base_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one organization, optionally limited to some of its bases."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    bases = models.ManyToManyField(Base, blank=True, related_name="members",
                                   verbose_name=_("limited to bases"),
                                   help_text=_("Leave empty for all bases."))
    created_at = models.DateTimeField(_("joined"), default=timezone.now)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} · {self.get_role_display()}"

    @property
    def requires_second_factor(self) -> bool:
        return self.role not in ROLES_WITHOUT_MANDATORY_MFA


class Invitation(EncryptedFieldsModel):
    """An emailed, signed, expiring, single-use offer of a membership."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="invitations")
    email = EncryptedTextField(_("email address"), blind_index_field="email_index",
                               normalize=normalize_email)
    email_index = models.CharField(max_length=64, db_index=True, editable=False)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    bases = models.ManyToManyField(Base, blank=True, related_name="+",
                                   verbose_name=_("limited to bases"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.organization}"

    @property
    def is_pending(self) -> bool:
        return (self.accepted_at is None and self.revoked_at is None
                and self.expires_at > timezone.now())


class AuditChainHead(models.Model):
    """The last link of one organization's audit chain ("system" for events with no
    organization). Locked while appending so concurrent writers never fork the chain."""

    chain = models.CharField(max_length=32, unique=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    # Rows from this seq on are MACed with GROUNDSWELL_AUDIT_KEY (earlier ones were
    # written before the key existed); ``seal`` is a MAC of this mark, so moving it to
    # pass rewritten rows off as unkeyed needs the key too (core.audit).
    keyed_from = models.BigIntegerField(null=True, blank=True)
    seal = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.chain}@{self.last_seq}"


class KeyCanary(models.Model):
    """A fixed text sealed with one secret, so start-up can tell whether the configured
    keys are the ones this database's data was written with (core.keycheck)."""

    name = models.CharField(max_length=64, unique=True)  # encryption:<key id>, blind_index, audit
    value = models.TextField()

    def __str__(self) -> str:
        return self.name


class AuditEvent(models.Model):
    """One append-only, hash-chained entry. ``data`` holds ids and codes, never
    personal data; ``ip`` is encrypted."""

    chain = models.CharField(max_length=32, editable=False)
    seq = models.BigIntegerField(editable=False)
    organization = models.ForeignKey(Organization, null=True, blank=True, db_constraint=False,
                                     on_delete=models.DO_NOTHING, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              db_constraint=False, on_delete=models.DO_NOTHING,
                              related_name="+")
    code = models.CharField(_("event"), max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.code} #{self.seq}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Audit events are append-only.")


class WorkerHeartbeat(models.Model):
    """Written by each running background worker so /health can tell it is alive."""

    worker_id = models.CharField(max_length=64, unique=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return self.worker_id
