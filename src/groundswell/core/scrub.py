"""What SQLite keeps of rows that were deleted or rewritten, and how erasure removes it.

SQLite leaves a deleted row's bytes in free space and older copies of changed pages in
its write-ahead log. Forgetting a person zeroes what it deletes
(``zeroing_what_is_deleted``) and the task after it empties the log
(``empty_the_log``). Nothing here does anything on PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def zeroing_what_is_deleted() -> Iterator[None]:
    """On SQLite, overwrite deleted and rewritten rows with zeros while inside (the
    connection's ``secure_delete``; off elsewhere, for speed). Nothing on PostgreSQL."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA secure_delete = 1")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA secure_delete = {int(before):d}")


def empty_the_log(attempts: int = 20, pause: float = 0.25) -> bool:
    """Copy SQLite's write-ahead log into the database and cut it to nothing, so the
    older page images it holds (a forgotten person's, among others) are gone from disk.
    A reader in the middle of a read keeps it from finishing: try a few times. False
    when it could not (the next forgetting tries again; the log is reused from its start
    after any full checkpoint)."""
    for attempt in range(attempts):
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _log, _done = cursor.fetchone()
        if not busy:
            return True
        if attempt + 1 < attempts:
            time.sleep(pause)
    return False
