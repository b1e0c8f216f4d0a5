"""Backups and restores of the whole database, sealed with the keyring.

``manage.py backup`` takes a consistent copy while the site runs: SQLite's online
backup API (one read transaction: a snapshot, however much is written meanwhile),
or ``pg_dump`` (one repeatable-read snapshot) on PostgreSQL. A backup holds everyone's
records, so it is written encrypted with GROUNDSWELL_ENCRYPTION_KEYS (core.crypto's file
format) into a file only its owner can read: a stolen backup without the keys reveals
nothing, and restoring one needs the same keys as the data inside it anyway.

``manage.py restore FILE`` loads a backup into a fresh, empty database, migrates it to
the code, refuses to go on when the configured keys cannot read it (core.keycheck),
then runs every area's after-restore work (``register_after_restore``: the rapid-
response purge, so reports past retention do not come back) and checks the audit
chain.

Inside the sealed file: one line of JSON (format, engine, time), then the database
(an SQLite file, or pg_dump's custom format).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import connection

from groundswell.core import crypto

FORMAT = "groundswell-backup-1"
CONTEXT = "core.backup"
SUFFIX = ".gsbackup"
COPY_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason to show."""


# Areas add what must run again after a restore (AppConfig.ready()): name -> function
# returning a line for the operator.
AFTER_RESTORE: dict[str, Callable[[], str]] = {}


def register_after_restore(name: str, work: Callable[[], str]) -> None:
    AFTER_RESTORE[name] = work


def backups_dir() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def default_name(now: datetime | None = None) -> str:
    return f"groundswell-{(now or datetime.now(UTC)).strftime('%Y%m%dT%H%M%SZ')}{SUFFIX}"


def engine() -> str:
    return connection.vendor  # "sqlite" or "postgresql"


def postgres_binary(name: str) -> str:
    """pg_dump / pg_restore: on the PATH, else next to the server binaries (Debian keeps
    them in /usr/lib/postgresql/<version>/bin), the newest version first."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit()
                        else 0, reverse=True)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"{name} was not found (install PostgreSQL's client programs, e.g. "
                      "Debian's postgresql-client).")


def _pg_env() -> tuple[list[str], dict[str, str]]:
    params = connection.settings_dict
    env = {**os.environ}
    args = ["--dbname", params["NAME"]]
    if params.get("HOST"):
        args += ["--host", params["HOST"]]
    if params.get("PORT"):
        args += ["--port", str(params["PORT"])]
    if params.get("USER"):
        args += ["--username", params["USER"]]
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = params["PASSWORD"]
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if params.get("OPTIONS", {}).get(option):
            env[variable] = params["OPTIONS"][option]
    return args, env


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    engine: str
    size: int


def backup(path: Path) -> BackupInfo:
    """Write a sealed backup of the database to ``path`` (created 0600, never replaced)."""
    header = json.dumps({"format": FORMAT, "engine": engine(),
                         "created_at": datetime.now(UTC).isoformat()}).encode() + b"\n"
    try:
        out = crypto.create_private_file(path)
    except FileExistsError:
        raise BackupError(f"{path} exists already.") from None
    try:
        with out, crypto.EncryptedWriter(out, context=CONTEXT) as sealed:
            sealed.write(header)
            if engine() == "sqlite":
                _backup_sqlite(sealed)
            elif engine() == "postgresql":
                _backup_postgres(sealed)
            else:
                raise BackupError(f"Backups of a {engine()} database are not supported.")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return BackupInfo(path, engine(), path.stat().st_size)


def _backup_sqlite(out: BinaryIO) -> None:
    """SQLite's backup API copies a snapshot (one read transaction in WAL mode, so the
    site keeps writing) into a private temporary file, which is then sealed and removed.
    The copy is plaintext for a moment in the folder the live database is in."""
    connection.ensure_connection()
    tmp = Path(settings.VAR_DIR) / f".backup-{os.getpid()}-{os.urandom(4).hex()}.sqlite3"
    crypto.create_private_file(tmp).close()
    try:
        target = sqlite3.connect(tmp)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        with tmp.open("rb") as copy:
            shutil.copyfileobj(copy, out, COPY_CHUNK)
    finally:
        tmp.unlink(missing_ok=True)


def _backup_postgres(out: BinaryIO) -> None:
    args, env = _pg_env()
    command = [postgres_binary("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
               *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # noqa: S603
                          env=env) as dump:
        assert dump.stdout is not None and dump.stderr is not None
        shutil.copyfileobj(dump.stdout, out, COPY_CHUNK)
        error = dump.stderr.read().decode("utf-8", "replace")
    if dump.returncode != 0:
        raise BackupError(f"pg_dump failed: {error.strip()}")


def roll_off(folder: Path, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Delete backups (``groundswell-*.gsbackup``) in ``folder`` older than ``keep_days``:
    what was forgotten or purged is gone from every backup within that time."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    removed = []
    for path in sorted(folder.glob(f"groundswell-*{SUFFIX}")):
        try:
            if datetime.fromtimestamp(path.stat().st_mtime, UTC) < cutoff:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed


# --- restore -------------------------------------------------------------------------------


def read_header(path: Path) -> tuple[dict[str, Any], Iterator[bytes]]:
    """The backup's header and an iterator over the database bytes that follow it."""
    try:
        source = path.open("rb")
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror}.") from None
    chunks = crypto.iter_decrypted(source, context=CONTEXT)
    buffer = b""
    try:
        while b"\n" not in buffer:
            buffer += next(chunks)
    except StopIteration:
        raise BackupError(f"{path} is not a Groundswell backup.") from None
    except crypto.DecryptionError as exc:
        source.close()
        raise BackupError(f"{path} cannot be decrypted with GROUNDSWELL_ENCRYPTION_KEYS "
                          f"({exc}) or is not a Groundswell backup.") from None
    line, _, rest = buffer.partition(b"\n")
    try:
        header = json.loads(line)
    except ValueError:
        header = {}
    if header.get("format") != FORMAT:
        raise BackupError(f"{path} is not a Groundswell backup.")

    def body() -> Iterator[bytes]:
        try:
            if rest:
                yield rest
            yield from chunks
        except crypto.DecryptionError as exc:
            raise BackupError(f"{path} is damaged or cut short ({exc}).") from None
        finally:
            source.close()

    return header, body()


