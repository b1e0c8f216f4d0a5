"""Re-encrypt every encrypted column under the current (first) key, in small batches.

Safe while the app runs: every key in GROUNDSWELL_ENCRYPTION_KEYS still decrypts,
each batch commits on its own, and each row is only rewritten if it still holds the
value that was read (a concurrent edit wins). Remove the old key from the keyring
only after this reports nothing left to rotate.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from groundswell.core import crypto
from groundswell.core.keycheck import forget_retired_keys


class Command(BaseCommand):
    help = "Re-encrypt stored values under the newest encryption key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, batch_size: int, dry_run: bool, **options: Any) -> None:
        primary = crypto.keyring().primary_id
        total = 0
        for model, field in crypto.encrypted_fields():
            count = rotate_column(model, field, primary, batch_size, dry_run)
            total += count
            if count:
                self.stdout.write(f"{model._meta.label}.{field.name}: {count} value(s)")
        for name, rotate in crypto.sealed_elsewhere():
            count = rotate(primary, batch_size, dry_run)
            total += count
            if count:
                self.stdout.write(f"{name}: {count} value(s)")
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        self.stdout.write(f"{total} value(s) {verb} under key {primary!r}.")
        if not dry_run:
            # Nothing is left under the older keys: start-up stops asking for them.
            forget_retired_keys()


def rotate_column(model: Any, field: crypto.EncryptedTextField, primary: str,
                  batch_size: int, dry_run: bool) -> int:
    qn = connection.ops.quote_name
    table, column, pk = qn(model._meta.db_table), qn(field.column), qn(model._meta.pk.column)
    # SQL built from the model's own table and column names, quoted; values are parameters.
    select = (f"SELECT {pk}, {column} FROM {table} WHERE {pk} > %s "  # noqa: S608  # nosec B608
              f"AND {column} IS NOT NULL AND {column} <> '' ORDER BY {pk} LIMIT %s")
    update = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s"  # noqa: S608  # nosec B608
    last, rotated = 0, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(select, [last, batch_size])
            rows = cursor.fetchall()
            if not rows:
                return rotated
            for row_pk, token in rows:
                if crypto.key_id_of(token) == primary:
                    continue
                rotated += 1
                if not dry_run:
                    plain = crypto.decrypt(token, context=field.context)
                    fresh = crypto.encrypt(plain, context=field.context)
                    cursor.execute(update, [fresh, row_pk, token])
            last = rows[-1][0]
