"""Typed readers for configuration from environment variables.

Every setting Groundswell reads from the environment goes through these helpers so
that a bad value stops start-up with a message naming the variable, instead of
surfacing later as a confusing error in a request. Secrets may be given directly
(``NAME``) or as a path to a file holding them (``NAME_FILE``), which is how
Docker/Kubernetes/systemd credentials are usually mounted.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


class ConfigurationError(Exception):
    """Raised at start-up when an environment variable has an unusable value."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be true or false (got {raw!r}).")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number (got {raw!r}).") from None
    if minimum is not None and value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum} (got {value}).")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)} (got {value!r}).")
    return value


def env_secret(
    name: str,
    *,
    generated_in: Path | None = None,
    factory: Callable[[], str] = lambda: secrets.token_urlsafe(48),
) -> str:
    """Read a secret from ``NAME`` or from the file named by ``NAME_FILE``.

    ``generated_in`` is only passed by development and demo settings: the secret is
    then created once in that folder and reused, so a laptop install needs no setup
    and the repository never holds a secret.
    """
    direct = os.environ.get(name)
    file_path = os.environ.get(f"{name}_FILE")
    if direct and file_path:
        raise ConfigurationError(f"Set only one of {name} and {name}_FILE.")
    if direct:
        return direct.strip()
    if file_path:
        return _read_secret_file(Path(file_path), f"{name}_FILE")
    if generated_in is not None:
        private_dir(generated_in)
        path = generated_in / name.lower()
        if not path.exists():
            # Write a temporary file, then link it into place: a process starting at the
            # same moment (web and worker together) sees either no file or a whole one.
            tmp = generated_in / f".{name.lower()}.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(factory())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process won the race; use its secret
            finally:
                tmp.unlink()
        return _read_secret_file(path, f"{name} (generated in {generated_in})")
    raise ConfigurationError(f"{name} (or {name}_FILE) must be set.")


def private_dir(path: Path) -> Path:
    """``path`` as a folder only this user can enter (0700), made with its missing
    parents; one of ours that is open to others is closed. ``var/`` holds the database,
    uploads, development mail with live invitation links and the development texts."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    _tighten(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """``path`` as a file only this user can read (0600): created empty when missing
    (before SQLite makes the database with the default mode; its -wal and -shm files
    take the database's), closed when one of ours is open to others."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    _tighten(path, 0o600)
    return path


def _tighten(path: Path, mode: int) -> None:
    try:
        info = path.stat()
        if info.st_uid == os.getuid() and info.st_mode & 0o077:
            path.chmod(mode)
    except OSError:  # not ours to change (a mounted volume): leave it
        pass


def _read_secret_file(path: Path, label: str) -> str:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"{label}: cannot read {str(path)!r} ({exc}).") from exc
    except UnicodeDecodeError:
        raise ConfigurationError(f"{label}: {str(path)!r} is not UTF-8 text.") from None
    if not value:
        raise ConfigurationError(f"{label}: {str(path)!r} is empty.")
    return value


def database_from_url(url: str) -> dict[str, object]:
    """Translate ``postgres://user:pass@host:port/name`` or ``sqlite:///path`` into
    a Django ``DATABASES`` entry."""
    try:
        parsed = urlparse(url)
    except ValueError as exc:
        raise ConfigurationError(f"DATABASE_URL is not a valid URL ({exc}).") from None
    options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        try:
            port = parsed.port
        except ValueError as exc:
            raise ConfigurationError(f"DATABASE_URL has a bad port ({exc}).") from None
        if not parsed.path.strip("/"):
            raise ConfigurationError("DATABASE_URL must name a database, e.g. postgres://host/name.")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": unquote(parsed.hostname or options.pop("host", "")),
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    if parsed.scheme == "sqlite":
        path = unquote(url[len("sqlite://") :])
        if path.startswith("/") and not path.startswith("//"):
            path = path[1:] if path.startswith("/:memory:") else path
        return sqlite_database(path or ":memory:")
    raise ConfigurationError(
        f"DATABASE_URL must start with postgres:// or sqlite:// (got {parsed.scheme or url!r})."
    )


def sqlite_database(path: str) -> dict[str, object]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # Keep a worker's connection between requests: opening one re-reads the schema
        # and starts with an empty page cache, which on a large database (the search
        # index of a million people) costs more than the request itself.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so the web server and the worker
            # never deadlock upgrading a read lock, and the audit chain head is serialized.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                # 64 MB of page cache per connection (the default is 2 MB) and reads
                # through a memory map instead of a copy per page.
                "PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824;"
            ),
        },
    }
