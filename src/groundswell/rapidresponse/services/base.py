"""What every rapid-response service shares: field limits, the organization check and the
wording of a refusal."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from groundswell.core.errors import DomainError
from groundswell.core.models import Membership

MAX_WHAT, MAX_WHERE, MAX_PLACE = 500, 200, 80
DEFAULT_CENTER = (39.9925, -75.1300)  # used only when a network has no centre yet


def _user(actor: Membership | None) -> Any:
    return actor.user if actor is not None else None


def _same_org(actor: Membership | None, obj: Any) -> None:
    if actor is not None and obj.organization_id != actor.organization_id:
        raise DomainError(_("That is not part of this organization."))


REFUSALS = {
    "expired": lambda: _("This report has expired: nothing can be sent from it."),
    "closed": lambda: _("This report is closed."),
    "not_open": lambda: _("Only a new or verifying report can do that."),
    "not_confirmed": lambda: _("An alert needs the report confirmed by responders, or an "
                               "explicit override."),
    "no_alert": lambda: _("No alert went out for this report, so there is nothing to "
                          "clear."),
    "already": lambda: _("That was already done."),
}


def refusal_message(reason: str) -> str:
    return str(REFUSALS.get(reason, lambda: _("That cannot be done now."))())
