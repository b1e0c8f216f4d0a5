"""The rapid-response network: zones, subscribers, reports, verification, alerts, and
the aggregates that outlive them.

What can identify a reporter or a family (a report's words and place, the number it
came from, who was asked to verify, who received an alert) lives in rows that are
purged after the network's retention period (``services.purge_expired``). What stays
is ``Incident``: times and counts, never a person, a number or a place.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.core.crypto import EncryptedFieldsModel, EncryptedTextField
from groundswell.core.models import Base, OrgOwned, scoped
from groundswell.people.models import Person


def _public_key() -> str:
    return secrets.token_urlsafe(9)


def _leave_token() -> str:
    return secrets.token_urlsafe(18)


class NetworkQuerySet(models.QuerySet["Network"]):
    def visible_to(self, membership: object) -> NetworkQuerySet:
        """A member limited to some bases sees those bases' networks and the
        organization-wide one."""
        limited = list(membership.bases.values_list("pk", flat=True))  # type: ignore[attr-defined]
        if limited:
            return self.filter(models.Q(base__in=limited) | models.Q(base__isnull=True))
        return self.all()


class Network(OrgOwned):
    """A rapid-response network of the organization, optionally for one base."""

    name = models.CharField(_("name"), max_length=100)
    base = models.ForeignKey(Base, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("base"))
    # The link of the public report form: random so that it is shared, not guessed.
    public_key = models.CharField(max_length=20, unique=True, default=_public_key,
                                  editable=False)
    hotline_number = models.CharField(
        _("hotline number"), max_length=20, blank=True,
        help_text=_("The number residents text to report or to join, in +1 format."))
    confirmations_required = models.PositiveSmallIntegerField(
        _("confirmations needed"), default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Responders who must confirm before an alert can go out without "
                    "an override."))
    responders_per_request = models.PositiveSmallIntegerField(
        _("responders asked"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("How many of the nearest available responders are asked to verify."))
    report_expiry_minutes = models.PositiveIntegerField(
        _("report expires after (minutes)"), default=120,
        validators=[MinValueValidator(10), MaxValueValidator(1440)])
    retention_days = models.PositiveSmallIntegerField(
        _("keep reports for (days)"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)])
    default_radius_m = models.PositiveIntegerField(
        _("default alert radius (meters)"), default=800,
        validators=[MinValueValidator(50), MaxValueValidator(20000)])
    center_lat = models.FloatField(null=True, blank=True)
    center_lon = models.FloatField(null=True, blank=True)

    objects = scoped(NetworkQuerySet)

    class Meta:
        verbose_name = _("rapid-response network")
        verbose_name_plural = _("rapid-response networks")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"],
                                    name="rr_network_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Zone(OrgOwned):
    """An area subscribers get alerts for, drawn on the map (GeoJSON polygon)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(_("name"), max_length=100)
    geometry = models.TextField(_("shape"))

    objects = scoped()

    class Meta:
        verbose_name = _("alert zone")
        verbose_name_plural = _("alert zones")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["network", "name"],
                                               name="rr_zone_unique_name")]

    def __str__(self) -> str:
        return self.name


class SubscriberRole(models.TextChoices):
    NEIGHBOR = "neighbor", _("Neighbor")
    RESPONDER = "responder", _("Responder")
    LEGAL_OBSERVER = "legal_observer", _("Legal observer")
    DISPATCHER = "dispatcher", _("Dispatcher")


RESPONDER_ROLES = frozenset({SubscriberRole.RESPONDER, SubscriberRole.LEGAL_OBSERVER})


