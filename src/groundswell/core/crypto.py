"""Encryption at rest for personal data, and blind indexes for exact lookup.

Values are sealed with AES-256-GCM under a keyring read from settings (the
environment or a file, never the database). A token is ``gs1:<key id>:<base64>``;
the key id lets old keys keep decrypting while ``rotate_encryption_keys`` rewrites
rows under the newest key. The column name is bound in as associated data, so a
ciphertext copied into another column or table does not decrypt.

A blind index is an HMAC of the normalized value under a separate key: it finds a
row by exact value (an email, a phone number, its last four digits) without
storing the value in the clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from groundswell.keyring import Keyring, KeyringError

PREFIX = "gs1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value could not be decrypted: unknown key id or tampered data."""


@cache
def _keyring_for(spec: str) -> Keyring:
    try:
        return Keyring.parse(spec)
    except KeyringError as exc:
        raise ImproperlyConfigured(f"GROUNDSWELL_ENCRYPTION_KEYS: {exc}.") from None


def keyring() -> Keyring:
    return _keyring_for(settings.ENCRYPTION_KEYS)


def encrypt(plaintext: str, *, context: str) -> str:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.primary_id]).encrypt(
        nonce, plaintext.encode("utf-8"), context.encode("utf-8")
    )
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
    return f"{PREFIX}:{ring.primary_id}:{body}"


def key_id_of(token: str) -> str | None:
    parts = token.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


def decrypt(token: str, *, context: str) -> str:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise DecryptionError("Not an encrypted value.")
    _, key_id, body = parts
    key = keyring().keys.get(key_id)
    if key is None:
        raise DecryptionError(f"Unknown encryption key id {key_id!r}.")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
    except Exception as exc:  # InvalidTag, bad padding, short data
        raise DecryptionError("Encrypted value is corrupt or was moved.") from exc
    return plain.decode("utf-8")


def blind_index(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of an already-normalized value, hex encoded (64 characters)."""
    keyed = _keyed_hmac(settings.BLIND_INDEX_KEY).copy()
    keyed.update(purpose.encode("utf-8") + b"\x00" + value.encode("utf-8"))
    return keyed.hexdigest()


@lru_cache(maxsize=4)
def _keyed_hmac(key: str) -> hmac.HMAC:
    """An HMAC with the key already mixed in, copied for each value (an import works
    out hundreds of thousands of blind indexes; setting the key up is half the cost)."""
    return hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads and writes plaintext in Python.

    ``blind_index_field`` names a sibling ``CharField(max_length=64)`` that is filled
    on save with the HMAC of ``normalize(value)``, for exact lookup via
    :func:`blind_index`. Lookups on the encrypted column itself are meaningless
    (every encryption differs) and so are not supported.
    """

    def __init__(
        self,
        *args: Any,
        blind_index_field: str | None = None,
        normalize: Callable[[str], str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.blind_index_field = blind_index_field
        self.normalize = normalize
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, Any, Any, Any]:
        name, path, args, kwargs = super().deconstruct()
        if self.blind_index_field:
            kwargs["blind_index_field"] = self.blind_index_field
        return name, path, args, kwargs

    @property
    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value, context=self.context)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value, context=self.context)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in {"isnull"}:
            return None
        return super().get_lookup(lookup_name)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if self.blind_index_field:
            index = ""
            if value:
                normalized = self.normalize(value) if self.normalize else value
                index = blind_index(normalized, purpose=self.context)
            setattr(model_instance, self.blind_index_field, index)
        return value

    def index_for(self, value: str) -> str:
        """The blind index a stored ``value`` gets, for ``filter(<index>=...)``."""
        normalized = self.normalize(value) if self.normalize else value
        return blind_index(normalized, purpose=self.context)


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (dicts, lists, strings, numbers) stored encrypted as one text: for
    structured data whose every part may be personal (answers given at a door). Read
    and written as the Python value; an empty dict or list is stored sealed too, so a
    dump does not tell an empty value from a full one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("blind_index_field"):
            raise ValueError("An encrypted JSON value has no blind index.")
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        if value == "":
            return self.get_default()
        return json.loads(decrypt(value, context=self.context))

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")),
                       context=self.context)

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj))


