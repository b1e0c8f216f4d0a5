"""Forms of the people screens. They parse and bound what a browser sends (ids and codes
in filters, lengths of free text); the rules about people live in the services, whose
``InvalidInput`` errors the views put back on the field they name."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from groundswell.core.models import Base, Membership
from groundswell.people.filters import added_filters, list_filter_keys
from groundswell.people.models import (
    LANGUAGE_CHOICES,
    Consent,
    ContactPoint,
    EngagementStage,
    Grievance,
    Person,
    Relationship,
    Tag,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Read to the resident before they agree to rapid-response texts; the version read is
# stored with the consent, word for word.
RAPID_RESPONSE_WORDING = _(
    "May we send you text alerts when immigration agents are seen near your home? "
    "Messages are free from us; your carrier's rates may apply. Reply STOP at any time "
    "to stop them.")


def rapid_response_wording(language: str) -> str:
    with translation.override(language):
        return str(RAPID_RESPONSE_WORDING)


def add_service_error(form: forms.Form, field: str, message: str) -> None:
    """Show a service's InvalidInput on the field it names, or above the form."""
    form.add_error(field if field in form.fields else None, message)


def _no_future(value: Any) -> Any:
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("That date is in the future."))
    return value


class _MembershipForm(forms.Form):
    """A form whose choices depend on the organization and the member's bases."""

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        if "base" in self.fields:
            self.fields["base"].queryset = Base.objects.visible_to(membership).active()


# --- the people list ---------------------------------------------------------------------


