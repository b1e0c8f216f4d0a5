"""``core.bulk.checkpoints_aside``: a long job's commits leave SQLite's write-ahead log
to a checkpointer thread with its own connection, on a real file database in WAL mode."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.utils import ConnectionHandler

from groundswell.core.bulk import WalCheckpointer, checkpoints_aside
from groundswell.env import sqlite_database

pytestmark = pytest.mark.django_db


def _wal_database(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")  # only the checkpointer copies the log
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
    return db


def _write(db: sqlite3.Connection, commits: int, rows: int = 50) -> None:
    for _ in range(commits):
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO t (body) VALUES (?)", [(b"x" * 4000,)] * rows)
        db.execute("COMMIT")


def _until(condition, seconds: float = 30.0) -> bool:
    """Wait (bounded) for a background thread to get somewhere."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_the_checkpointer_copies_the_log_into_the_database_while_another_writes(tmp_path):
    path = tmp_path / "db.sqlite3"
    db = _wal_database(path)
    size_before = path.stat().st_size
    checkpointer = WalCheckpointer(str(path), rest_frames=1, rest=0.01)
    checkpointer.start()
    try:
        _write(db, commits=20)
        assert _until(lambda: path.stat().st_size > size_before + 1_000_000)
    finally:
        checkpointer.stop()
    assert not checkpointer.is_alive()
    assert checkpointer.copied >= 1
    # Nothing was lost or doubled: the database holds every row written.
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 20 * 50
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_checkpoint_is_not_a_write_that_other_connections_see(tmp_path):
    """The import keeps answers while ``PRAGMA data_version`` stays put (nobody else
    wrote); the checkpointer must not move it."""
    path = tmp_path / "db.sqlite3"
    writer = _wal_database(path)
    reader = sqlite3.connect(path, isolation_level=None)
    _write(writer, commits=3)
    version = reader.execute("PRAGMA data_version").fetchone()[0]
    checkpointer = WalCheckpointer(str(path), rest_frames=1, rest=0.01)
    checkpointer.start()
    try:
        assert _until(lambda: checkpointer.copied >= 1)
    finally:
        checkpointer.stop()
    assert reader.execute("PRAGMA data_version").fetchone()[0] == version
    _write(writer, commits=1)
    assert reader.execute("PRAGMA data_version").fetchone()[0] != version


def test_checkpoints_aside_on_a_file_database_and_put_back_after(tmp_path):
    handler = ConnectionHandler({"default": sqlite_database(str(tmp_path / "gs.sqlite3"))})
    conn = handler["default"]
    try:
        with conn.cursor() as cursor:
            cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
        with checkpoints_aside(conn):
            with conn.cursor() as cursor:
                cursor.execute("PRAGMA wal_autocheckpoint")
                assert cursor.fetchone()[0] == 0  # the commits below copy nothing back
            assert [t for t in threading.enumerate() if t.name == "wal-checkpointer"]
            for _ in range(10):  # ten commits (autocommit: one per statement)
                with conn.cursor() as cursor:
                    cursor.executemany("INSERT INTO t (body) VALUES (%s)",
                                       [(b"y" * 4000,)] * 50)
        assert not [t for t in threading.enumerate() if t.name == "wal-checkpointer"]
        with conn.cursor() as cursor:
            cursor.execute("PRAGMA wal_autocheckpoint")
            assert cursor.fetchone()[0] == 1000
            cursor.execute("SELECT count(*) FROM t")
            assert cursor.fetchone()[0] == 500
            # Everything was copied back at the end: nothing is left in the log.
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            busy, log, done = cursor.fetchone()
            assert busy == 0 and log == done
    finally:
        conn.close()


def test_checkpoints_aside_changes_nothing_elsewhere():
    """The test database (in memory on SQLite, or PostgreSQL), and inside a caller's
    transaction: no thread, no setting changed."""
    settings_before = _autocheckpoint()
    with checkpoints_aside(connection):
        assert not [t for t in threading.enumerate() if t.name == "wal-checkpointer"]
        assert _autocheckpoint() == settings_before
    with transaction.atomic(), checkpoints_aside(connection):
        assert not [t for t in threading.enumerate() if t.name == "wal-checkpointer"]
    assert _autocheckpoint() == settings_before


def _autocheckpoint() -> int | None:
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        return cursor.fetchone()[0]
