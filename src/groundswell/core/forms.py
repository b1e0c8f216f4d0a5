from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from groundswell.core.audit import EVENT_LABELS
from groundswell.core.errors import DomainError
from groundswell.core.models import Base, Membership, Role


def show_error(form: forms.Form, error: DomainError) -> None:
    """Put a service's refusal on the form: on the field it names when the form has
    that field, above the form otherwise."""
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, error.message)


class BasesField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            queryset=Base.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
            label=_("Limit to bases"), help_text=_("Leave all unticked for every base."), **kwargs,
        )


class _OrgForm(forms.Form):
    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "bases" in self.fields:
            self.fields["bases"].queryset = Base.objects.active()


class InviteForm(_OrgForm):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CANVASSER)
    bases = BasesField()


class RoleForm(_OrgForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    bases = BasesField()


class BaseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(label=_("Choose a password"), widget=forms.PasswordInput,
                               min_length=10, max_length=128,
                               help_text=_("At least 10 characters; not a common password."))


class AuditFilterForm(forms.Form):
    code = forms.ChoiceField(label=_("Event"), required=False)
    actor = forms.ModelChoiceField(label=_("Who"), required=False,
                                   queryset=Membership.objects.none())
    since = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [("", _("All events"))] + sorted(
            ((code, str(label)) for code, label in EVENT_LABELS.items()), key=lambda c: c[1])
        self.fields["actor"].queryset = Membership.objects.select_related("user").order_by(
            "user__name", "user__email")
        self.fields["actor"].label_from_instance = lambda m: str(m.user)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data
