"""Database sessions whose contents are encrypted with the data keyring.

Django signs session data but stores it readable; during two-factor enrollment
allauth keeps the pending TOTP secret there, so a backup taken at that moment would
hold it. Sealing the whole session closes that and anything later areas put there.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from groundswell.core import crypto


class SessionStore(DatabaseSessionStore):
    context = "django.contrib.sessions"

    def encode(self, session_dict: dict[str, Any]) -> str:
        return crypto.encrypt(super().encode(session_dict), context=self.context)

    def decode(self, session_data: str) -> dict[str, Any]:
        try:
            plain = crypto.decrypt(session_data, context=self.context)
        except crypto.DecryptionError:
            # Sealed under a key since removed, or not ours: the session just ends.
            return {}
        return super().decode(plain)
