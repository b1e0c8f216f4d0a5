"""Files at rest (issue 15, point 4): stored uploads and exports are sealed with the
keyring, never plaintext on disk, and deleted after FILE_RETENTION_HOURS; an import
whose upload expired says so, and so does an export asked for after it expired."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_scopes import scopes_disabled

from groundswell.core import crypto
from groundswell.core.errors import DomainError
from groundswell.core.models import AuditEvent
from groundswell.imports import exports, services, storage
from groundswell.imports.models import ExportJob, ImportBatch
from groundswell.people import services as people
from tests.conftest import login
from tests.imports.test_wizard import ROW, commit, csv_bytes, organizer

pytestmark = pytest.mark.django_db

SECRET_NAME = "Zebulonia"
SECRET_PHONE = "(215) 555-0177"


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _no_plaintext(path: Path, *needles: str) -> None:
    raw = path.read_bytes()
    assert raw.startswith(crypto.FILE_MAGIC)
    for needle in needles:
        for encoded in (needle.encode("utf-8"), needle.encode("utf-16-le")):
            assert encoded not in raw


def _upload(actor):
    row = [SECRET_NAME, *ROW[1:]]
    return services.upload(actor, file_name="list.csv", data=csv_bytes([row]))


def _export(actor, captured, fmt="csv"):
    with captured(execute=True):
        job = exports.request_export(actor, fmt=fmt,
                                     columns=["given_name", "family_name", "phone"],
                                     query=SECRET_NAME)
    job.refresh_from_db()
    return job


@pytest.fixture
def someone(in_org):
    people.create_person(organizer(in_org), given_name=SECRET_NAME, family_name="Quintero",
                         phone=SECRET_PHONE)
    return in_org


def test_an_upload_is_sealed_on_disk_and_still_imports(in_org,
                                                        django_capture_on_commit_callbacks):
    actor = organizer(in_org)
    batch = _upload(actor)
    path = storage.upload_path(batch)
    assert path.stat().st_mode & 0o077 == 0
    _no_plaintext(path, SECRET_NAME, "Rodríguez", "jose@example.org", "Nombre")
    assert services.read_batch(batch).rows[0][0] == SECRET_NAME  # decrypted to read
    batch = commit(actor, batch, django_capture_on_commit_callbacks)
    assert batch.status == ImportBatch.Status.DONE and batch.counts["created"] == 1
    assert not path.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_is_sealed_on_disk_and_decrypted_on_download(
        someone, django_capture_on_commit_callbacks, fmt):
    actor = organizer(someone)
    job = _export(actor, django_capture_on_commit_callbacks, fmt)
    assert job.status == ExportJob.Status.READY
    path = storage.export_path(job)
    assert path.stat().st_mode & 0o077 == 0
    _no_plaintext(path, SECRET_NAME, "Quintero", "555-0177", "Given name")
    content, _type, _name = exports.take_export(actor, job)
    if fmt == "csv":
        assert SECRET_NAME in content.decode("utf-8-sig")
        assert "(215) 555-0177" in content.decode("utf-8-sig")
    else:
        assert content.startswith(b"PK")
    assert not path.exists()
    with scopes_disabled():
        assert AuditEvent.objects.filter(code="imports.export.downloaded",
                                         object_id=str(job.pk)).exists()


def test_a_sealed_file_moved_or_cut_does_not_decrypt(tmp_path):
    path = tmp_path / "a"
    data = b"x" * (crypto.FILE_CHUNK * 2 + 10)
    crypto.write_encrypted_file(path, data, context="imports.upload:1/a.csv")
    assert crypto.read_encrypted_file(path, context="imports.upload:1/a.csv") == data
    with pytest.raises(crypto.DecryptionError):
        crypto.read_encrypted_file(path, context="imports.upload:1/b.csv")
    raw = path.read_bytes()
    chunk = 4 + crypto.NONCE_BYTES + crypto.FILE_CHUNK + 16
    header = len(crypto.FILE_MAGIC) + 1 + raw[len(crypto.FILE_MAGIC)]
    (tmp_path / "cut").write_bytes(raw[:header + chunk])  # a whole chunk short
    with pytest.raises(crypto.DecryptionError):
        crypto.read_encrypted_file(tmp_path / "cut", context="imports.upload:1/a.csv")
    (tmp_path / "plain").write_bytes(b"given_name\nAna\n")
    with pytest.raises(crypto.DecryptionError):
        crypto.read_encrypted_file(tmp_path / "plain", context="imports.upload:1/a.csv")


def test_an_unfinished_upload_expires_and_the_import_says_so(
        in_org, client, django_capture_on_commit_callbacks):
    actor = organizer(in_org)
    batch = _upload(actor)
    path = storage.upload_path(batch)
    with django_capture_on_commit_callbacks(execute=True):
        assert storage.expire_files().uploads == 0  # not yet due
    assert path.exists()
    later = timezone.now() + timedelta(hours=settings.FILE_RETENTION_HOURS, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        done = storage.expire_files(later)
    assert done.uploads == 1
    assert not path.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.EXPIRED and batch.stored_path == ""
    assert "24 hours" in batch.error and "Upload the file again" in batch.error
    with scopes_disabled():
        assert AuditEvent.objects.filter(code="imports.batch.expired",
                                         object_id=str(batch.pk)).exists()
    with pytest.raises(DomainError, match="Upload the file again"):
        services.start_commit(actor, batch)
    login(client, actor)
    page = client.get(f"/o/front-street/imports/{batch.pk}/")
    assert page.status_code == 200
    assert "Upload the file again" in page.content.decode()
    for view in ("mapping", "preview"):
        answer = client.get(f"/o/front-street/imports/{batch.pk}/{view}/", follow=True)
        assert answer.status_code == 200 and "Upload the file again" in answer.content.decode()


def test_an_export_never_downloaded_expires_and_a_late_download_says_so(
        someone, client, django_capture_on_commit_callbacks):
    actor = organizer(someone)
    job = _export(actor, django_capture_on_commit_callbacks)
    path = storage.export_path(job)
    later = timezone.now() + timedelta(hours=settings.FILE_RETENTION_HOURS, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert storage.expire_files(later).exports == 1
    assert not path.exists()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED and "Ask for it again" in job.error
    login(client, actor)
    answer = client.post(f"/o/front-street/imports/exports/{job.pk}/download/", follow=True)
    assert answer.status_code == 200
    assert "deleted 24 hours after it was written" in answer.content.decode()
    with pytest.raises(DomainError, match="Ask for it again"):
        exports.take_export(actor, job)


@override_settings(FILE_RETENTION_HOURS=2)
def test_the_retention_period_is_a_setting_and_stray_files_go_too(
        in_org, django_capture_on_commit_callbacks):
    actor = organizer(in_org)
    batch = _upload(actor)
    stray = storage.exports_root() / "999" / "orphan.csv"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"left behind")
    old = (timezone.now() - timedelta(hours=3)).timestamp()
    import os
    os.utime(stray, (old, old))
    with django_capture_on_commit_callbacks(execute=True):
        assert storage.expire_files(timezone.now() + timedelta(hours=1)).uploads == 0
        done = storage.expire_files(timezone.now() + timedelta(hours=2, minutes=1))
    assert done.uploads == 1 and done.stray_files >= 1
    assert not stray.exists()
    batch.refresh_from_db()
    assert "2 hours" in batch.error


def test_the_command_expires_files(in_org, django_capture_on_commit_callbacks):
    batch = _upload(organizer(in_org))
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - timedelta(hours=25))
    path = storage.upload_path(batch)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_files")
    assert not path.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.EXPIRED
