"""Programs (an after-school program run with a partner congregation), enrollment of
children with their guardians, sessions and roll call; distributions of goods with an
item catalog and a stock ledger.

Children are people (``people.Person``, linked to their guardians by a ``guardian_of``
relationship), but their details — allergies, medical notes, emergency contacts,
authorized pickups, photo consent — live here, encrypted, and are shown only to the
members assigned to the program (``Program.staff``). Nothing here is written to the
people screens or exports.

Stock is a ledger (``StockEntry``): what is on hand is always the sum of the entries,
never a counter that could drift from them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.core.bilingual import bilingual, in_language
from groundswell.core.crypto import EncryptedFieldsModel, EncryptedTextField
from groundswell.core.models import Membership, OrgOwned, Role, scoped
from groundswell.people.models import Household, Person

# Roles that see every program's summary; a program's children are seen only by the
# members assigned to it, whatever their role.
PROGRAM_OVERSEERS = frozenset({Role.ADMIN, Role.ORGANIZER})


# --- programs ----------------------------------------------------------------------------


class ProgramQuerySet(models.QuerySet["Program"]):
    def visible_to(self, membership: Membership) -> ProgramQuerySet:
        """Admins and organizers see every program; program staff (and anyone else)
        only the programs they are assigned to."""
        if membership.role in PROGRAM_OVERSEERS:
            return self.all()
        return self.filter(staff=membership)

    def run_by(self, membership: Membership) -> ProgramQuerySet:
        """The programs whose children ``membership`` may see: those it is assigned to."""
        return self.filter(staff=membership)


class Program(OrgOwned):
    name = models.CharField(_("name"), max_length=150)
    name_es = models.CharField(_("name in Spanish"), max_length=150, blank=True)
    partner = models.CharField(_("partner organization"), max_length=150, blank=True,
                               help_text=_("For example the congregation that hosts it."))
    description = models.TextField(_("description"), blank=True)
    description_es = models.TextField(_("description in Spanish"), blank=True)
    schedule = models.CharField(_("schedule"), max_length=200, blank=True,
                                help_text=_("For example: Monday to Thursday, 3 to 6 pm."))
    schedule_es = models.CharField(_("schedule in Spanish"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("Children beyond this go on the waitlist. Empty: no limit."))
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    staff = models.ManyToManyField(Membership, blank=True, related_name="programs",
                                   verbose_name=_("staff"))
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = scoped(ProgramQuerySet)

    class Meta:
        ordering = ["name"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        constraints = [models.UniqueConstraint(fields=["organization", "name"],
                                               name="program_unique_name")]

    # In the reader's language (core.bilingual): what templates show.
    local_name = bilingual("name", "name_es")
    local_description = bilingual("description", "description_es")
    local_schedule = bilingual("schedule", "schedule_es")

    def __str__(self) -> str:
        return self.local_name


class Enrollment(OrgOwned, EncryptedFieldsModel):
    """A child in a program (or on its waitlist), with the details only the program's
    staff see."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        WAITLISTED = "waitlisted", _("On the waitlist")
        WITHDRAWN = "withdrawn", _("Left the program")

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="enrollments")
    child = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    guardians = models.ManyToManyField(Person, related_name="+", verbose_name=_("guardians"))
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.ENROLLED)
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    allergies = EncryptedTextField(_("allergies"), blank=True)
    medical_notes = EncryptedTextField(_("medical notes"), blank=True)
    photo_consent = models.BooleanField(
        _("photos and video allowed"), default=False,
        help_text=_("A guardian agreed that the child may appear in photos or video."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        ordering = ["status", "waitlisted_at", "pk"]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [models.UniqueConstraint(fields=["program", "child"],
                                               name="enrollment_unique_child")]

    def __str__(self) -> str:
        return f"{self.child_id} @ {self.program_id}"


class ChildContact(OrgOwned, EncryptedFieldsModel):
    """Someone to call in an emergency, or allowed to pick the child up. Encrypted: it
    says who may take a child home."""

    class Kind(models.TextChoices):
        PICKUP = "pickup", _("Authorized pickup")
        EMERGENCY = "emergency", _("Emergency contact")

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE,
                                   related_name="contacts")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = EncryptedTextField(_("name"))
    relation = EncryptedTextField(_("relation to the child"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["kind", "pk"]
        verbose_name = _("child contact")
        verbose_name_plural = _("child contacts")

    def __str__(self) -> str:
        return self.get_kind_display()


class Session(OrgOwned):
    """One meeting of a program: roll call is taken for it."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [models.UniqueConstraint(fields=["program", "starts_at"],
                                               name="session_unique_start")]

    def __str__(self) -> str:
        return f"{self.program} {self.starts_at:%Y-%m-%d %H:%M}"


class Attendance(OrgOwned):
    """A child's roll call in one session, and who picked them up, when."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        ABSENT = "absent", _("Absent")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE,
                                   related_name="attendances")
    status = models.CharField(_("roll call"), max_length=10, choices=Status.choices)
    marked_at = models.DateTimeField(default=timezone.now)
    picked_up_by_guardian = models.ForeignKey(Person, null=True, blank=True,
                                              on_delete=models.SET_NULL, related_name="+")
    picked_up_by_contact = models.ForeignKey(ChildContact, null=True, blank=True,
                                             on_delete=models.SET_NULL, related_name="+")
    picked_up_at = models.DateTimeField(_("picked up at"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "enrollment"],
                                    name="attendance_unique_child"),
            models.CheckConstraint(
                condition=Q(picked_up_by_guardian__isnull=True)
                | Q(picked_up_by_contact__isnull=True), name="attendance_one_pickup"),
        ]

    def __str__(self) -> str:
        return self.get_status_display()


# --- distributions and stock ---------------------------------------------------------------


class ItemQuerySet(models.QuerySet["Item"]):
    def with_on_hand(self) -> ItemQuerySet:
        """Each item annotated with ``on_hand``: the sum of its ledger."""
        return self.annotate(on_hand=Coalesce(
            Sum("stock_entries__quantity"), 0))


class Item(OrgOwned):
    """One line of the catalog: a bag of household essentials, diapers size 4..."""

    name = models.CharField(_("name"), max_length=100)
    name_es = models.CharField(_("name in Spanish"), max_length=100, blank=True)
    unit = models.CharField(_("counted in"), max_length=40, blank=True,
                            help_text=_("For example: bag, pack, can."))
    low_stock_at = models.PositiveIntegerField(
        _("low-stock warning at"), default=0,
        help_text=_("Warn when what is on hand falls to this or below."))
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = scoped(ItemQuerySet)

    class Meta:
        ordering = ["name"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [models.UniqueConstraint(fields=["organization", "name"],
                                               name="item_unique_name")]

    local_name = bilingual("name", "name_es")

    def __str__(self) -> str:
        return self.local_name

    def label(self, language: str) -> str:
        return in_language(language, self.name, self.name_es)


class Distribution(OrgOwned):
    """Goods handed out on one day: a standing pantry day, or the table at an event."""

    class Kind(models.TextChoices):
        PANTRY_DAY = "pantry_day", _("Pantry day")
        EVENT = "event", _("At an event")

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices,
                            default=Kind.PANTRY_DAY)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="distributions", verbose_name=_("program"))
    event = models.ForeignKey("events.Event", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="distributions", verbose_name=_("event"))
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")

    def __str__(self) -> str:
        return f"{self.name} {self.held_on:%Y-%m-%d}"


