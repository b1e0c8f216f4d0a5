"""Forms of the rapid-response screens: they bound what a browser sends; the rules
live in the services, whose InvalidInput the views put back on the named field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.core.models import Base, Membership
from groundswell.rapidresponse.models import (
    AlertKind,
    ConfirmedHow,
    Network,
    Report,
    SubscriberRole,
    Zone,
)


class NetworkForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    base = forms.ModelChoiceField(label=_("Base"), queryset=Base.objects.none(),
                                  required=False, empty_label=_("The whole organization"))
    hotline_number = forms.CharField(
        label=_("Hotline number"), max_length=20, required=False,
        help_text=_("The number residents text to report or to join, in +1 format."))
    confirmations_required = forms.IntegerField(
        label=_("Confirmations needed"), min_value=1, max_value=10, initial=2,
        help_text=_("Responders who must confirm before an alert can go out without an "
                    "override."))
    responders_per_request = forms.IntegerField(
        label=_("Responders asked"), min_value=1, max_value=20, initial=3,
        help_text=_("How many of the nearest available responders are asked to verify."))
    report_expiry_minutes = forms.IntegerField(
        label=_("Report expires after (minutes)"), min_value=10, max_value=1440, initial=120)
    retention_days = forms.IntegerField(
        label=_("Keep reports for (days)"), min_value=1, max_value=365, initial=30,
        help_text=_("Reports, their places, replies and recipient lists are deleted after "
                    "this; counts and times stay."))
    default_radius_m = forms.IntegerField(label=_("Default alert radius (meters)"),
                                          min_value=50, max_value=20000, initial=800)
    center_lat = forms.FloatField(label=_("Map centre latitude"), required=False,
                                  min_value=-90, max_value=90)
    center_lon = forms.FloatField(label=_("Map centre longitude"), required=False,
                                  min_value=-180, max_value=180)

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["base"].queryset = Base.objects.visible_to(membership).active()


class ZoneForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    geometry = forms.CharField(label=_("Shape"), max_length=400_000,
                               widget=forms.HiddenInput(attrs={"id": "zone-geometry"}),
                               required=False)


class SubscriberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=SubscriberRole.choices)
    language = forms.ChoiceField(label=_("Language"),
                                 choices=[("es", _("Spanish")), ("en", _("English"))])
    radius_m = forms.IntegerField(label=_("Alert radius (meters)"), min_value=50,
                                  max_value=20000)
    drills = forms.BooleanField(label=_("Receives drills"), required=False)
    available = forms.BooleanField(label=_("Available to verify"), required=False)


class SubscriberFilterForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), required=False,
                             choices=[("", _("Any role")), *SubscriberRole.choices])
    zone = forms.ModelChoiceField(label=_("Zone"), queryset=Zone.objects.none(),
                                  required=False, empty_label=_("Any zone"))

    def __init__(self, *args: Any, network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = network.zones.all()


class ReportForm(forms.Form):
    """The public form and the dispatcher's: what, where, when, an optional pin."""

    what = forms.CharField(label=_("What did you see?"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    where = forms.CharField(label=_("Where?"), max_length=200, required=False,
                            help_text=_("A street corner, a building, a store."))
    minutes_ago = forms.TypedChoiceField(
        label=_("When?"), coerce=int, initial=0, choices=[
            (0, _("Right now")), (15, _("About 15 minutes ago")),
            (30, _("About 30 minutes ago")), (60, _("About an hour ago")),
            (180, _("Earlier today"))])
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput(
        attrs={"id": "report-lat"}), min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput(
        attrs={"id": "report-lon"}), min_value=-180, max_value=180)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("what") or "").strip() and not (data.get("where") or "").strip():
            raise forms.ValidationError(_("Say what you saw and where."))
        return data


class DispatcherReportForm(ReportForm):
    is_drill = forms.BooleanField(label=_("This is a drill"), required=False)


class LocateForm(forms.Form):
    latitude = forms.FloatField(widget=forms.HiddenInput(attrs={"id": "report-lat"}),
                                min_value=-90, max_value=90)
    longitude = forms.FloatField(widget=forms.HiddenInput(attrs={"id": "report-lon"}),
                                 min_value=-180, max_value=180)


class DirectConfirmationForm(forms.Form):
    """A confirmation heard by the dispatcher: who, how, when."""

    who = forms.CharField(label=_("Who confirmed"), max_length=120,
                          help_text=_("A name, or how they are known (e.g. “Don Luis, the "
                                      "corner store”)."))
    how = forms.ChoiceField(label=_("How"), choices=ConfirmedHow.choices,
                            widget=forms.RadioSelect)
    observed_at = forms.DateTimeField(
        label=_("When they saw it"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("false_alarm", _("False alarm")),
                                         ("duplicate", _("Duplicate"))])
    duplicate_of = forms.ModelChoiceField(label=_("Repeats report"),
                                          queryset=Report.objects.none(), required=False)

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["duplicate_of"].queryset = Report.objects.filter(
            network=report.network).exclude(pk=report.pk)


class AlertForm(forms.Form):
    kind = forms.ChoiceField(label=_("Template"), choices=[
        c for c in AlertKind.choices if c[0] != AlertKind.ALL_CLEAR])
    zone = forms.ModelChoiceField(label=_("Zone"), queryset=Zone.objects.none(),
                                  required=False, empty_label=_("No zone: use a radius"))
    radius_m = forms.IntegerField(label=_("Radius (meters)"), min_value=50, max_value=20000,
                                  required=False)
    details = forms.CharField(label=_("Place or details"), max_length=80, required=False,
                              help_text=_("Added to the template, e.g. a corner or a time. "
                                          "80 characters at most."))
    drill = forms.BooleanField(label=_("Drill (only to people who opted into drills)"),
                               required=False)
    report = forms.ModelChoiceField(queryset=Report.objects.none(), required=False,
                                    widget=forms.HiddenInput)

    def __init__(self, *args: Any, network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["zone"].queryset = network.zones.all()
        self.fields["report"].queryset = Report.objects.filter(network=network)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("zone") and not data.get("radius_m"):
            raise forms.ValidationError(_("Choose a zone or a radius."))
        return data


class AllClearForm(forms.Form):
    details = forms.CharField(label=_("Place or details"), max_length=80, required=False)
