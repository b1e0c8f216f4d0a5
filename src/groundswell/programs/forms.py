"""Forms of the programs and distributions screens: they parse and bound what a browser
sends; the rules live in the services, whose ``InvalidInput`` errors the views put back
on the field they name."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from groundswell.core.models import Membership
from groundswell.events.models import Event
from groundswell.people.models import LANGUAGE_CHOICES
from groundswell.programs.models import (
    Attendance,
    ChildContact,
    Distribution,
    Item,
    Program,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ProgramForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    name_es = forms.CharField(label=_("Name in Spanish"), max_length=150, required=False,
                              help_text=_("Shown to people who read Spanish; empty: the name "
                                          "above."))
    partner = forms.CharField(label=_("Partner organization"), max_length=150, required=False,
                              help_text=_("For example the congregation that hosts it."))
    schedule = forms.CharField(label=_("Schedule"), max_length=200, required=False,
                               help_text=_("For example: Monday to Thursday, 3 to 6 pm."))
    schedule_es = forms.CharField(label=_("Schedule in Spanish"), max_length=200,
                                  required=False,
                                  help_text=_("For example: de lunes a jueves, de 3 a 6 pm."))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=10000,
                                  required=False,
                                  help_text=_("Children beyond this go on the waitlist. "
                                              "Empty: no limit."))
    starts_on = forms.DateField(label=_("Starts"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("Ends"), required=False, widget=DATE)
    description = forms.CharField(label=_("Description"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    description_es = forms.CharField(label=_("Description in Spanish"), max_length=5000,
                                     required=False, widget=forms.Textarea(attrs={"rows": 3}))
    staff = forms.ModelMultipleChoiceField(
        label=_("Staff"), queryset=Membership.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only these members see the children's details and take roll call."))

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Membership.objects.filter(
            organization=membership.organization).select_related("user").order_by(
            "user__name", "user__email")
        self.fields["staff"].label_from_instance = (
            lambda m: f"{m.user.name or m.user.email} · {m.get_role_display()}")

    @staticmethod
    def initial_for(program: Program) -> dict[str, Any]:
        return {"name": program.name, "name_es": program.name_es, "partner": program.partner,
                "schedule": program.schedule, "schedule_es": program.schedule_es,
                "place": program.place, "capacity": program.capacity,
                "starts_on": program.starts_on, "ends_on": program.ends_on,
                "description": program.description, "description_es": program.description_es,
                "staff": list(program.staff.all())}


class SearchForm(forms.Form):
    q = forms.CharField(max_length=100, required=False)


class EnrollForm(forms.Form):
    """A child joins with a guardian found by search (their id), either a child already
    recorded as theirs or a new one."""

    guardian = forms.IntegerField(required=False, widget=forms.HiddenInput)
    child = forms.IntegerField(label=_("Child"), required=False)
    given_name = forms.CharField(label=_("Child's given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Child's family name"), max_length=100,
                                  required=False)
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False, min_value=1900,
                                    max_value=2100)
    allergies = forms.CharField(label=_("Allergies"), max_length=2000, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    medical_notes = forms.CharField(label=_("Medical notes"), max_length=5000, required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    photo_consent = forms.BooleanField(
        label=_("A guardian agreed that the child may appear in photos or video"),
        required=False)


class ChildDetailsForm(forms.Form):
    allergies = forms.CharField(label=_("Allergies"), max_length=2000, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    medical_notes = forms.CharField(label=_("Medical notes"), max_length=5000, required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}))
    photo_consent = forms.BooleanField(
        label=_("A guardian agreed that the child may appear in photos or video"),
        required=False)


class ChildContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ChildContact.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=150)
    relation = forms.CharField(label=_("Relation to the child"), max_length=100,
                               required=False, help_text=_("For example: aunt, neighbor."))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[
        ("enrolled", _("Enroll")), ("withdrawn", _("Leave the program")),
        ("waitlisted", _("Back to the waitlist"))])


class GuardianForm(forms.Form):
    guardian = forms.IntegerField()


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class MarkForm(forms.Form):
    enrollment = forms.IntegerField()
    status = forms.ChoiceField(choices=Attendance.Status.choices, required=False)
    pickup = forms.CharField(max_length=20, required=False)
    picked_up_at = forms.TimeField(required=False,
                                   widget=forms.TimeInput(attrs={"type": "time"},
                                                          format="%H:%M"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("status") and not data.get("pickup"):
            raise forms.ValidationError(_("Choose present, late or absent, or who picked "
                                          "the child up."))
        return data


class DistributionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150,
                           help_text=_("For example: Saturday pantry, Block party table."))
    kind = forms.ChoiceField(label=_("Kind"), choices=Distribution.Kind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none(),
                                     required=False, empty_label="—")
    event = forms.ModelChoiceField(label=_("Event"), queryset=Event.objects.none(),
                                   required=False, empty_label="—",
                                   help_text=_("When the distribution is a table at an event."))

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.visible_to(membership)
        self.fields["event"].queryset = Event.objects.filter(
            cancelled_at__isnull=True).order_by("-starts_at")
        self.fields["event"].label_from_instance = (
            lambda e: f"{e.title} · {e.starts_at:%Y-%m-%d}")

    def clean_held_on(self) -> date:
        held_on = self.cleaned_data["held_on"]
        if held_on > timezone.localdate() + timedelta(days=366):
            raise forms.ValidationError(_("That date is more than a year away."))
        return held_on


class ItemsField(forms.Form):
    """Quantities per catalog item, as ``qty_<item id>``: blank is zero; anything but a
    whole number from 0 to 1000 is an error on that item."""

    def __init__(self, *args: Any, items: list[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        language = get_language() or "en"
        for item in items:
            self.fields[f"qty_{item.pk}"] = forms.IntegerField(
                label=item.label(language), required=False, min_value=0, max_value=1000,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0,
                                                "max": 1000}),
                error_messages={
                    "min_value": _("Quantities cannot be negative."),
                    "max_value": _("That is more than 1000: check the number."),
                    "invalid": _("Write a whole number."),
                })

    def quantities(self) -> dict[Item, int]:
        return {item: self.cleaned_data.get(f"qty_{item.pk}") or 0 for item in self.items}

    def rows(self) -> list[tuple[Item, forms.BoundField]]:
        return [(item, self[f"qty_{item.pk}"]) for item in self.items]


class ServeForm(ItemsField):
    person = forms.IntegerField(widget=forms.HiddenInput)
    repeat_confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class QuickServeForm(ItemsField):
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel"}))
    street = forms.CharField(label=_("Street address"), max_length=200, required=False,
                             help_text=_("The number and the street, like 2417 N Front St."))
    unit = forms.CharField(label=_("Unit"), max_length=60, required=False)
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=[("", "—"), *LANGUAGE_CHOICES])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("phone") or "").strip() and not (data.get("street") or "").strip() \
                and not self.has_error("phone") and not self.has_error("street"):
            raise forms.ValidationError(
                _("Add a phone number or an address, so the household can be found again."))
        return data


class ReceiveForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none())
    quantity = forms.IntegerField(label=_("Quantity received"), min_value=1,
                                  max_value=100000,
                                  error_messages={"min_value": _("Received quantities are "
                                                                 "whole numbers above zero.")})
    source = forms.CharField(label=_("From"), max_length=150, required=False,
                             help_text=_("Who gave or sold it."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = Item.objects.filter(archived_at__isnull=True)


class CountForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none())
    counted = forms.IntegerField(label=_("Counted on the shelf"), min_value=0,
                                 max_value=1000000,
                                 error_messages={"min_value": _("A count cannot be below "
                                                                "zero.")})
    reason = forms.CharField(label=_("Why it changed"), max_length=150,
                             help_text=_("For example: damaged, expired, miscounted."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = Item.objects.filter(archived_at__isnull=True)


class ItemForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    name_es = forms.CharField(label=_("Name in Spanish"), max_length=100, required=False)
    unit = forms.CharField(label=_("Counted in"), max_length=40, required=False,
                           help_text=_("For example: bag, pack, can."))
    low_stock_at = forms.IntegerField(label=_("Low-stock warning at"), min_value=0,
                                      max_value=100000, initial=0)


class ReportForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=DATE)
    until = forms.DateField(label=_("To"), required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        today = timezone.localdate()
        data["until"] = data.get("until") or today
        data["since"] = data.get("since") or data["until"] - timedelta(days=365)
        if data["since"] > data["until"]:
            raise forms.ValidationError(_("“From” must be before “To”."))
        if (data["until"] - data["since"]).days > 3660:
            raise forms.ValidationError(_("Choose at most ten years."))
        return data
