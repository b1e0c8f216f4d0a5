"""Exports of any saved list or search as a background job (issue 5, point 4): the
worker writes the file outside the web root, only the member who asked downloads it,
once; requested, written and downloaded are audited; formula-safe; bad input refused."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django_scopes import scopes_disabled

from groundswell.core.errors import DomainError
from groundswell.core.models import AuditEvent
from groundswell.imports import exports
from groundswell.imports.models import ExportJob
from groundswell.people import services as people
from groundswell.people.models import Person, Tag
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(in_org):
    actor = in_org.member("organizer")
    for i in range(5):
        people.create_person(actor, given_name=f"Ana{i}", family_name="Torres",
                             phone=f"215-555-01{i:02d}", tags=["tenants"] if i % 2 else [])
    people.create_person(actor, given_name="=HYPERLINK(\"x\")", family_name="Evil",
                         tags=["tenants"])
    return in_org


def _request(actor, captured, **kwargs):
    with captured(execute=True):
        job = exports.request_export(actor, **kwargs)
    job.refresh_from_db()
    return job


def test_saved_list_export_is_written_in_the_background_and_downloaded_once(
        crowd, django_capture_on_commit_callbacks):
    actor = crowd.member("organizer")
    saved = people.save_list(actor, name="Tenants",
                             filters={"tag": str(Tag.objects.get(name="tenants").pk)})
    job = _request(actor, django_capture_on_commit_callbacks, fmt="csv",
                   columns=["given_name", "family_name", "phone"], saved_list=saved)
    assert job.status == "ready" and job.count == 3
    path = (Path(settings.MEDIA_ROOT) / "exports" / job.stored_path)
    assert path.exists() and path.stat().st_mode & 0o077 == 0
    content, content_type, name = exports.take_export(actor, job)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["Given name", "Family name", "Phone"]
    assert ["'=HYPERLINK(\"x\")", "Evil", ""] in rows
    assert "(215) 555-0101" in content.decode("utf-8-sig")  # organizers see phones
    assert name.endswith(".csv") and "csv" in content_type
    assert not path.exists()
    with pytest.raises(DomainError, match="downloaded already"):
        exports.take_export(actor, job)
    with scopes_disabled():
        codes = list(AuditEvent.objects.filter(code__startswith="imports.export").order_by(
            "seq").values_list("code", flat=True))
    assert codes == ["imports.export.requested", "imports.export.written",
                     "imports.export.downloaded"]


def test_search_export_as_xlsx(crowd, django_capture_on_commit_callbacks):
    actor = crowd.member("organizer")
    job = _request(actor, django_capture_on_commit_callbacks, fmt="xlsx",
                   columns=["given_name"], query="Evil")
    assert job.status == "ready" and job.query == ""  # the search is not kept
    content, _type, _name = exports.take_export(actor, job)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet["A"]] == ["Given name", "'=HYPERLINK(\"x\")"]


def test_only_the_requester_downloads(crowd, django_capture_on_commit_callbacks):
    job = _request(crowd.member("organizer"), django_capture_on_commit_callbacks, fmt="csv",
                   columns=["given_name"])
    with pytest.raises(DomainError, match="Only the member"):
        exports.take_export(crowd.member("admin"), job)


def test_bad_requests_change_nothing(crowd):
    actor = crowd.member("organizer")
    for kwargs in ({"fmt": "pdf", "columns": ["given_name"]},
                   {"fmt": "csv", "columns": []},
                   {"fmt": "csv", "columns": ["ssn"]},
                   {"fmt": "csv", "columns": ["given_name"], "filters": {"tag": "999999"}},
                   {"fmt": "csv", "columns": ["given_name"], "filters": {"evil": "1"}}):
        with pytest.raises(DomainError):
            exports.request_export(actor, **kwargs)
    with pytest.raises(PermissionDenied):
        exports.request_export(crowd.member("dispatcher"), fmt="csv", columns=["given_name"])
    assert not ExportJob.objects.exists()


def test_empty_list_fails_with_a_reason(in_org, django_capture_on_commit_callbacks):
    job = _request(in_org.member("organizer"), django_capture_on_commit_callbacks,
                   fmt="csv", columns=["given_name"], query="nobody-here")
    assert job.status == "failed" and "Nobody is on this list" in job.error


def test_export_screens(client, crowd, django_capture_on_commit_callbacks):
    actor = crowd.member("organizer")
    login(client, actor)
    url = "/o/front-street/imports/exports/"
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "?has_phone=yes", {"format": "csv",
                                                        "columns": ["given_name"]})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.filters == {"has_phone": "yes"} and job.count == 5
    page = client.get(url).content.decode()
    assert "Download" in page
    response = client.post(f"{url}{job.pk}/download/")
    assert response["Content-Disposition"].startswith("attachment")
    response = client.post(f"{url}{job.pk}/download/")
    assert response.status_code == 302  # gone: a message says to ask again
    assert client.post(url, {"format": "doc", "columns": ["given_name"]}).status_code == 400


def test_someone_forgotten_while_their_list_is_being_written_is_never_left_in_a_file(
        crowd, django_capture_on_commit_callbacks, monkeypatch):
    """The export reads its people before the forgetting commits: the job is withdrawn
    by the forgetting, and the worker deletes what it wrote instead of offering it."""
    actor, admin = crowd.member("organizer"), crowd.member("admin")
    real = exports.write_people_export
    ana = Person.objects.get(given_name="Ana1")

    def write_then_someone_is_forgotten(*args, **kwargs):
        count = real(*args, **kwargs)
        people.forget_person(admin, ana)
        return count

    monkeypatch.setattr(exports, "write_people_export", write_then_someone_is_forgotten)
    exports_dir = Path(settings.MEDIA_ROOT) / "exports"
    before = {p for p in exports_dir.rglob("*") if p.is_file()}
    job = _request(actor, django_capture_on_commit_callbacks, fmt="csv",
                   columns=["given_name", "family_name", "phone"], query="Torres")
    assert job.status == ExportJob.Status.EXPIRED
    assert "forgotten" in job.error and not job.stored_path
    assert {p for p in exports_dir.rglob("*") if p.is_file()} == before
    with scopes_disabled():
        assert not AuditEvent.objects.filter(code="imports.export.written").exists()
