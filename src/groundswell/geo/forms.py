"""Forms of the geography screens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.core.models import Base, Membership
from groundswell.geo.services import MAX_TURFS, assignable_members


class AddressFileForm(forms.Form):
    file = forms.FileField(
        label=_("Address-point file"),
        help_text=_("CSV with columns address (or number and street), zip, latitude and "
                    "longitude; or GeoJSON points with an address property."))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".geojson", ".json", ".txt")):
            raise forms.ValidationError(_("Choose a .csv or .geojson file."))
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("That file is larger than 20 MB."))
        return upload


class _OrgForm(forms.Form):
    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "base" in self.fields:
            self.fields["base"].queryset = Base.objects.visible_to(membership).active()
        if "assigned_to" in self.fields:
            self.fields["assigned_to"].queryset = assignable_members()
            self.fields["assigned_to"].label_from_instance = lambda m: (
                f"{m.user.name or m.user.email} · {m.get_role_display()}")


class TurfForm(_OrgForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    base = forms.ModelChoiceField(label=_("Base"), queryset=Base.objects.none(),
                                  required=False, empty_label="—")
    geometry = forms.CharField(
        label=_("Area"), widget=forms.HiddenInput,
        error_messages={"required": _("Draw the turf on the map.")})
    assigned_to = forms.ModelMultipleChoiceField(
        label=_("Assigned to"), queryset=Membership.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple)


class CutForm(_OrgForm):
    name = forms.CharField(label=_("Name the turfs"), max_length=90, initial=_("Turf"),
                           help_text=_("They are numbered: Turf 1, Turf 2…"))
    parts = forms.IntegerField(label=_("How many turfs"), min_value=1, max_value=MAX_TURFS,
                               initial=4)
    base = forms.ModelChoiceField(label=_("Base to cut"), queryset=Base.objects.none(),
                                  required=False, empty_label="—")
    geometry = forms.CharField(label=_("Or an area drawn on the map"), required=False,
                               widget=forms.HiddenInput)
    cross_gaps = forms.BooleanField(
        label=_("A turf may cross a park, a highway or a rail line"), required=False,
        help_text=_("Left unticked, each neighbourhood cut off by one is cut into turfs of "
                    "its own, so nobody has to walk across it; the turfs are then as even "
                    "as the neighbourhoods' sizes allow."))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("base") and not data.get("geometry"):
            raise forms.ValidationError(_("Choose a base or draw the area to cut."))
        return data
