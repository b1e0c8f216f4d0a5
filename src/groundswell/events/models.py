"""Events and what happens around them: volunteer shifts, RSVPs, kiosk sign-in,
attendance and follow-up.

Every model belongs to an organization and has a ScopedManager (``people.models.scoped``).
A person's attendance also lands on their timeline as an ``attendance`` interaction
(``source_type="events.attendance"``), written by ``events.services``; nothing else
writes these rows.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.core.bilingual import bilingual, in_language
from groundswell.core.models import Base, Membership, OrgOwned, scoped
from groundswell.people.models import Person


class Event(OrgOwned):
    class Kind(models.TextChoices):
        BLOCK_PARTY = "block_party", _("Block party")
        MEETING = "meeting", _("Meeting")
        HEARING = "hearing", _("Hearing")
        PICKET = "picket", _("Picket")
        TRAINING = "training", _("Training")
        DISTRIBUTION_DAY = "distribution_day", _("Distribution day")
        CULTURAL = "cultural", _("Cultural event")

    # What the public RSVP page and the ICS feed are addressed by: never the row id.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    title_es = models.CharField(_("title in Spanish"), max_length=200, blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    description_es = models.TextField(_("description in Spanish"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place_name = models.CharField(_("place"), max_length=200, blank=True,
                                  help_text=_("e.g. the community center, or a corner"))
    street = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    base = models.ForeignKey(Base, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("base"))
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True,
        help_text=_("People who may RSVP, guests included. Empty: no limit."))
    theme = models.CharField(_("political theme"), max_length=200, blank=True)
    partner = models.CharField(_("co-hosting partner"), max_length=200, blank=True)
    materials = models.FileField(_("materials"), upload_to="events/materials/", blank=True,
                                 help_text=_("A pamphlet or flyer: PDF, PNG or JPEG, 10 MB "
                                             "at most."))
    rsvp_open = models.BooleanField(_("public RSVP page open"), default=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["organization", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gte=models.F("starts_at")),
                                   name="event_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def title_in(self, language: str) -> str:
        return in_language(language, self.title_en, self.title_es)

    def description_in(self, language: str) -> str:
        return in_language(language, self.description_en, self.description_es)

    # In the language of the current request (core.bilingual).
    title = bilingual("title_en", "title_es")
    description = bilingual("description_en", "description_es")

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()


class Shift(OrgOwned):
    """A volunteer slot at an event: a role, a time and how many people it needs."""

    class Role(models.TextChoices):
        SETUP = "setup", _("Set-up")
        COOKOUT = "cookout", _("Cookout")
        KIDS = "kids", _("Kids' activities")
        MUSIC = "music", _("Music")
        DISTRIBUTION = "distribution", _("Distribution table")
        OUTREACH = "outreach", _("Outreach")
        SIGN_IN = "sign_in", _("Sign-in table")
        CLEANUP = "cleanup", _("Clean-up")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="shifts")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    slots = models.PositiveSmallIntegerField(_("people needed"), default=1)
    notes = models.CharField(_("notes"), max_length=300, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["starts_at", "role", "pk"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="shift_ends_after_start"),
            models.CheckConstraint(condition=models.Q(slots__gte=1), name="shift_slots_min"),
        ]

    def __str__(self) -> str:
        return self.get_role_display()

    # From the prefetched sign-ups: who has a place, and who waits for one.
    @property
    def volunteers(self) -> list[ShiftSignup]:
        return [s for s in self.signups.all() if not s.waitlisted]

    @property
    def waitlist(self) -> list[ShiftSignup]:
        return [s for s in self.signups.all() if s.waitlisted]


class ShiftSignup(OrgOwned):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="shift_signups")
    # Empty when the volunteer signed themselves up on the public page.
    signed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)
    # The shift was full: they get the first place that opens (events.services).
    waitlisted = models.BooleanField(_("on the waitlist"), default=False)

    objects = scoped()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("shift sign-up")
        verbose_name_plural = _("shift sign-ups")
        constraints = [models.UniqueConstraint(fields=["shift", "person"],
                                               name="shiftsignup_unique")]

    def __str__(self) -> str:
        return f"{self.shift_id}: {self.person_id}"


class RSVP(OrgOwned):
    """A person's "I'll come" (from the public page or recorded by staff)."""

    class Source(models.TextChoices):
        WEB = "web", _("Public RSVP page")
        STAFF = "staff", _("Recorded by staff")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="event_rsvps")
    guests = models.PositiveSmallIntegerField(_("people coming with them"), default=0)
    source = models.CharField(max_length=10, choices=Source.choices)
    language = models.CharField(max_length=8, blank=True)
    # The RSVP created this person (nobody matched): counts as new at the event.
    new_person = models.BooleanField(default=False)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        constraints = [models.UniqueConstraint(fields=["event", "person"],
                                               name="rsvp_unique_person")]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.person_id}"

    @property
    def party_size(self) -> int:
        return 1 + self.guests


class Attendance(OrgOwned):
    """A person was at an event: one row per person and event."""

    class Source(models.TextChoices):
        KIOSK = "kiosk", _("Kiosk sign-in")
        STAFF = "staff", _("Recorded by staff")
        PROGRAMS = "programs", _("Distribution or program")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="event_attendances")
    signed_in_at = models.DateTimeField(_("signed in"), default=timezone.now)
    source = models.CharField(max_length=10, choices=Source.choices)
    # First time the organization met them: created at this sign-in or by an RSVP to
    # this event.
    new_person = models.BooleanField(_("new"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        ordering = ["-signed_in_at", "-pk"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["event", "person"],
                                               name="attendance_unique_person")]
        indexes = [models.Index(fields=["person", "event"])]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.person_id}"


class Kiosk(OrgOwned):
    """A tablet locked to one event's sign-in. The exit PIN is stored hashed only."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="kiosks")
    started_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    pin_hash = models.CharField(max_length=200)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")

    def __str__(self) -> str:
        return f"kiosk {self.pk} · {self.event_id}"


class FollowUp(OrgOwned):
    """Someone met at an event that an organizer should get back to."""

    class Reason(models.TextChoices):
        NOT_CONTACTED = "not_contacted", _("Not contacted since")
        NEW_PERSON = "new_person", _("New person")
        GRIEVANCE = "grievance", _("Raised a grievance")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="follow_ups")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="event_follow_ups")
    reason = models.CharField(_("why"), max_length=20, choices=Reason.choices)
    assigned_to = models.ForeignKey(Membership, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("assigned to"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["done_at", "created_at", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [models.UniqueConstraint(fields=["event", "person"],
                                               name="followup_unique_person")]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.person_id}"