class PeopleFilterForm(_MembershipForm):
    """Filters as GET parameters: ids and codes only, never names."""

    tag = forms.ModelChoiceField(label=_("Tag"), queryset=Tag.objects.none(), required=False,
                                 empty_label=_("Any tag"))
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=EngagementStage.objects.none(),
                                   required=False, empty_label=_("Any stage"))
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=[("", _("Any language")), *LANGUAGE_CHOICES])
    base = forms.ModelChoiceField(label=_("Base"), queryset=Base.objects.none(),
                                  required=False, empty_label=_("Any base"))
    consent = forms.ChoiceField(label=_("Agreed to"), required=False,
                                choices=[("", _("Anything or nothing")),
                                         *Consent.Purpose.choices])
    has_phone = forms.ChoiceField(label=_("Phone"), required=False, choices=[
        ("", _("With or without")), ("yes", _("Has a phone")), ("no", _("No phone"))])
    contacted_after = forms.DateField(label=_("Contacted since"), required=False,
                                      widget=DATE)
    contacted_before = forms.DateField(
        label=_("Not contacted since"), required=False, widget=DATE,
        help_text=_("Includes people nobody has contacted yet."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = Tag.objects.all()
        self.fields["stage"].queryset = EngagementStage.objects.all()
        self.fields["base"].queryset = Base.objects.visible_to(self.membership)
        for added in added_filters():
            self.fields[added.key] = added.make_field(self.membership)
        assert tuple(self.fields) == list_filter_keys()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        after, before = data.get("contacted_after"), data.get("contacted_before")
        if after and before and after >= before:
            raise forms.ValidationError(
                _("“Contacted since” must be before “Not contacted since”."))
        return data

    def raw_filters(self) -> dict[str, str]:
        """The submitted filters that are set, as typed: what a saved list stores."""
        return {key: str(self.data.get(key, "")).strip() for key in list_filter_keys()
                if str(self.data.get(key, "")).strip()}

    def apply(self, qs: QuerySet[Person]) -> QuerySet[Person]:
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        if data.get("tag"):
            qs = qs.filter(tags=data["tag"])
        if data.get("stage"):
            stage = data["stage"]
            qs = qs.filter(Q(stage=stage) | Q(stage__isnull=True, computed_stage=stage))
        if data.get("language"):
            qs = qs.filter(language=data["language"])
        if data.get("base"):
            qs = qs.filter(base=data["base"])
        if data.get("consent"):
            qs = qs.filter(Exists(Consent.objects.filter(
                person=OuterRef("pk"), purpose=data["consent"], withdrawn_at__isnull=True)))
        if data.get("has_phone"):
            phones = Exists(ContactPoint.objects.filter(person=OuterRef("pk"),
                                                        kind=ContactPoint.Kind.PHONE))
            qs = qs.filter(phones if data["has_phone"] == "yes" else ~phones)
        if data.get("contacted_after"):
            qs = qs.filter(last_contact_at__gte=datetime.combine(
                data["contacted_after"], time.min, tz))
        if data.get("contacted_before"):
            qs = qs.filter(Q(last_contact_at__lt=datetime.combine(
                data["contacted_before"], time.min, tz)) | Q(last_contact_at__isnull=True))
        for added in added_filters():
            if data.get(added.key):
                qs = added.apply(qs, data[added.key])
        return qs


class BulkTagForm(forms.Form):
    """Ticked rows of the list and a tag name. ``people`` holds the ticked ids (whole
    numbers); which of them the member may tag is the view's business."""

    tag = forms.CharField(label=_("Tag"), max_length=60)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        raw = self.data.getlist("people") if hasattr(self.data, "getlist") else []
        if any(not value.isdigit() or len(value) > 12 for value in raw):
            raise forms.ValidationError(_("That list of people is not valid."))
        data["people"] = sorted({int(value) for value in raw})
        if not data["people"]:
            raise forms.ValidationError(_("Tick at least one person."))
        return data


class SaveListForm(forms.Form):
    name = forms.CharField(label=_("Name of the list"), max_length=100)


# --- quick-add -----------------------------------------------------------------------------


class QuickAddForm(_MembershipForm):
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False,
                            widget=forms.TextInput(attrs={"type": "tel",
                                                          "autocomplete": "off"}))
    street = forms.CharField(label=_("Street address"), max_length=200, required=False,
                             help_text=_("The number and the street, like 2417 N Front St."))
    unit = forms.CharField(label=_("Unit"), max_length=60, required=False,
                           help_text=_("Apartment or floor, like “2nd floor rear”."))
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=[("", "—"), *LANGUAGE_CHOICES])
    base = forms.ModelChoiceField(label=_("Base"), queryset=Base.objects.none(),
                                  required=False, empty_label="—")
    tags = forms.CharField(label=_("Tags"), max_length=300, required=False,
                           help_text=_("Separate tags with commas."))
    rapid_response = forms.BooleanField(
        label=_("They agreed to rapid-response text alerts"), required=False)
    wording_language = forms.ChoiceField(
        label=_("Wording read to them"), required=False, initial="es",
        choices=[("es", "Español"), ("en", "English")], widget=forms.RadioSelect)
    consent_source = forms.ChoiceField(label=_("Where they agreed"), required=False,
                                       choices=[("", "—"), *Consent.Source.choices])

    def __init__(self, *args: Any, check_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if check_url:  # as they type the name or phone, htmx posts the form to check_url
            for name in ("given_name", "family_name", "phone"):
                self.fields[name].widget.attrs.update({
                    "hx-post": check_url, "hx-trigger": "input changed delay:500ms",
                    "hx-target": "#matches", "hx-sync": "closest form:replace"})

    def clean_tags(self) -> list[str]:
        names = [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]
        if any(len(n) > 60 for n in names):
            raise forms.ValidationError(_("A tag has 60 characters at most."))
        return names

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("phone", "").strip() and not data.get("street", "").strip() \
                and not self.has_error("phone") and not self.has_error("street"):
            raise forms.ValidationError(
                _("Add a phone number or an address, so the person can be found again."))
        if data.get("rapid_response"):
            if not data.get("phone", "").strip():
                self.add_error("phone", _("Rapid-response alerts are texts: add a phone "
                                          "number."))
            if not data.get("consent_source"):
                self.add_error("consent_source", _("Say where they agreed."))
            if data.get("wording_language") not in ("es", "en"):
                self.add_error("wording_language", _("Say which wording was read."))
        return data

    def wording(self) -> str:
        return rapid_response_wording(self.cleaned_data.get("wording_language") or "es")


class DuplicateCheckForm(forms.Form):
    given_name = forms.CharField(max_length=100, required=False)
    family_name = forms.CharField(max_length=100, required=False)
    phone = forms.CharField(max_length=40, required=False)


# --- the person page's small forms ------------------------------------------------------------


class NoteForm(forms.Form):
    summary = forms.CharField(label=_("Note"), max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactPoint.Kind.choices)
    value = forms.CharField(label=_("Phone number or email"), max_length=254)
    sms_capable = forms.BooleanField(label=_("Can receive texts"), required=False,
                                     initial=True)


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Consent.Channel.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    source = forms.ChoiceField(label=_("Where they agreed"), choices=Consent.Source.choices)
    wording = forms.CharField(label=_("Exact wording shown or read"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class WithdrawConsentForm(forms.Form):
    channel = forms.ChoiceField(choices=Consent.Channel.choices)
    purpose = forms.ChoiceField(choices=Consent.Purpose.choices)


class GrievanceForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Grievance.Category.choices)
    text = forms.CharField(label=_("In their words"), max_length=5000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    raised_on = forms.DateField(label=_("Raised on"), required=False, widget=DATE,
                                validators=[_no_future])


class RelationshipForm(_MembershipForm):
    kind = forms.ChoiceField(label=_("Relationship"), choices=Relationship.Kind.choices)
    other = forms.ModelChoiceField(label=_("Other person"), queryset=Person.objects.none(),
                                   widget=forms.HiddenInput,
                                   error_messages={"required": _("Find and choose the other "
                                                                 "person.")})

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = Person.objects.visible_to(self.membership) \
            .exclude(pk=person.pk)


class RelationshipSearchForm(forms.Form):
    q = forms.CharField(max_length=100, required=False)


class MoveForm(forms.Form):
    street = forms.CharField(label=_("Street address"), max_length=200,
                             help_text=_("The number and the street, like 2417 N Front St."))
    unit = forms.CharField(label=_("Unit"), max_length=60, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    state = forms.CharField(label=_("State"), max_length=40, required=False)
    postal_code = forms.CharField(label=_("ZIP code"), max_length=10, required=False)
    moved_on = forms.DateField(label=_("Moved on"), required=False, widget=DATE,
                               validators=[_no_future])


class StageForm(forms.Form):
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=EngagementStage.objects.none(),
                                   required=False, empty_label=_("Computed from activity"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = EngagementStage.objects.all()


class RateForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Engagement level"), coerce=int,
                                   choices=[(n, str(n)) for n in range(1, 6)])
    reason = forms.CharField(label=_("Why"), max_length=200, required=False)


class PersonEditForm(_MembershipForm):
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    preferred_name = forms.CharField(label=_("Preferred name"), max_length=100,
                                     required=False)
    language = forms.ChoiceField(label=_("Language"), required=False,
                                 choices=[("", "—"), *LANGUAGE_CHOICES])
    base = forms.ModelChoiceField(label=_("Base"), queryset=Base.objects.none(),
                                  required=False, empty_label="—")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A member limited to some bases may only place people in those.
        self.fields["base"].queryset = Base.objects.visible_to(self.membership)
