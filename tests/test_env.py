"""Typed readers for environment variables: every bad value names its variable."""

from __future__ import annotations

import os
import stat
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groundswell.env import (
    ConfigurationError,
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_str,
)

VAR = "GROUNDSWELL_TEST_SETTING"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in (VAR, f"{VAR}_FILE"):
        monkeypatch.delenv(name, raising=False)


# --- scalars ---------------------------------------------------------------------------


def test_env_str(monkeypatch):
    assert env_str(VAR) is None
    assert env_str(VAR, "fallback") == "fallback"
    monkeypatch.setenv(VAR, "")
    assert env_str(VAR, "fallback") == ""


@pytest.mark.parametrize("raw, expected", [
    ("1", True), ("true", True), ("TRUE", True), (" yes ", True), ("on", True),
    ("0", False), ("false", False), ("No", False), ("off", False), ("", False),
])
def test_env_bool_values(monkeypatch, raw, expected):
    monkeypatch.setenv(VAR, raw)
    assert env_bool(VAR, not expected) is expected


def test_env_bool_default_when_unset():
    assert env_bool(VAR, True) is True
    assert env_bool(VAR, False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "truthy", "y e s"])
def test_env_bool_rejects_other_values_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(ConfigurationError, match=VAR) as exc:
        env_bool(VAR, False)
    assert repr(raw) in str(exc.value)


def test_env_int(monkeypatch):
    assert env_int(VAR, 7) == 7
    monkeypatch.setenv(VAR, "  ")
    assert env_int(VAR, 7) == 7
    monkeypatch.setenv(VAR, " 42 ")
    assert env_int(VAR, 7) == 42
    monkeypatch.setenv(VAR, "-3")
    assert env_int(VAR, 7) == -3
    monkeypatch.setenv(VAR, "5")
    assert env_int(VAR, 7, minimum=5) == 5


@pytest.mark.parametrize("raw", ["abc", "1.5", "10m", "0x10", "1e3"])
def test_env_int_rejects_non_integers_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv(VAR, raw)
    with pytest.raises(ConfigurationError, match=f"{VAR} must be a whole number"):
        env_int(VAR, 1)


def test_env_int_enforces_the_minimum_naming_the_variable(monkeypatch):
    monkeypatch.setenv(VAR, "0")
    with pytest.raises(ConfigurationError, match=f"{VAR} must be at least 1"):
        env_int(VAR, 5, minimum=1)


def test_env_list(monkeypatch):
    default = ["a"]
    result = env_list(VAR, default)
    assert result == ["a"] and result is not default
    monkeypatch.setenv(VAR, " one.example.org, ,two.example.org ,")
    assert env_list(VAR, default) == ["one.example.org", "two.example.org"]
    monkeypatch.setenv(VAR, "")
    assert env_list(VAR, default) == []


def test_env_choice(monkeypatch):
    choices = ("development", "test", "production")
    assert env_choice(VAR, "development", choices) == "development"
    monkeypatch.setenv(VAR, " Production ")
    assert env_choice(VAR, "development", choices) == "production"
    monkeypatch.setenv(VAR, "staging")
    with pytest.raises(ConfigurationError, match=VAR) as exc:
        env_choice(VAR, "development", choices)
    assert "development, test, production" in str(exc.value)
    assert "'staging'" in str(exc.value)


# --- secrets ---------------------------------------------------------------------------


def test_env_secret_from_the_variable(monkeypatch):
    monkeypatch.setenv(VAR, "  s3cret-value \n")
    assert env_secret(VAR) == "s3cret-value"


def test_env_secret_from_a_file(monkeypatch, tmp_path):
    path = tmp_path / "secret"
    path.write_text("from-a-file\n", encoding="utf-8")
    monkeypatch.setenv(f"{VAR}_FILE", str(path))
    assert env_secret(VAR) == "from-a-file"


