"""Second-factor secrets under key rotation (see core.crypto.register_sealed_elsewhere)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db import transaction

from groundswell.accounts.adapter import MFAAdapter
from groundswell.core import crypto


def rotate_authenticators(primary: str, batch_size: int, dry_run: bool) -> int:
    """TOTP secrets and recovery-code seeds, sealed by our MFA adapter inside allauth's
    JSON column, use the same keyring and must move to the new key too."""
    context = MFAAdapter.context
    last, rotated = 0, 0
    while True:
        with transaction.atomic():
            batch = list(Authenticator.objects.select_for_update().filter(pk__gt=last)
                         .order_by("pk")[:batch_size])
            if not batch:
                return rotated
            for authenticator in batch:
                data, changed = dict(authenticator.data), False
                for key, value in data.items():
                    key_id = crypto.key_id_of(value) if isinstance(value, str) else None
                    if key_id is None or key_id == primary:
                        continue
                    rotated += 1
                    changed = True
                    data[key] = crypto.encrypt(crypto.decrypt(value, context=context),
                                               context=context)
                if changed and not dry_run:
                    authenticator.data = data
                    authenticator.save(update_fields=["data"])
            last = batch[-1].pk
