from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from groundswell.core import crypto


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are created only by accepting an invitation from an admin.
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """allauth asks for the password again before any two-factor change. A member
        sent to enroll their first factor straight after typing it would be asked again
        at once, and again to see the recovery codes that enrollment just made. Skip the
        question while the password was given within the reauthentication window and
        every factor the account has was added after that: changing or removing a
        factor that existed before this login still asks."""
        required = super().is_reauthentication_required(app=app, **kwargs)
        if not required or app != "allauth.mfa":
            return required
        request = context.request
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return required
        logins = [r.get("at", 0) for r in get_authentication_records(request, user)
                  if r.get("method") == "password"]
        if not logins or time.time() - logins[-1] >= account_settings.REAUTHENTICATION_TIMEOUT:
            return required
        login_time = datetime.fromtimestamp(logins[-1], tz=UTC)
        return Authenticator.objects.filter(user=user, created_at__lt=login_time).exists()


class MFAAdapter(DefaultMFAAdapter):
    """Keep TOTP secrets and recovery-code seeds encrypted with our keyring instead
    of allauth's default of storing them as they are."""

    context = "allauth.mfa.authenticator"

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text, context=self.context)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text, context=self.context)

    def get_public_key_credential_rp_entity(self) -> dict[str, Any]:
        entity = super().get_public_key_credential_rp_entity()
        entity["name"] = "Groundswell"
        return entity
