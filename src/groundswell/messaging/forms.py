"""Forms of the messaging screens: compose (to a saved list or a search), reply in a
conversation, and the organization's settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.messaging.models import Channel
from groundswell.people.models import Consent, SavedList


class ComposeForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send as"), choices=Channel.choices,
                                initial=Channel.SMS)
    purpose = forms.ChoiceField(
        label=_("What is it about?"), choices=Consent.Purpose.choices,
        help_text=_("Only people who said yes to messages about this get it."))
    saved_list = forms.ModelChoiceField(label=_("To a saved list"), required=False,
                                        queryset=SavedList.objects.none(),
                                        empty_label=_("— or use the search below —"))
    q = forms.CharField(label=_("Or to people matching a search"), required=False,
                        max_length=100)
    subject = forms.CharField(label=_("Subject (email)"), required=False, max_length=200)
    body_en = forms.CharField(
        label=_("Message in English"), required=False, max_length=1600,
        widget=forms.Textarea(attrs={"rows": 4, "data-segments": "en"}),
        help_text=_("Merge fields: {first_name}, {name}, {organization}."))
    body_es = forms.CharField(
        label=_("Message in Spanish"), required=False, max_length=1600,
        widget=forms.Textarea(attrs={"rows": 4, "data-segments": "es"}),
        help_text=_("People whose language is Spanish get this one; the others the "
                    "English one. Either alone goes to everyone."))
    emergency = forms.BooleanField(
        label=_("Emergency alert: send even during quiet hours"), required=False)
    send_at = forms.DateTimeField(
        label=_("Send later (leave empty to send now)"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["saved_list"].queryset = SavedList.objects.order_by("name")


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Reply"), max_length=1600,
                           widget=forms.Textarea(attrs={"rows": 3, "data-segments": "reply"}))


class SettingsForm(forms.Form):
    help_text_en = forms.CharField(label=_("Answer to HELP in English"), required=False,
                                   max_length=600, widget=forms.Textarea(attrs={"rows": 3}))
    help_text_es = forms.CharField(label=_("Answer to AYUDA in Spanish"), required=False,
                                   max_length=600, widget=forms.Textarea(attrs={"rows": 3}))
    quiet_start = forms.TimeField(label=_("Quiet hours start"),
                                  widget=forms.TimeInput(attrs={"type": "time"}))
    quiet_end = forms.TimeField(label=_("Quiet hours end"),
                                widget=forms.TimeInput(attrs={"type": "time"}))
    cost_per_segment_cents = forms.DecimalField(label=_("Cost per text segment (cents)"),
                                                min_value=0, max_value=100, decimal_places=3)
