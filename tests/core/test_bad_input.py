"""Bad input gets a clear message or a 4xx, never a 500, and changes nothing."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from groundswell.core.models import Base
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_unknown_organization_slug_is_a_friendly_404(client, personas):
    login(client, personas.member("admin"))
    response = client.get("/o/no-such-org/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_oversized_form_post_is_refused_and_changes_nothing(client, personas, settings):
    login(client, personas.member("admin"))
    big = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = client.post("/o/front-street/bases/new/", {"name": "Big", "description": big})
    assert response.status_code == 400
    assert b"Nothing was changed" in response.content
    with scopes_disabled():
        assert not Base.objects.filter(name="Big").exists()


def test_body_over_the_request_limit_is_413(client, personas, settings):
    settings.MAX_REQUEST_BYTES = 2048
    login(client, personas.member("admin"))
    response = client.post("/o/front-street/bases/new/", {"name": "y" * 5000})
    assert response.status_code == 413
    assert b"too large" in response.content


def test_too_many_fields_is_refused(client, personas):
    login(client, personas.member("admin"))
    data = {f"f{i}": "1" for i in range(2100)} | {"name": "Many"}
    response = client.post("/o/front-street/bases/new/", data)
    assert response.status_code == 400


def test_base_name_required_and_unique(client, personas):
    login(client, personas.member("organizer"))
    response = client.post("/o/front-street/bases/new/", {"name": "   "})
    assert response.status_code == 400
    response = client.post("/o/front-street/bases/new/", {"name": personas.base.name})
    assert response.status_code == 400
    assert b"already a base with that name" in response.content
    with scopes_disabled():
        assert Base.objects.filter(organization=personas.org).count() == 1


def test_archive_and_restore_base(client, personas):
    login(client, personas.member("organizer"))
    url = f"/o/front-street/bases/{personas.base.pk}/"
    assert client.post(url, {"archive": "1"}).status_code == 302
    assert personas.base.name.encode() not in client.get("/o/front-street/bases/").content
    assert personas.base.name.encode() in client.get("/o/front-street/bases/?archived=1").content
    client.post(url, {"archive": "0"})
    assert personas.base.name.encode() in client.get("/o/front-street/bases/").content


def test_audit_filter_with_bad_dates_is_a_message(client, personas):
    login(client, personas.member("admin"))
    response = client.get("/o/front-street/audit/", {"since": "2026-12-01",
                                                      "until": "2026-01-01"})
    assert response.status_code == 200
    assert b"start date is after the end date" in response.content
    response = client.get("/o/front-street/audit/", {"since": "not-a-date", "page": "x"})
    assert response.status_code == 200


def test_language_switch_rejects_unknown_language_and_offsite_next(client, personas):
    member = personas.member("organizer")
    login(client, member)
    response = client.post("/language/", {"language": "xx", "next": "/o/front-street/"})
    assert response.status_code == 302
    member.user.refresh_from_db()
    assert member.user.language == "en"
    response = client.post("/language/", {"language": "es", "next": "https://evil.example/"})
    assert response.url == "/"
    member.user.refresh_from_db()
    assert member.user.language == "es"
    page = client.get("/o/front-street/")
    assert b'lang="es"' in page.content


def test_anonymous_visitors_get_accept_language(client, db):
    response = client.get("/account/login/", HTTP_ACCEPT_LANGUAGE="es-US,es;q=0.9")
    assert b'lang="es"' in response.content
    response = client.get("/account/login/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert b'lang="en"' in response.content


def test_security_headers(client, db):
    response = client.get("/account/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_client_ip_behind_trusted_proxies(rf, settings):
    from groundswell.core.middleware import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9",
                     REMOTE_ADDR="10.0.0.2")
    settings.TRUSTED_PROXY_HOPS = 0
    assert client_ip(request) == "10.0.0.2"  # no proxy trusted: a forged header is ignored
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_HOPS = 2
    assert client_ip(request) == "198.51.100.7"