class EncryptedFieldsModel(models.Model):
    """Base for models with blind-indexed encrypted fields: ``save(update_fields=[...])``
    naming an encrypted field also writes its blind index, which pre_save recomputed."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            names = set(update_fields)
            for field in self._meta.concrete_fields:
                if isinstance(field, EncryptedTextField) and field.blind_index_field \
                        and field.name in names:
                    names.add(field.blind_index_field)
            kwargs["update_fields"] = sorted(names)
        super().save(*args, **kwargs)


def check_blind_indexed_models(**kwargs: Any) -> list[Any]:
    """System check: a blind-indexed field on a model that would let its index go stale."""
    from django.core import checks

    errors = []
    for model, field in encrypted_fields():
        if field.blind_index_field and not issubclass(model, EncryptedFieldsModel):
            errors.append(checks.Error(
                f"{model._meta.label}.{field.name} has a blind index but the model does not "
                "inherit EncryptedFieldsModel, so save(update_fields=...) leaves it stale.",
                obj=model, id="groundswell.E001"))
    return errors


#: Values sealed with the keyring outside our encrypted fields (another library's
#: columns), each with the function that moves them to the newest key: an area that
#: seals such values registers it from its AppConfig.ready().
Rotation = Callable[[str, int, bool], int]
_SEALED_ELSEWHERE: dict[str, Rotation] = {}


def register_sealed_elsewhere(name: str, rotate: Rotation) -> None:
    """``rotate(primary_key_id, batch_size, dry_run)`` returns how many values it
    re-encrypted (or would)."""
    if name in _SEALED_ELSEWHERE:
        raise ValueError(f"Sealed values registered twice: {name!r}")
    _SEALED_ELSEWHERE[name] = rotate


def sealed_elsewhere() -> list[tuple[str, Rotation]]:
    return sorted(_SEALED_ELSEWHERE.items())


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                found.append((model, field))
    return found


# --- files at rest ---------------------------------------------------------------------
#
# Stored uploads, exports and backups are sealed in chunks so a file of any size is
# written and read without holding it whole: ``GSF1``, the key id (one length byte, then
# its bytes), then chunks of a 4-byte big-endian length and ``nonce + AES-GCM(chunk)``.
# Each chunk's associated data binds the file's context, its index and whether it is the
# last, so chunks cannot be moved within or between files, and a cut-off file does not
# decrypt.

FILE_MAGIC = b"GSF1"
FILE_CHUNK = 1024 * 1024


def _chunk_aad(context: str, index: int, last: bool) -> bytes:
    return context.encode("utf-8") + b"\x00" + index.to_bytes(8, "big") + (
        b"\x01" if last else b"\x00")


class EncryptedWriter(io.RawIOBase):
    """A write-only, unseekable binary stream that seals what it is given into ``out``
    (CSV writers and openpyxl write into it; zip files need no seeking). ``close()``
    writes the last chunk; without it the file does not decrypt."""

    def __init__(self, out: BinaryIO, *, context: str) -> None:
        super().__init__()
        ring = keyring()
        self._out, self._context = out, context
        self._aead = AESGCM(ring.keys[ring.primary_id])
        self._buffer = bytearray()
        self._index = 0
        key_id = ring.primary_id.encode("ascii")
        out.write(FILE_MAGIC + bytes([len(key_id)]) + key_id)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.closed:
            raise ValueError("write to a closed encrypted file")
        self._buffer += data
        while len(self._buffer) > FILE_CHUNK:
            self._seal(bytes(self._buffer[:FILE_CHUNK]), last=False)
            del self._buffer[:FILE_CHUNK]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, chunk, _chunk_aad(self._context,
                                                                    self._index, last))
        self._out.write(len(sealed).to_bytes(4, "big") + sealed)
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._out.flush()
        super().close()


def iter_decrypted(source: BinaryIO, *, context: str) -> Iterator[bytes]:
    """The plaintext of a sealed file, chunk by chunk. Raises DecryptionError for a file
    that is not sealed, was sealed for another context or key, or was cut or altered."""
    head = source.read(len(FILE_MAGIC) + 1)
    if len(head) < len(FILE_MAGIC) + 1 or head[:len(FILE_MAGIC)] != FILE_MAGIC:
        raise DecryptionError("Not an encrypted file.")
    key_id = source.read(head[-1]).decode("ascii", "replace")
    key = keyring().keys.get(key_id)
    if key is None:
        raise DecryptionError(f"Unknown encryption key id {key_id!r}.")
    aead = AESGCM(key)
    index = 0
    pending = source.read(4)
    while True:
        if len(pending) < 4:
            raise DecryptionError("Encrypted file is cut short.")
        size = int.from_bytes(pending, "big")
        sealed = source.read(size)
        if len(sealed) != size or size < NONCE_BYTES:
            raise DecryptionError("Encrypted file is cut short.")
        pending = source.read(4)
        last = not pending
        try:
            plain = aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:],
                                 _chunk_aad(context, index, last))
        except Exception as exc:  # InvalidTag: altered, moved, or cut at a chunk edge
            raise DecryptionError("Encrypted file is corrupt, cut short or was moved.") \
                from exc
        yield plain
        if last:
            return
        index += 1


def create_private_file(path: Path) -> BinaryIO:
    """A new file only its owner can read (0600 from the first byte, never replaced)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def write_encrypted_file(path: Path, data: bytes, *, context: str) -> None:
    with create_private_file(path) as out, EncryptedWriter(out, context=context) as sealed:
        sealed.write(data)


def read_encrypted_file(path: Path, *, context: str) -> bytes:
    with path.open("rb") as source:
        return b"".join(iter_decrypted(source, context=context))