class Subscriber(OrgOwned):
    """A person who said yes to rapid-response alerts (their Consent is the source of
    truth: the outbox refuses anyone whose consent is withdrawn)."""

    class LocationSource(models.TextChoices):
        HOUSEHOLD = "household", _("Their household")
        FALLBACK = "fallback", _("Approximate (no map point for the address)")
        NONE = "none", _("Unknown")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="subscribers")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    # Sealed: a responder or legal observer is the person most at risk if the database
    # leaks. Never filtered in SQL (every encryption differs): read, then decrypted.
    role = EncryptedTextField(_("role"), choices=SubscriberRole.choices,
                              default=SubscriberRole.NEIGHBOR)
    language = models.CharField(_("language"), max_length=2, default="es",
                                choices=[("es", _("Spanish")), ("en", _("English"))])
    # The centre of the home's block-level cell (targeting.block_point), never the exact
    # point: alerts go by zone or by a radius of hundreds of metres.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_source = models.CharField(max_length=12, choices=LocationSource.choices,
                                       default=LocationSource.NONE)
    zone = models.ForeignKey(Zone, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("home zone"))
    radius_m = models.PositiveIntegerField(_("alert radius (meters)"), default=800)
    drills = models.BooleanField(_("receives drills"), default=False)
    available = models.BooleanField(_("available to verify"), default=True)
    source = models.CharField(_("joined"), max_length=10, blank=True)
    leave_token = models.CharField(max_length=40, unique=True, default=_leave_token,
                                   editable=False)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    objects = scoped()

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["network", "person"],
                                               name="rr_subscriber_unique_person")]
        indexes = [models.Index(fields=["network", "left_at"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()} #{self.pk}"

    @property
    def is_responder(self) -> bool:
        return self.role in RESPONDER_ROLES


class ReportState(models.TextChoices):
    NEW = "new", _("New")
    VERIFYING = "verifying", _("Verifying")
    CONFIRMED = "confirmed", _("Confirmed")
    FALSE_ALARM = "false_alarm", _("False alarm")
    DUPLICATE = "duplicate", _("Duplicate")
    EXPIRED = "expired", _("Expired")


class ReportSource(models.TextChoices):
    SMS = "sms", _("Text message")
    WEB = "web", _("Web form")
    DISPATCHER = "dispatcher", _("Dispatcher")


class Incident(OrgOwned):
    """What stays of a report after it is purged: times and counts for the review,
    nothing that identifies a reporter, a responder, a family or a place."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="incidents")
    source = models.CharField(max_length=12, choices=ReportSource.choices)
    state = models.CharField(max_length=12, choices=ReportState.choices,
                             default=ReportState.NEW)
    is_drill = models.BooleanField(default=False)
    overridden = models.BooleanField(default=False)
    received_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    first_alert_at = models.DateTimeField(null=True, blank=True)
    first_delivery_at = models.DateTimeField(null=True, blank=True)
    responders_asked = models.PositiveIntegerField(default=0)
    responders_confirmed = models.PositiveIntegerField(default=0)
    responders_on_the_way = models.PositiveIntegerField(default=0)
    alerts_sent = models.PositiveIntegerField(default=0)
    recipients = models.PositiveIntegerField(default=0)
    purged_at = models.DateTimeField(null=True, blank=True)

    objects = scoped()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"#{self.pk}"


class Report(OrgOwned, EncryptedFieldsModel):
    """A resident's report that agents were seen. Purged after the retention period."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="reports")
    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="report")
    source = models.CharField(_("source"), max_length=12, choices=ReportSource.choices)
    state = models.CharField(_("state"), max_length=12, choices=ReportState.choices,
                             default=ReportState.NEW)
    what = EncryptedTextField(_("what was seen"), blank=True)
    where = EncryptedTextField(_("where"), blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    seen_at = models.DateTimeField(_("seen at"), null=True, blank=True)
    language = models.CharField(max_length=2, default="es")
    # Never shown to dispatchers; revealed to an admin only, and audited.
    reporter_phone = EncryptedTextField(blank=True, blind_index_field="reporter_index")
    reporter_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    received_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    verifying_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    overridden_at = models.DateTimeField(null=True, blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    is_drill = models.BooleanField(_("drill"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["network", "-received_at"])]

    def __str__(self) -> str:
        return f"#{self.incident_id}"

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class VerificationReply(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed: agents are there")
    NOT_SEEN = "not_seen", _("Not seen")
    CANT_GO = "cant_go", _("Can't go")


class VerificationRequest(OrgOwned):
    """A responder asked to go and look. Purged with its report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="requests")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="+")
    distance_m = models.PositiveIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)
    reply = models.CharField(max_length=12, choices=VerificationReply.choices, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    late_reply = models.CharField(max_length=12, choices=VerificationReply.choices,
                                  blank=True)
    on_the_way_at = models.DateTimeField(null=True, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["distance_m", "pk"]
        constraints = [models.UniqueConstraint(fields=["report", "subscriber"],
                                               name="rr_request_unique")]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.subscriber_id}"


class ConfirmedHow(models.TextChoices):
    PHONE = "phone", _("By phone")
    IN_PERSON = "in_person", _("In person")


class DirectConfirmation(OrgOwned, EncryptedFieldsModel):
    """A confirmation a dispatcher heard directly (a call, someone at the door) and
    recorded: who confirmed, how and when. It counts like a responder's "1", so the
    report can be confirmed without the unverified override. Purged with its report;
    the name is encrypted (it ties a person to the network)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE,
                               related_name="direct_confirmations")
    who = EncryptedTextField(_("who confirmed"))
    how = models.CharField(_("how"), max_length=12, choices=ConfirmedHow.choices)
    observed_at = models.DateTimeField(_("when they saw it"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        ordering = ["observed_at", "pk"]
        verbose_name = _("confirmation recorded by a dispatcher")
        verbose_name_plural = _("confirmations recorded by a dispatcher")

    def __str__(self) -> str:
        return f"{self.report_id}/{self.how}"


class AlertKind(models.TextChoices):
    SIGHTING = "sighting", _("Sighting")
    ALL_CLEAR = "all_clear", _("All clear")
    KNOW_YOUR_RIGHTS = "know_your_rights", _("Know-your-rights reminder")
    MEETING = "meeting", _("Meeting call")


class Alert(OrgOwned, EncryptedFieldsModel):
    """A message to subscribers. Its recipient list and place are purged with its
    report (or after the retention period when it has none)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="alerts")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="alerts")
    follows = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="follow_ups")
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    is_drill = models.BooleanField(_("drill"), default=False)
    unverified = models.BooleanField(default=False)
    zone = models.ForeignKey(Zone, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    radius_m = models.PositiveIntegerField(null=True, blank=True)
    center_lat = models.FloatField(null=True, blank=True)
    center_lon = models.FloatField(null=True, blank=True)
    details = EncryptedTextField(_("place or details"), blank=True)
    body_en = EncryptedTextField()
    body_es = EncryptedTextField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    recipients_count = models.PositiveIntegerField(default=0)
    # Recipients not queued yet ([[subscriber id, distance], ...], nearest first), and
    # the position of the first of them: the first chunk is queued with the alert, the
    # rest by a task right after (services.queue_pending).
    pending = models.JSONField(default=list, blank=True)
    pending_from = models.PositiveIntegerField(default=0)

    objects = scoped()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class AlertRecipient(OrgOwned):
    """One subscriber an alert went to, in sending order (nearest first)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    distance_m = models.PositiveIntegerField(null=True, blank=True)
    language = models.CharField(max_length=2)

    objects = scoped()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["alert", "subscriber"],
                                               name="rr_recipient_unique")]

    def __str__(self) -> str:
        return f"{self.alert_id}/{self.subscriber_id}"
