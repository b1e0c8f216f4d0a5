"""Sign-ins and failed sign-ins go into the audit log (ids only, never the email)."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_logged_in, user_logged_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from groundswell.core import audit


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record("accounts.user.logged_in", organization=None, actor=user, obj=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record("accounts.user.logged_out", organization=None, actor=user, obj=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    audit.record("accounts.user.login_failed", organization=None)
