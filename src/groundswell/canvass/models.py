"""Door knocking: efforts (why we knock) with their scripts, walk lists (a turf's
households for an effort, in walking order, assigned to canvassers) and door visits
(one knock and its outcome, recorded on a phone, often offline)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.core.bilingual import bilingual, in_language
from groundswell.core.crypto import EncryptedFieldsModel, EncryptedJSONField, EncryptedTextField
from groundswell.core.models import Base, Membership, OrgOwned, Role, scoped
from groundswell.geo.models import Turf
from groundswell.people.models import Grievance, Household, Person

# A grievance question's category picked at the door travels in the visit's answers under
# the question's id with this suffix ("12.category"), beside the resident's words ("12").
CATEGORY_SUFFIX = ".category"


class Effort(OrgOwned):
    name = models.CharField(_("name"), max_length=120)
    name_es = models.CharField(_("name in Spanish"), max_length=120, blank=True)
    purpose = models.TextField(_("why we knock"), blank=True)
    purpose_es = models.TextField(_("why we knock, in Spanish"), blank=True)
    base = models.ForeignKey(Base, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", verbose_name=_("base"))
    needs_phone = models.BooleanField(
        _("canvassers see phone numbers"), default=False,
        help_text=_("Only when the effort needs them, e.g. to confirm a number for alerts."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = scoped()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("effort")
        verbose_name_plural = _("efforts")

    # In the reader's language (core.bilingual): what canvassers and templates see.
    local_name = bilingual("name", "name_es")
    local_purpose = bilingual("purpose", "purpose_es")

    def __str__(self) -> str:
        return self.local_name


class Question(OrgOwned):
    """One question of an effort's script, in English and Spanish, and the action an
    answer triggers through the people services."""

    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Yes or no")
        CHOICE = "choice", _("Choice")
        SCALE = "scale", _("Scale from 1 to 5")
        TEXT = "text", _("Free text")

    class Action(models.TextChoices):
        NONE = "", _("Nothing")
        TAG = "tag", _("Tag the person")
        GRIEVANCE = "grievance", _("Record a grievance")
        ASSESSMENT = "assessment", _("Rate engagement")
        CONSENT = "consent_rapid_response", _("Sign up for rapid-response alerts")
        RSVP = "rsvp", _("RSVP to an event")

    effort = models.ForeignKey(Effort, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind of answer"), max_length=10, choices=Kind.choices)
    text_en = models.CharField(_("question in English"), max_length=300)
    text_es = models.CharField(_("question in Spanish"), max_length=300)
    choices = models.JSONField(_("choices"), default=list, blank=True)  # [{"en", "es"}]
    action = models.CharField(_("when answered"), max_length=30, choices=Action.choices,
                              blank=True)
    # The answer that triggers the action ("yes", a choice's English text; empty: any
    # answer) and its argument (a tag name, a grievance category).
    trigger = models.CharField(_("answer that triggers it"), max_length=100, blank=True)
    action_value = models.CharField(_("tag or category"), max_length=60, blank=True)
    event = models.ForeignKey("events.Event", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("event"))

    objects = scoped()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text_en

    local_text = bilingual("text_en", "text_es")

    def text(self, language: str) -> str:
        return in_language(language, self.text_en, self.text_es)

    def offered_categories(self) -> list[str]:
        """The grievance categories this question offers at the door: the one it fixes,
        the several it lists (comma-separated in ``action_value``), or every category when
        it names none (the canvasser picks)."""
        named = [c for c in self.action_value.split(",") if c in Grievance.Category.values]
        return named or list(Grievance.Category.values)

    def category_choices(self) -> list[tuple[str, str]]:
        labels = dict(Grievance.Category.choices)
        return [(code, str(labels[code])) for code in self.offered_categories()]

    @property
    def canvasser_picks_category(self) -> bool:
        return self.action == self.Action.GRIEVANCE and len(self.offered_categories()) > 1


class WalkListQuerySet(models.QuerySet["WalkList"]):
    def active(self) -> WalkListQuerySet:
        return self.filter(archived_at__isnull=True)

    def visible_to(self, membership: Membership) -> WalkListQuerySet:
        """A canvasser sees only the active lists assigned to them; organizers all."""
        if membership.role == Role.CANVASSER:
            return self.active().filter(canvassers=membership)
        return self.all()


class WalkList(OrgOwned):
    effort = models.ForeignKey(Effort, on_delete=models.PROTECT, related_name="walk_lists")
    # None for a list of chosen people's doors (e.g. an event's follow-up list).
    turf = models.ForeignKey(Turf, on_delete=models.PROTECT, related_name="walk_lists",
                             null=True, blank=True)
    name = models.CharField(_("name"), max_length=120)
    canvassers = models.ManyToManyField(Membership, blank=True, related_name="walk_lists",
                                        verbose_name=_("canvassers"))
    revisit_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="revisits")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # Where the walk begins (the canvasser's car, the office): the order is the
    # shortest walk from here. None: the shortest tour, opened at its longest step.
    start_latitude = models.DecimalField(_("start latitude"), max_digits=9, decimal_places=6,
                                         null=True, blank=True)
    start_longitude = models.DecimalField(_("start longitude"), max_digits=9,
                                          decimal_places=6, null=True, blank=True)

    objects = scoped(WalkListQuerySet)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("walk list")
        verbose_name_plural = _("walk lists")

    def __str__(self) -> str:
        return self.name

    @property
    def start(self) -> tuple[float, float] | None:
        if self.start_latitude is None or self.start_longitude is None:
            return None
        return float(self.start_latitude), float(self.start_longitude)


class WalkListEntry(OrgOwned):
    walk_list = models.ForeignKey(WalkList, on_delete=models.CASCADE, related_name="entries")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    added_at_door = models.BooleanField(default=False)

    objects = scoped()

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["walk_list", "household"],
                                               name="walklistentry_unique")]

    def __str__(self) -> str:
        return f"{self.walk_list_id}#{self.position}"


class DoorVisit(OrgOwned, EncryptedFieldsModel):
    """One knock. ``client_id`` is made by the phone that recorded it, so a repeated
    sync finds it instead of adding it again; two canvassers at one door make two."""

    class Outcome(models.TextChoices):
        TALKED = "talked", _("Talked")
        NOT_HOME = "not_home", _("Not home")
        REFUSED = "refused", _("Refused")
        MOVED = "moved", _("Moved")
        VACANT = "vacant", _("Vacant")
        INACCESSIBLE = "inaccessible", _("Inaccessible")
        COME_BACK = "come_back", _("Come back later")
        # Nobody talked: a flyer went in the door (the app's literature-drop mode).
        LIT_DROP = "lit_drop", _("Literature left")

    client_id = models.UUIDField(default=uuid.uuid4, editable=False)
    walk_list = models.ForeignKey(WalkList, on_delete=models.PROTECT, related_name="visits")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("talked with"))
    canvasser = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL,
                                  related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    # {question id: answer}, sealed whole: free-text answers are a resident's own words,
    # and even a yes/no links them to a question.
    answers = EncryptedJSONField(default=dict, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)
    # When it happened, as best the server can tell: the phone's time corrected by how
    # far the phone's clock was off when it sent the visit, never after the server got
    # it (canvass.services.judge_time).
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    # The time the phone wrote down, by its own clock (null for visits before it was kept).
    phone_occurred_at = models.DateTimeField(_("time on the phone"), null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)  # when the server received it
    added_person = models.BooleanField(default=False)

    objects = scoped()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("door visit")
        verbose_name_plural = _("door visits")
        constraints = [models.UniqueConstraint(fields=["organization", "client_id"],
                                               name="doorvisit_unique_client_id")]
        indexes = [models.Index(fields=["household", "-occurred_at"])]

    def __str__(self) -> str:
        return self.get_outcome_display()


REACHED = frozenset({DoorVisit.Outcome.TALKED, DoorVisit.Outcome.REFUSED})
SKIPPED_FOR_GOOD = frozenset({DoorVisit.Outcome.REFUSED, DoorVisit.Outcome.MOVED,
                              DoorVisit.Outcome.VACANT})
