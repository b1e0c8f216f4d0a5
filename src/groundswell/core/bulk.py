"""Writing many rows fast. ``insert_ignoring_conflicts`` writes what
``Model.objects.bulk_create(objs, ignore_conflicts=True)`` writes, in one prepared
statement run per row (``executemany``), without the ORM's per-value SQL compilation,
which costs more than everything else when a broadcast queues 10,000 rows. No signals
(as bulk_create), primary keys are not read back (as bulk_create with
ignore_conflicts). ``no_cycle_collection`` holds Python's cycle collector off while a
large chunk is planned and written. ``checkpoints_aside`` copies SQLite's write-ahead
log back into the database on a thread of its own while a long job writes."""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.constants import OnConflict

from groundswell.core.crypto import EncryptedTextField

BATCH = 1000


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Planning and writing thousands of rows allocates hundreds of thousands of
    short-lived objects, which sets off the cycle collector again and again over
    everything the process holds (a quarter of an alert's queueing time); they are freed
    by reference counting anyway, so the collector waits until the chunk is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class WalCheckpointer(threading.Thread):
    """Copies a SQLite database's write-ahead log back into the database (a PASSIVE
    checkpoint: it never waits for, nor blocks, readers and the writer) over and over,
    with a connection of its own, until ``stop``; it rests a moment whenever fewer than
    ``rest_frames`` pages are left to copy. SQLite runs the copy without holding
    Python's lock, so it proceeds on another core while the writing thread works."""

    def __init__(self, path: str, rest_frames: int = 1_000, rest: float = 0.05) -> None:
        super().__init__(name="wal-checkpointer", daemon=True)
        self.path, self.rest_frames, self.rest = path, rest_frames, rest
        self.copied = 0  # checkpoints that copied something, for tests and benchmarks
        self._stopping = threading.Event()

    def run(self) -> None:
        db = sqlite3.connect(self.path, timeout=0, isolation_level=None,
                             check_same_thread=False)
        try:
            db.execute("PRAGMA synchronous=NORMAL")
            while not self._stopping.is_set():
                try:
                    busy, log, done = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.OperationalError:  # locked for a moment: try again soon
                    busy, log, done = 1, 0, 0
                if done > 0 and not busy:
                    self.copied += 1
                if busy or log - done < self.rest_frames:
                    self._stopping.wait(self.rest)
        finally:
            db.close()

    def stop(self) -> None:
        self._stopping.set()
        self.join()


@contextmanager
def checkpoints_aside(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """While a long job writes many chunks through ``connection``, each its own
    transaction: on a SQLite file database in WAL mode, its commits stop copying the log
    back into the database (every commit past 1,000 pages of log did, with fsyncs, on
    the job's own time: a quarter of an import into 1,000,000 people) and a
    ``WalCheckpointer`` does it beside them. The connection's setting is put back and
    the log checkpointed once more at the end. Anywhere else (PostgreSQL, a database in
    memory, inside a caller's transaction, where nothing is committed until it ends):
    nothing changes."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        wal = cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA wal_autocheckpoint")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA database_list")
        path = next((row[2] for row in cursor.fetchall() if row[1] == "main"), "")
    if not wal or before <= 0 or not path:  # no log, checkpoints off, or no file
        yield
        return
    checkpointer = WalCheckpointer(path)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint = 0")
    checkpointer.start()
    try:
        yield
    finally:
        checkpointer.stop()
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {before:d}")
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _plain_type(f: Any) -> type | None:
    """The Python type whose values a column stores unchanged (what the field's
    ``get_db_prep_save`` returns for them), or None when values must be converted
    (dates, UUIDs, JSON, encrypted columns: sealed row by row with a fresh nonce)."""
    if isinstance(f, EncryptedTextField):
        return None
    if isinstance(f, models.ForeignKey):
        target = f.target_field
        return int if isinstance(target, (models.AutoField, models.BigAutoField,
                                          models.IntegerField)) else None
    if isinstance(f, (models.CharField, models.TextField)):
        return str
    if isinstance(f, models.BooleanField):
        return bool
    if isinstance(f, models.IntegerField):
        return int
    return None


@dataclass
class PreparedInsert:
    """The statement and each row's values, ready to run: a caller that holds a lock
    while writing (SQLite's write lock, for everyone) prepares outside it."""

    model: type[models.Model]
    sql: str
    values: list[list[Any]] = field(default_factory=list)


def prepare_insert(model: type[models.Model], objs: Sequence[models.Model]) -> PreparedInsert:
    """What ``insert_ignoring_conflicts`` runs for ``objs``: each field's ``pre_save``
    and database value (encrypted columns sealed here), nothing written yet."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    connection = connections[router.db_for_write(model)]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    conflict = connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    sql = (f"{connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)} {table} "
           f"({columns}) VALUES ({placeholders}) {conflict}")
    # A field whose pre_save is Field's own just reads the attribute; a date or time
    # column repeats a few values (one default per batch), converted once each.
    kinds = [(f, f.attname, type(f).pre_save is models.Field.pre_save, _plain_type(f),
              {} if isinstance(f, (models.DateField, models.TimeField)) else None)
             for f in fields]
    values = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        state = obj.__dict__
        row = []
        for f, attname, plain_read, plain, converted in kinds:
            value = state[attname] if plain_read and attname in state else f.pre_save(obj, True)
            if plain is not None and (value is None or type(value) is plain
                                      or (plain is str and isinstance(value, str))):
                row.append(value)
            elif converted is not None:
                if value not in converted:
                    converted[value] = f.get_db_prep_save(value, connection)
                row.append(converted[value])
            else:
                row.append(f.get_db_prep_save(value, connection))
        values.append(row)
    return PreparedInsert(model, sql, values)


def write_prepared(prepared: PreparedInsert, positions: Iterable[int] | None = None) -> None:
    """Run a prepared insert, for all its rows or those at ``positions``."""
    values = (prepared.values if positions is None
              else [prepared.values[i] for i in positions])
    if not values:
        return
    connection = connections[router.db_for_write(prepared.model)]
    with connection.cursor() as cursor:
        for start in range(0, len(values), BATCH):
            cursor.executemany(prepared.sql, values[start:start + BATCH])


def insert_ignoring_conflicts(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    if objs:
        write_prepared(prepare_insert(model, objs))