def test_env_secret_rejects_both(monkeypatch, tmp_path):
    path = tmp_path / "secret"
    path.write_text("x", encoding="utf-8")
    monkeypatch.setenv(VAR, "direct")
    monkeypatch.setenv(f"{VAR}_FILE", str(path))
    with pytest.raises(ConfigurationError, match=f"only one of {VAR} and {VAR}_FILE"):
        env_secret(VAR)


@pytest.mark.parametrize("content", ["", "   \n\n"])
def test_env_secret_rejects_an_empty_file(monkeypatch, tmp_path, content):
    path = tmp_path / "secret"
    path.write_text(content, encoding="utf-8")
    monkeypatch.setenv(f"{VAR}_FILE", str(path))
    with pytest.raises(ConfigurationError, match=f"{VAR}_FILE.*empty"):
        env_secret(VAR)


def test_env_secret_rejects_a_missing_file(monkeypatch, tmp_path):
    monkeypatch.setenv(f"{VAR}_FILE", str(tmp_path / "nope"))
    with pytest.raises(ConfigurationError, match=f"{VAR}_FILE: cannot read"):
        env_secret(VAR)


def test_env_secret_rejects_an_unreadable_file(monkeypatch, tmp_path):
    directory = tmp_path / "a-directory"
    directory.mkdir()
    monkeypatch.setenv(f"{VAR}_FILE", str(directory))
    with pytest.raises(ConfigurationError, match=f"{VAR}_FILE: cannot read"):
        env_secret(VAR)
    if os.geteuid() != 0:  # root reads any file whatever its mode
        locked = tmp_path / "locked"
        locked.write_text("x", encoding="utf-8")
        locked.chmod(0)
        monkeypatch.setenv(f"{VAR}_FILE", str(locked))
        with pytest.raises(ConfigurationError, match=f"{VAR}_FILE: cannot read"):
            env_secret(VAR)


def test_env_secret_missing_without_a_folder_names_both_variables():
    with pytest.raises(ConfigurationError, match=f"{VAR} \\(or {VAR}_FILE\\) must be set"):
        env_secret(VAR)


def test_an_empty_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv(VAR, "")
    with pytest.raises(ConfigurationError, match="must be set"):
        env_secret(VAR)


def test_env_secret_is_generated_once_with_private_permissions(tmp_path):
    folder = tmp_path / "var" / "secrets"
    calls = []

    def factory() -> str:
        calls.append(1)
        return f"generated-{len(calls)}"

    first = env_secret(VAR, generated_in=folder, factory=factory)
    second = env_secret(VAR, generated_in=folder, factory=factory)
    assert first == second == "generated-1"
    assert calls == [1]
    path = folder / VAR.lower()
    assert path.read_text(encoding="utf-8") == "generated-1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0


def test_env_secret_default_factory_makes_a_long_random_value(tmp_path):
    one = env_secret(VAR, generated_in=tmp_path / "a")
    two = env_secret(VAR, generated_in=tmp_path / "b")
    assert len(one) >= 50 and one != two


def test_a_given_secret_wins_over_the_generated_one(monkeypatch, tmp_path):
    folder = tmp_path / "secrets"
    env_secret(VAR, generated_in=folder)
    monkeypatch.setenv(VAR, "explicit")
    assert env_secret(VAR, generated_in=folder) == "explicit"


# --- database URLs ---------------------------------------------------------------------


def test_postgres_url():
    config = database_from_url(
        "postgres://organizer:p%40ss%3Aw%2Fo%25rd@db.example.org:6543/groundswell"
        "?sslmode=require&application_name=gs")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["USER"] == "organizer"
    assert config["PASSWORD"] == "p@ss:w/o%rd"
    assert config["HOST"] == "db.example.org"
    assert config["PORT"] == "6543"
    assert config["NAME"] == "groundswell"
    assert config["OPTIONS"] == {"sslmode": "require", "application_name": "gs"}


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
def test_postgres_scheme_aliases(scheme):
    config = database_from_url(f"{scheme}://localhost/gs")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"], config["HOST"], config["PORT"],
            config["NAME"]) == ("", "", "localhost", "", "gs")