def database_is_empty() -> bool:
    return not connection.introspection.table_names()


def restore(path: Path) -> str:
    """Load the backup into the configured, empty database. Returns its engine."""
    header, body = read_header(path)
    if header.get("engine") != engine():
        raise BackupError(f"This is a backup of a {header.get('engine')} database; "
                          f"DATABASE_URL points at a {engine()} database.")
    if not database_is_empty():
        raise BackupError("The database is not empty. Restore into a fresh database (a new "
                          "DATABASE_URL, or no SQLite file yet), never over a live one.")
    if engine() == "sqlite":
        _restore_sqlite(body)
    else:
        _restore_postgres(body)
    return engine()


def _restore_sqlite(body: Iterator[bytes]) -> None:
    target = Path(connection.settings_dict["NAME"])
    connection.close()
    tmp = target.with_name(f".restore-{os.getpid()}-{os.urandom(4).hex()}.sqlite3")
    try:
        with crypto.create_private_file(tmp) as out:
            for chunk in body:
                out.write(chunk)
        check = sqlite3.connect(tmp)
        try:
            ok = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        except sqlite3.DatabaseError:
            ok = False
        finally:
            check.close()
        if not ok:
            raise BackupError("The restored SQLite database fails its integrity check.")
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _restore_postgres(body: Iterator[bytes]) -> None:
    args, env = _pg_env()
    connection.close()
    command = [postgres_binary("pg_restore"), "--no-owner", "--no-privileges",
               "--exit-on-error", *args]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,  # noqa: S603
                          stderr=subprocess.PIPE, env=env) as load:
        assert load.stdin is not None and load.stderr is not None
        try:
            for chunk in body:
                load.stdin.write(chunk)
            load.stdin.close()
        except BrokenPipeError:
            pass  # pg_restore stopped: its message says why
        error = load.stderr.read().decode("utf-8", "replace")
    if load.returncode != 0:
        raise BackupError(f"pg_restore failed: {error.strip()}")


def after_restore() -> list[str]:
    return [f"{name}: {work()}" for name, work in AFTER_RESTORE.items()]
