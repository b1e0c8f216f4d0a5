"""Start-up refuses to run with keys that cannot read this database's data.

A restore without its keys used to go unnoticed: development settings generated new
ones (named ``k1`` like the old), every encrypted value became unreadable, and new
writes went under a different key with the same name. Now a canary per secret is kept
in the database (``KeyCanary``: a value sealed with each encryption key, a blind index
and an audit MAC of a fixed text); at start-up (a system check: ``runserver``, the
worker, ``check``, ``migrate``; and ``groundswell.wsgi`` for gunicorn) each is checked
against the configured secrets, and a mismatch stops the process with a message naming
the variable. A database from before the canaries is checked by sampling its data (an
encrypted value, a blind index, an audit seal) before the canaries are written.
"""

from __future__ import annotations

import hmac
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, connection, transaction

from groundswell.core import crypto
from groundswell.core.audit import seal_for
from groundswell.core.models import AuditChainHead, KeyCanary

CANARY_TEXT = "groundswell key canary"
CANARY_CONTEXT = "core.keycanary"
RESTORE_HINT = ("Start with the keys that go with this database (keep them with its "
                "backups, never regenerate them).")


def _wrong_key(key_id: str) -> str:
    if key_id not in crypto.keyring().keys:
        return (f"GROUNDSWELL_ENCRYPTION_KEYS has no key {key_id!r}, and data in this "
                "database is encrypted with it.")
    return (f"GROUNDSWELL_ENCRYPTION_KEYS: key {key_id!r} is not the key {key_id!r} this "
            "database was encrypted with (were the keys generated again?).")


def _encryption_problem(key_id: str, token: str) -> str | None:
    try:
        crypto.decrypt(token, context=CANARY_CONTEXT)
    except crypto.DecryptionError:
        return _wrong_key(key_id)
    return None


def _blind_canary() -> str:
    return crypto.blind_index(CANARY_TEXT, purpose=CANARY_CONTEXT)


def _audit_canary() -> str:
    return seal_for("canary", 1)


BLIND_PROBLEM = ("GROUNDSWELL_BLIND_INDEX_KEY is not the key this database's lookups were "
                 "made with (exact search by phone or email would find nobody).")
AUDIT_PROBLEM = ("GROUNDSWELL_AUDIT_KEY is not the key this database's audit log was "
                 "written with (its chain would not verify).")


def key_problems() -> list[str]:
    """What keeps the configured secrets from reading this database ([] when they fit,
    or when the database has no tables yet), writing missing canaries once they fit."""
    if KeyCanary._meta.db_table not in connection.introspection.table_names():
        return []  # before migrate
    canaries = dict(KeyCanary.objects.values_list("name", "value"))
    problems: list[str] = []
    for name, token in canaries.items():
        if name.startswith("encryption:"):
            problem = _encryption_problem(name.partition(":")[2], token)
            if problem:
                problems.append(problem)
    if "blind_index" in canaries and not hmac.compare_digest(canaries["blind_index"],
                                                             _blind_canary()):
        problems.append(BLIND_PROBLEM)
    if "audit" in canaries and not hmac.compare_digest(canaries["audit"], _audit_canary()):
        problems.append(AUDIT_PROBLEM)
    primary = f"encryption:{crypto.keyring().primary_id}"
    missing = {name for name in (primary, "blind_index", "audit") if name not in canaries}
    if missing and not problems:
        problems += _sample_existing_data(missing)
    if missing and not problems:
        values = {primary: crypto.encrypt(CANARY_TEXT, context=CANARY_CONTEXT),
                  "blind_index": _blind_canary(), "audit": _audit_canary()}
        for name in missing:
            try:
                with transaction.atomic():
                    KeyCanary.objects.get_or_create(name=name, defaults={"value": values[name]})
            except IntegrityError:
                pass  # another process starting at the same moment wrote it
    return problems


def _sample_existing_data(missing: set[str]) -> list[str]:
    """A database from before the canaries: read one value of each kind with these keys."""
    qn = connection.ops.quote_name
    tables = set(connection.introspection.table_names())
    need_crypto = any(n.startswith("encryption:") for n in missing)
    need_blind = "blind_index" in missing
    for model, field in crypto.encrypted_fields():
        if not (need_crypto or need_blind) or model._meta.db_table not in tables:
            continue
        index = field.blind_index_field
        columns = qn(field.column) + (f", {qn(model._meta.get_field(index).column)}"
                                      if index else "")
        with connection.cursor() as cursor:  # the model's own names, quoted
            cursor.execute(f"SELECT {columns} FROM {qn(model._meta.db_table)} "  # noqa: S608  # nosec B608
                           f"WHERE {qn(field.column)} <> '' LIMIT 1")
            row = cursor.fetchone()
        if row is None:
            continue
        key_id = crypto.key_id_of(row[0]) or "?"
        try:
            plain = crypto.decrypt(row[0], context=field.context)
        except crypto.DecryptionError:
            return [_wrong_key(key_id)]
        need_crypto = False
        if index and need_blind and row[1]:
            if not hmac.compare_digest(field.index_for(plain), row[1]):
                return [BLIND_PROBLEM]
            need_blind = False
    if "audit" in missing:
        head = AuditChainHead.objects.exclude(keyed_from=None).exclude(seal="").first()
        if head is not None and not hmac.compare_digest(head.seal,
                                                        seal_for(head.chain, head.keyed_from)):
            return [AUDIT_PROBLEM]
    return []


def check_keys(**kwargs: Any) -> list[Any]:
    """System check: the configured secrets read this database."""
    from django.core import checks

    try:
        problems = key_problems()
    except DatabaseError:
        return []  # no database to read yet: /health says so
    return [checks.Critical(problem, hint=RESTORE_HINT, id="groundswell.E002")
            for problem in problems]


def refuse_unless_keys_fit() -> None:
    """For gunicorn (which runs no system checks): stop the process on a key mismatch."""
    try:
        problems = key_problems()
    except DatabaseError:
        return
    if problems:
        raise ImproperlyConfigured(" ".join([*problems, RESTORE_HINT]))


def forget_retired_keys() -> int:
    """After every value was re-encrypted under the primary key (rotate_encryption_keys),
    the canaries of older keys go: those keys may then be removed from the keyring."""
    primary = f"encryption:{crypto.keyring().primary_id}"
    deleted, _ = KeyCanary.objects.filter(name__startswith="encryption:").exclude(
        name=primary).delete()
    return deleted
