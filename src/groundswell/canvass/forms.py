"""Forms of the door-knocking screens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groundswell.canvass.models import Effort, Question
from groundswell.core.models import Base, Membership, Role
from groundswell.events.models import Event
from groundswell.geo.models import Turf
from groundswell.people.models import Grievance


def _member_label(m: Membership) -> str:
    return f"{m.user.name or m.user.email} · {m.get_role_display()}"


class EffortForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120,
                           help_text=_("Why we knock, e.g. “Block party outreach”."))
    name_es = forms.CharField(label=_("Name in Spanish"), max_length=120, required=False,
                              help_text=_("Shown to canvassers who read Spanish; empty: the "
                                          "name above."))
    purpose = forms.CharField(label=_("What canvassers should know"), required=False,
                              max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    purpose_es = forms.CharField(label=_("What canvassers should know, in Spanish"),
                                 required=False, max_length=2000,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    base = forms.ModelChoiceField(label=_("Base"), queryset=Base.objects.none(),
                                  required=False, empty_label="—")
    needs_phone = forms.BooleanField(
        label=_("Canvassers see phone numbers"), required=False,
        help_text=_("Only when the effort needs them, e.g. to confirm a number for alerts."))

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["base"].queryset = Base.objects.visible_to(membership).active()


class EffortEditForm(EffortForm):
    archived = forms.BooleanField(label=_("Archived"), required=False)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of answer"), choices=Question.Kind.choices)
    text_en = forms.CharField(label=_("Question in English"), max_length=300)
    text_es = forms.CharField(label=_("Question in Spanish"), max_length=300)
    choices = forms.CharField(
        label=_("Choices"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a choice question: one per line, English | Spanish."))
    action = forms.ChoiceField(label=_("When answered"), choices=Question.Action.choices,
                               required=False)
    trigger = forms.CharField(
        label=_("Only for this answer"), max_length=100, required=False,
        help_text=_("yes or no, or one of the choices in English; empty for any answer."))
    action_value = forms.CharField(
        label=_("Tag"), max_length=60, required=False,
        help_text=_("For a question that tags the person: the tag to add."))
    categories = forms.MultipleChoiceField(
        label=_("Grievance categories offered"), required=False,
        choices=Grievance.Category.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("For a question that records a grievance: none ticked, the canvasser "
                    "picks any category at the door; one ticked fixes it; several ticked "
                    "are offered. The resident's words are kept either way."))

    event = forms.ModelChoiceField(
        label=_("Event to RSVP to"), required=False, queryset=None, empty_label="—",
        help_text=_("For an RSVP question: the event a yes signs them up for."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = Event.objects.filter(
            cancelled_at__isnull=True, ends_at__gte=timezone.now()).order_by("starts_at")

    def action_argument(self) -> str:
        """What the service takes as the action's argument: the tag, or the offered
        grievance categories."""
        if self.cleaned_data.get("action") == Question.Action.GRIEVANCE:
            return ",".join(self.cleaned_data.get("categories") or [])
        return self.cleaned_data.get("action_value") or ""

    def parsed_choices(self) -> list[dict[str, str]]:
        rows = []
        for line in (self.cleaned_data.get("choices") or "").splitlines():
            en, _sep, es = line.partition("|")
            if en.strip():
                rows.append({"en": en.strip(), "es": es.strip()})
        return rows


START_HELP = _("Where the walk begins (the canvasser's car, the office) as latitude, "
                "longitude, e.g. 39.9834, -75.1331: the doors are put in the shortest walk "
                "from there. Empty: the walk starts at one end.")


def parse_start(raw: str) -> tuple[float, float] | None:
    """"39.9834, -75.1331" -> (39.9834, -75.1331); empty -> None."""
    raw = (raw or "").strip()
    if not raw:
        return None
    parts = [p for p in raw.replace(";", ",").replace(",", " ").split() if p]
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise forms.ValidationError(_("Give the start point as latitude, longitude, for "
                                      "example 39.9834, -75.1331.")) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise forms.ValidationError(_("Give the start point as latitude, longitude, for "
                                      "example 39.9834, -75.1331."))
    return lat, lon


class StartForm(forms.Form):
    start = forms.CharField(label=_("Start from"), required=False, max_length=60,
                            help_text=START_HELP)

    def clean_start(self) -> tuple[float, float] | None:
        return parse_start(self.cleaned_data.get("start", ""))


class WalkListForm(StartForm):
    turf = forms.ModelChoiceField(label=_("Turf"), queryset=Turf.objects.none())
    name = forms.CharField(label=_("Name"), max_length=120)
    canvassers = forms.ModelMultipleChoiceField(
        label=_("Canvassers"), queryset=Membership.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple)
    skip_done = forms.BooleanField(
        label=_("Skip doors that refused, moved or are vacant"), required=False, initial=True)
    field_order = ["turf", "name", "canvassers", "skip_done", "start"]

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["turf"].queryset = Turf.objects.visible_to(membership).active()
        self.fields["canvassers"].queryset = _knockers()
        self.fields["canvassers"].label_from_instance = _member_label


class WalkListEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    canvassers = forms.ModelMultipleChoiceField(
        label=_("Canvassers"), queryset=Membership.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple)
    archived = forms.BooleanField(label=_("Archived"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["canvassers"].queryset = _knockers()
        self.fields["canvassers"].label_from_instance = _member_label


def _knockers() -> Any:
    return Membership.objects.filter(role__in=[Role.CANVASSER, Role.ORGANIZER, Role.ADMIN]) \
        .select_related("user").order_by("user__name", "user__email")


class FollowUpWalkListForm(forms.Form):
    """The ticked people's doors as a walk list of a door-knocking effort."""

    people = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    effort = forms.ModelChoiceField(label=_("Door-knocking effort"), queryset=None)
    walk_name = forms.CharField(label=_("Name of the walk list"), max_length=120)

    def __init__(self, *args: Any, choices: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(pk, str(pk)) for pk in choices]
        self.fields["effort"].queryset = Effort.objects.filter(
            archived_at__isnull=True).order_by("name")
