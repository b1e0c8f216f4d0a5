"""Forms of the events screens: parse and check the shape of input; the rules live in
``events.services``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from groundswell.core.models import Base, Membership
from groundswell.core.permissions import can
from groundswell.events.models import Event, FollowUp, Shift
from groundswell.people.models import LANGUAGE_CHOICES

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Event.Kind.choices)
    title_en = forms.CharField(label=_("Title in English"), max_length=200, required=False)
    title_es = forms.CharField(label=_("Title in Spanish"), max_length=200, required=False)
    description_en = forms.CharField(label=_("Description in English"), max_length=5000,
                                     required=False, widget=forms.Textarea(attrs={"rows": 3}))
    description_es = forms.CharField(label=_("Description in Spanish"), max_length=5000,
                                     required=False, widget=forms.Textarea(attrs={"rows": 3}))
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME,
                                    input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME,
                                  input_formats=DATETIME_FORMATS)
    place_name = forms.CharField(label=_("Place"), max_length=200, required=False,
                                 help_text=_("e.g. the community center, or a corner"))
    street = forms.CharField(label=_("Address"), max_length=200, required=False)
    latitude = forms.DecimalField(required=False, max_digits=9, decimal_places=6,
                                  min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, max_digits=10, decimal_places=6,
                                   min_value=-180, max_value=180, widget=forms.HiddenInput)
    base = forms.ModelChoiceField(label=_("Base"), queryset=Base.objects.none(),
                                  required=False, empty_label="—")
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=100000,
                                  required=False,
                                  help_text=_("People who may RSVP, guests included. "
                                              "Empty: no limit."))
    theme = forms.CharField(label=_("Political theme"), max_length=200, required=False)
    partner = forms.CharField(label=_("Co-hosting partner"), max_length=200, required=False)
    materials = forms.FileField(
        label=_("Materials"), required=False,
        help_text=_("A pamphlet or flyer: PDF, PNG or JPEG, 10 MB at most."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}))
    rsvp_open = forms.BooleanField(label=_("Public RSVP page open"), required=False,
                                   initial=True)

    def __init__(self, *args: Any, membership: Membership, instance: Event | None = None,
                 **kwargs: Any) -> None:
        if instance is not None and not args and "initial" not in kwargs:
            initial = {name: getattr(instance, name) for name in self.base_fields
                       if name != "materials"}
            initial["starts_at"] = timezone.localtime(instance.starts_at)
            initial["ends_at"] = timezone.localtime(instance.ends_at)
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields["base"].queryset = Base.objects.visible_to(membership).active()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("title_en") and not data.get("title_es"):
            self.add_error("title_en", _("Give the event a title in English or Spanish."))
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        upload = data.pop("materials", None)
        if isinstance(upload, UploadedFile):  # a new file (not the one it already has)
            data["materials"] = upload
        return data


class ShiftForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Shift.Role.choices)
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME,
                                    input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME,
                                  input_formats=DATETIME_FORMATS)
    slots = forms.IntegerField(label=_("People needed"), min_value=1, max_value=500,
                               initial=2)
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)


class PersonPickForm(forms.Form):
    person = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class SearchForm(forms.Form):
    q = forms.CharField(max_length=100, required=False)


# --- the public RSVP page ----------------------------------------------------------------


def rsvp_consents(organization_name: str) -> list[tuple[str, str, str, str]]:
    """(field, channel, purpose, wording) of the boxes on the public page, in the
    current language: exactly what is shown is what is recorded."""
    return [
        ("consent_sms", "sms", "events",
         gettext("Yes, send me text messages about this and other events of "
                     "%(org)s. Reply STOP to end them.") % {"org": organization_name}),
        ("consent_email", "email", "general",
         gettext("Yes, send me news from %(org)s by email.")
         % {"org": organization_name}),
    ]


class RSVPForm(forms.Form):
    given_name = forms.CharField(label=_("First name"), max_length=100,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    family_name = forms.CharField(label=_("Last name"), max_length=100, required=False,
                                  widget=forms.TextInput(
                                      attrs={"autocomplete": "family-name"}))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel",
                                                          "autocomplete": "tel",
                                                          "inputmode": "tel"}))
    email = forms.EmailField(label=_("Email"), max_length=254, required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    guests = forms.IntegerField(label=_("How many people are coming with you?"),
                                min_value=0, max_value=20, initial=0,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    # The honeypot: hidden from people by CSS (events.css), filled in by bots.
    website = forms.CharField(label=_("Leave this empty"), required=False, max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off",
                                                            "tabindex": "-1"}))

    def __init__(self, *args: Any, organization_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.consents = rsvp_consents(organization_name)
        for name, _channel, _purpose, wording in self.consents:
            self.fields[name] = forms.BooleanField(label=wording, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("phone", "").strip() and not data.get("email", "") \
                and not self.has_error("phone") and not self.has_error("email"):
            raise forms.ValidationError(_("Please give a phone number or an email, so we "
                                          "can tell you if anything changes."))
        return data

    def consent_choices(self) -> list[tuple[str, str, str]]:
        return [(channel, purpose, wording) for name, channel, purpose, wording
                in self.consents if self.cleaned_data.get(name)]


class VolunteerForm(RSVPForm):
    """A volunteer signs up for one open shift on the public page: the RSVP page's
    fields and consent boxes, a shift instead of the guests."""

    def __init__(self, *args: Any, shifts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["guests"]
        self.fields["shift"] = forms.TypedChoiceField(
            label=_("Shift"), coerce=int, widget=forms.RadioSelect,
            choices=[(o.shift.pk, str(o.shift)) for o in shifts],
            error_messages={"required": _("Choose a shift."),
                            "invalid_choice": _("Choose a shift.")})


# --- the kiosk ------------------------------------------------------------------------------------


class KioskStartForm(forms.Form):
    pin = forms.CharField(label=_("Staff PIN"), min_length=4, max_length=8,
                          help_text=_("4 to 8 digits. You will need it to leave kiosk mode."),
                          widget=forms.PasswordInput(attrs={"inputmode": "numeric",
                                                            "autocomplete": "off"}))
    pin_again = forms.CharField(label=_("The PIN again"), min_length=4, max_length=8,
                                widget=forms.PasswordInput(attrs={"inputmode": "numeric",
                                                                  "autocomplete": "off"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("pin") and data.get("pin") != data.get("pin_again"):
            self.add_error("pin_again", _("The two PINs are different."))
        return data


class KioskExitForm(forms.Form):
    pin = forms.CharField(label=_("Staff PIN"), max_length=8,
                          widget=forms.PasswordInput(attrs={"inputmode": "numeric",
                                                            "autocomplete": "off"}))


def kiosk_consents() -> list[tuple[str, str, str, str]]:
    return [
        ("consent_sms", "sms", "events",
         gettext("Yes, send me text messages about events. Reply STOP to end them.")),
        ("consent_alerts", "sms", "rapid_response",
         gettext("Yes, send me rapid-response text alerts when immigration agents are "
                     "seen in the neighborhood. Reply STOP to end them.")),
    ]


class KioskAddForm(forms.Form):
    given_name = forms.CharField(label=_("First name"), max_length=100)
    family_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel",
                                                          "inputmode": "tel",
                                                          "autocomplete": "off"}))
    street = forms.CharField(label=_("Street address"), max_length=200, required=False,
                             help_text=_("The number and the street, like 2417 N Front St."))
    unit = forms.CharField(label=_("Apartment"), max_length=60, required=False)
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=[("", "—"), *LANGUAGE_CHOICES[:4]])
    # Shown only when asked: when someone in the resident's household has a name like
    # theirs, the kiosk asks instead of guessing which of the two is here.
    birth_year = forms.IntegerField(label=_("Year you were born"), required=False,
                                    min_value=1900, max_value=2100,
                                    widget=forms.NumberInput(attrs={"inputmode": "numeric",
                                                                    "autocomplete": "off"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.consents = kiosk_consents()
        for name, _channel, _purpose, wording in self.consents:
            self.fields[name] = forms.BooleanField(label=wording, required=False)

    def consent_choices(self) -> list[tuple[str, str, str]]:
        return [(channel, purpose, wording) for name, channel, purpose, wording
                in self.consents if self.cleaned_data.get(name)]


# --- follow-up and reports ------------------------------------------------------------------------


class FollowUpFilterForm(forms.Form):
    which = forms.ChoiceField(label=_("List"), choices=[
        ("not_contacted", _("Not contacted within N days")),
        ("new_person", _("New people")), ("grievance", _("Raised a grievance"))],
        required=False)
    days = forms.IntegerField(label=_("N days"), min_value=0, max_value=365, initial=7,
                              required=False)


class AssignForm(forms.Form):
    people = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=Membership.objects.none(),
                                      required=False, empty_label=_("Nobody (unassign)"))
    reason = forms.ChoiceField(choices=FollowUp.Reason.choices, widget=forms.HiddenInput)

    def __init__(self, *args: Any, choices: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(pk, str(pk)) for pk in choices]
        members = Membership.objects.select_related("user").order_by("user__name")
        self.fields["assignee"].queryset = members.filter(
            pk__in=[m.pk for m in members if can(m, "people.view")])
        self.fields["assignee"].label_from_instance = (
            lambda m: f"{m.user.name or m.user.email} · {m.get_role_display()}")


class CallListForm(forms.Form):
    people = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    name = forms.CharField(label=_("Name of the call list"), max_length=60)

    def __init__(self, *args: Any, choices: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = [(pk, str(pk)) for pk in choices]



class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The period ends before it starts."))
        if start and end and end - start > timedelta(days=3660):
            raise forms.ValidationError(_("Choose ten years at most."))
        return data

    def period(self) -> tuple:  # type: ignore[type-arg]
        today = timezone.localdate()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=180)
        return start, end
