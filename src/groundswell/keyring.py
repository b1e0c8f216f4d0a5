"""Parsing of the encryption keyring, without Django, so settings can check it at
start-up (a typo must stop the server, not the first request that reads a note)."""

from __future__ import annotations

import base64
from dataclasses import dataclass


class KeyringError(ValueError):
    pass


@dataclass(frozen=True)
class Keyring:
    primary_id: str
    keys: dict[str, bytes]

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        """``"k2:<base64 of 32 bytes>,k1:<...>"``: the first key encrypts, all decrypt."""
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for entry in (part.strip() for part in spec.split(",")):
            if not entry:
                continue
            key_id, sep, encoded = entry.partition(":")
            if not sep or not key_id.isalnum():
                raise KeyringError("entries look like 'k2:<base64 of 32 bytes>'")
            try:
                key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            except ValueError:
                raise KeyringError(f"key {key_id!r} is not base64") from None
            if len(key) != 32:
                raise KeyringError(f"key {key_id!r} must be 32 bytes")
            if key_id in keys:
                raise KeyringError(f"key id {key_id!r} appears twice")
            keys[key_id] = key
            order.append(key_id)
        if not order:
            raise KeyringError("it holds no key")
        return cls(primary_id=order[0], keys=keys)
