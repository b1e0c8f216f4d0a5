"""One lasting record of each person and household.

Every model belongs to an organization and has a ScopedManager. Personal data that
could hurt someone if leaked (phones, emails, notes, grievance text) is encrypted;
names and addresses stay searchable in plaintext (ARCHITECTURE.md, security model).
There is no field for immigration status, and there never will be.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.core.crypto import EncryptedFieldsModel, EncryptedTextField
from groundswell.core.models import Base, OrgOwned, scoped

LANGUAGE_CHOICES = [
    ("es", _("Spanish")), ("en", _("English")), ("pt", _("Portuguese")),
    ("ht", _("Haitian Creole")), ("zh", _("Chinese")), ("vi", _("Vietnamese")),
    ("ar", _("Arabic")), ("other", _("Other")),
]


# --- the ladder --------------------------------------------------------------------------


class EngagementStage(OrgOwned):
    """One rung of the organization's engagement ladder. ``rule`` says when a person is
    computed to be on it: {"activities": 3, "brought": 1, "spoke": 1, "one_on_ones": 1}
    (all that are given must hold)."""

    name = models.CharField(_("name"), max_length=60)
    position = models.PositiveSmallIntegerField(_("order"))
    rule = models.JSONField(_("rule"), default=dict, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["position"]
        verbose_name = _("engagement stage")
        verbose_name_plural = _("engagement stages")
        constraints = [models.UniqueConstraint(fields=["organization", "position"],
                                               name="stage_unique_position")]

    def __str__(self) -> str:
        return self.name


class Tag(OrgOwned):
    name = models.CharField(_("name"), max_length=60)

    objects = scoped()

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(fields=["organization", "name"],
                                               name="tag_unique_name")]

    def __str__(self) -> str:
        return self.name


# --- places -------------------------------------------------------------------------------


class Address(OrgOwned):
    """A street address: one building, which may hold several households."""

    street = models.CharField(_("street address"), max_length=200)  # normalized
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=40, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    base = models.ForeignKey(Base, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("base"))
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    geocode_source = models.CharField(max_length=40, blank=True)

    objects = scoped()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [models.UniqueConstraint(
            fields=["organization", "street", "city", "postal_code"], name="address_unique")]

    def __str__(self) -> str:
        return self.street


class Household(OrgOwned):
    """The people at one door: a unit of a building ("" is the whole building)."""

    address = models.ForeignKey(Address, on_delete=models.PROTECT, related_name="households")
    unit = models.CharField(_("unit"), max_length=60, blank=True)  # normalized

    objects = scoped()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [models.UniqueConstraint(fields=["address", "unit"],
                                               name="household_unique_unit")]

    def __str__(self) -> str:
        return f"{self.address.street} {self.unit}".strip()


# --- people ---------------------------------------------------------------------------------


class PersonQuerySet(models.QuerySet["Person"]):
    def active(self) -> PersonQuerySet:
        """People who are neither merged into someone else nor forgotten."""
        return self.filter(merged_into__isnull=True, forgotten_at__isnull=True)

    def visible_to(self, membership: object) -> PersonQuerySet:
        """A member limited to some bases sees the people of those bases (and people
        not yet placed in any base, so nobody is lost)."""
        limited = list(membership.bases.values_list("pk", flat=True))  # type: ignore[attr-defined]
        qs = self.active()
        if limited:
            qs = qs.filter(models.Q(base__in=limited) | models.Q(base__isnull=True))
        return qs


class Person(OrgOwned):
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    preferred_name = models.CharField(_("preferred name"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES,
                                blank=True)
    other_languages = models.JSONField(_("other languages"), default=list, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("year of birth"), null=True, blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
        help_text=_("Only when a program needs it."))
    pronouns = models.CharField(_("pronouns"), max_length=30, blank=True)
    base = models.ForeignKey(Base, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("base"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="people")
    # A person's stage is the human-set one when present, else the computed one.
    stage = models.ForeignKey(EngagementStage, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("stage set by an organizer"))
    computed_stage = models.ForeignKey(EngagementStage, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    # Folded names, phone last fours, street: what the search service indexes.
    search_text = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged_from")
    forgotten_at = models.DateTimeField(null=True, blank=True)

    objects = scoped(PersonQuerySet)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["family_name", "given_name", "pk"]
        indexes = [models.Index(fields=["organization", "family_name", "given_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.given_name
        return f"{first} {self.family_name}".strip()

    @property
    def current_stage(self) -> EngagementStage | None:
        return self.stage or self.computed_stage


class Residence(OrgOwned):
    """A person living in a household from a date to a date: moving keeps history."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residences")
    household = models.ForeignKey(Household, on_delete=models.PROTECT,
                                  related_name="residences")
    started_on = models.DateField(_("since"), null=True, blank=True)
    ended_on = models.DateField(_("until"), null=True, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["-ended_on", "-started_on"]
        verbose_name = _("residence")
        verbose_name_plural = _("residences")
        constraints = [models.UniqueConstraint(
            fields=["person"], condition=models.Q(ended_on__isnull=True),
            name="residence_one_current")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.household_id}"


class ContactPoint(OrgOwned, EncryptedFieldsModel):
    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # E.164 for phones, lowercased for emails; encrypted, found by blind index.
    value = EncryptedTextField(_("value"), blind_index_field="value_index")
    value_index = models.CharField(max_length=64, db_index=True, editable=False)
    last_four_index = models.CharField(max_length=64, db_index=True, blank=True,
                                       editable=False)
    sms_capable = models.BooleanField(_("can receive texts"), default=True)
    verified = models.BooleanField(_("verified"), default=False)
    opted_out_at = models.DateTimeField(_("opted out"), null=True, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    objects = scoped()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [models.UniqueConstraint(fields=["person", "value_index"],
                                               name="contact_unique_value")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Relationship(OrgOwned):
    class Kind(models.TextChoices):
        GUARDIAN_OF = "guardian_of", _("is a guardian of")
        LIVES_WITH = "lives_with", _("lives with")
        BROUGHT_BY = "brought_by", _("was brought by")
        PARTNER = "partner", _("is the partner of")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("relationship"), max_length=20, choices=Kind.choices)

    objects = scoped()

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        constraints = [
            models.UniqueConstraint(fields=["person", "other", "kind"],
                                    name="relationship_unique"),
            models.CheckConstraint(condition=~models.Q(person=models.F("other")),
                                   name="relationship_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.other_id}"


class Grievance(OrgOwned, EncryptedFieldsModel):
    class Category(models.TextChoices):
        HOUSING = "housing", _("Housing conditions")
        RENT = "rent", _("Rent")
        IMMIGRATION = "immigration_enforcement", _("Immigration enforcement")
        DEVELOPMENT = "development", _("A development")
        TRASH = "trash", _("Trash and streets")
        SAFETY = "safety", _("Safety")
        SCHOOLS = "schools", _("Schools")
        OTHER = "other", _("Other")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="grievances")
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    text = EncryptedTextField(_("in their words"), blank=True)
    raised_on = models.DateField(_("raised on"), default=timezone.localdate)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        ordering = ["-raised_on", "-pk"]
        verbose_name = _("grievance")
        verbose_name_plural = _("grievances")

    def __str__(self) -> str:
        return self.get_category_display()


class Consent(OrgOwned):
    """A person's yes (or withdrawn yes) to a channel for a purpose. One row per
    (person, channel, purpose); every change is audited."""

    class Channel(models.TextChoices):
        SMS = "sms", _("Text messages")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone calls")

    class Purpose(models.TextChoices):
        RAPID_RESPONSE = "rapid_response", _("Rapid-response alerts")
        EVENTS = "events", _("Events and meetings")
        GENERAL = "general", _("News from the organization")
        PROGRAMS = "programs", _("Programs")

    class Source(models.TextChoices):
        DOOR = "door", _("At the door")
        EVENT = "event", _("At an event")
        WEB = "web", _("Web form")
        SMS = "sms", _("By text message")
        IMPORT = "import", _("Imported list")
        STAFF = "staff", _("Recorded by staff")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    wording = models.TextField(_("exact wording shown"), blank=True)
    granted_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [models.UniqueConstraint(fields=["person", "channel", "purpose"],
                                               name="consent_unique")]

    def __str__(self) -> str:
        return f"{self.channel} × {self.purpose}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class Interaction(OrgOwned, EncryptedFieldsModel):
    """One entry of the single timeline. Later areas write here through
    ``people.services.record_interaction``."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Note")
        DOOR_VISIT = "door_visit", _("Door visit")
        CALL = "call", _("Call")
        TEXT = "text", _("Text message")
        ATTENDANCE = "attendance", _("Attended")
        SERVICE = "service", _("Service received")
        ONE_ON_ONE = "one_on_one", _("One-on-one")
        SPOKE = "spoke", _("Spoke at a meeting")
        BROUGHT = "brought", _("Brought someone")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    summary = EncryptedTextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    # Where it came from in another area ("events.attendance", 42): ids, not data.
    source_type = models.CharField(max_length=60, blank=True)
    source_id = models.CharField(max_length=40, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [models.Index(fields=["person", "-occurred_at"])]

    def __str__(self) -> str:
        return self.get_kind_display()


class Assessment(OrgOwned):
    """An engagement level 1–5 with its history. A computed suggestion is stored as its
    own row (``assessed_by`` empty) and never replaces a human's rating."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assessments")
    level = models.PositiveSmallIntegerField(
        _("level"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    computed = models.BooleanField(default=False)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    # Sealed: an organizer's words about a person (what they did, what they said).
    reason = EncryptedTextField(_("why"), blank=True)

    objects = scoped()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self) -> str:
        return f"{self.level}"


class SavedList(OrgOwned):
    name = models.CharField(_("name"), max_length=100)
    filters = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved list")
        verbose_name_plural = _("saved lists")

    def __str__(self) -> str:
        return self.name


class DuplicateCandidate(OrgOwned):
    """A pair the matcher thinks may be one person, waiting for a human."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not the same person")

    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

    objects = scoped()

    class Meta:
        ordering = ["-score"]
        constraints = [models.UniqueConstraint(fields=["first", "second"],
                                               name="duplicate_unique_pair")]

    def __str__(self) -> str:
        return f"{self.first_id} ~ {self.second_id}"


class Merge(OrgOwned):
    """A merge of ``merged`` into ``kept``, with what is needed to undo it."""

    kept = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    undo = models.JSONField(default=dict)  # ids and previous field values, no new data
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.kept_id}"