class Service(OrgOwned):
    """One household (or a person without a known household) served at a distribution."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE,
                                     related_name="services")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    served_on = models.DateField()  # the distribution's day, kept for same-day checks
    served_at = models.DateTimeField(default=timezone.now)
    repeat_confirmed = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        ordering = ["-served_at", "-pk"]
        verbose_name = _("household served")
        verbose_name_plural = _("households served")
        indexes = [models.Index(fields=["organization", "served_on", "household"]),
                   models.Index(fields=["organization", "served_on", "person"])]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.distribution_id}"


class ServiceItem(OrgOwned):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(1000)])

    objects = scoped()

    class Meta:
        verbose_name = _("item given")
        verbose_name_plural = _("items given")
        constraints = [
            models.UniqueConstraint(fields=["service", "item"], name="service_item_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="service_item_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item_id}"


class StockEntry(OrgOwned):
    """One movement of stock: received (+), given out (−, one per item given), or a
    counted correction (±). On hand is the sum; rows are never edited."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        GIVEN = "given", _("Given out")
        ADJUSTED = "adjusted", _("Counted correction")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="stock_entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    quantity = models.IntegerField(_("quantity"))
    service_item = models.OneToOneField(ServiceItem, null=True, blank=True,
                                        on_delete=models.CASCADE, related_name="stock_entry")
    source = models.CharField(_("from"), max_length=150, blank=True,
                              help_text=_("Who gave or sold it, or why the count changed."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = scoped()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("stock entry")
        verbose_name_plural = _("stock entries")
        constraints = [models.CheckConstraint(condition=~Q(quantity=0),
                                              name="stock_entry_not_zero")]

    def __str__(self) -> str:
        return f"{self.quantity:+d} {self.item_id}"
