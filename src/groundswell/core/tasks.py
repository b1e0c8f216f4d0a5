"""Background jobs of the core area. Tasks take ids, never objects, and re-enter the
organization's scope themselves."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from django_tasks import task

from groundswell.core.models import Invitation


@task()
def send_invitation_email(invitation_id: int) -> bool:
    """Mail the invitation link. Returns False when the invitation is no longer
    pending (withdrawn or used before the worker got to it)."""
    from groundswell.core.services import invitation_url  # services imports this module

    with scopes_disabled():
        invitation = Invitation.objects.select_related("organization").filter(
            pk=invitation_id).first()
    if invitation is None or not invitation.is_pending:
        return False
    org = invitation.organization
    with translation.override(org.default_language):
        context = {"organization": org.name, "url": invitation_url(invitation),
                   "days": settings.INVITATION_MAX_AGE.days}
        subject = _("You are invited to join %(organization)s on Groundswell") % context
        body = render_to_string("core/email/invitation.txt", context)
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body,
              settings.DEFAULT_FROM_EMAIL, [invitation.email])
    return True