def test_postgres_socket_directory_as_host_option():
    config = database_from_url("postgres:///gs?host=/var/run/postgresql")
    assert config["HOST"] == "/var/run/postgresql"
    assert config["NAME"] == "gs"
    assert "host" not in config["OPTIONS"]


def test_postgres_ipv6_host():
    config = database_from_url("postgres://u:p@[::1]:5432/gs")
    assert (config["HOST"], config["PORT"]) == ("::1", "5432")


@pytest.mark.parametrize("url", ["postgres://db.example.org", "postgres://db.example.org/",
                                 "postgres://u:p@db.example.org:5432//"])
def test_postgres_url_without_a_database_name_is_refused(url):
    with pytest.raises(ConfigurationError, match="DATABASE_URL must name a database"):
        database_from_url(url)


@pytest.mark.parametrize("url, name", [
    ("sqlite:////srv/groundswell/db.sqlite3", "//srv/groundswell/db.sqlite3"),
    ("sqlite:///srv/db.sqlite3", "/srv/db.sqlite3"),
    ("sqlite://", ":memory:"),
    ("sqlite://:memory:", ":memory:"),
    ("sqlite:///:memory:", ":memory:"),
    ("sqlite:///var/my%20data.sqlite3", "/var/my data.sqlite3"),
])
def test_sqlite_url(url, name):
    config = database_from_url(url)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert os.path.normpath(config["NAME"]) == os.path.normpath(name)
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]


@pytest.mark.parametrize("url", ["mysql://u:p@host/db", "redis://localhost", "db.sqlite3",
                                 "", "http://example.org/db"])
def test_other_schemes_get_a_clear_error(url):
    with pytest.raises(ConfigurationError,
                       match="DATABASE_URL must start with postgres:// or sqlite://"):
        database_from_url(url)


_text = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=20)
_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)


@given(
    user=_text,
    password=_text,
    host=st.builds(lambda labels: ".".join(labels), st.lists(_label, min_size=1, max_size=4)),
    port=st.integers(1, 65535),
    name=_text,
)
def test_database_url_round_trip(user, password, host, port, name):
    url = (f"postgres://{quote(user, safe='')}:{quote(password, safe='')}@{host}:{port}/"
           f"{quote(name, safe='')}")
    config = database_from_url(url)
    assert config["USER"] == user
    assert config["PASSWORD"] == password
    assert config["HOST"] == host
    assert config["PORT"] == str(port)
    assert config["NAME"] == name


# --- known failures: bugs reported, not yet fixed ----------------------------------------


def test_env_secret_rejects_a_file_that_is_not_text(monkeypatch, tmp_path):
    """A secret file that is not UTF-8 (a binary key, a UTF-16 file from an editor)
    surfaces as a bare UnicodeDecodeError instead of a message naming the variable."""
    path = tmp_path / "binary"
    path.write_bytes(b"\xff\xfe\x00\x81")
    monkeypatch.setenv(f"{VAR}_FILE", str(path))
    with pytest.raises(ConfigurationError, match=f"{VAR}_FILE"):
        env_secret(VAR)


@pytest.mark.parametrize("url", ["postgres://u:p@db.example.org:notaport/gs",
                                 "postgres://u:p@db.example.org:99999/gs",
                                 "postgres://u:p@[::1/gs"])
def test_a_malformed_postgres_url_names_the_variable(url):
    """urllib's ValueError ("Port could not be cast to integer value") escapes as is,
    without naming DATABASE_URL."""
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        database_from_url(url)


def test_an_empty_generated_secret_file_is_refused(tmp_path):
    """The generated file is created (O_EXCL) before it is written: a process that
    starts meanwhile (web and worker together), or one that crashed half-way, reads an
    empty secret and runs with it (an empty blind-index HMAC key goes unnoticed)."""
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / VAR.lower()).write_text("", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=VAR):
        env_secret(VAR, generated_in=folder)
