from __future__ import annotations

import pytest
from django.test import Client, override_settings

from tests.conftest import login

pytestmark = pytest.mark.django_db


@override_settings(ROOT_URLCONF="tests.core.crash_urls")
def test_a_crash_shows_the_friendly_500_page_in_the_users_language(personas):
    member = personas.member("canvasser")
    member.user.language = "es"
    member.user.save()
    client = login(Client(raise_request_exception=False), member)
    response = client.get("/crash/")
    assert response.status_code == 500
    body = response.content.decode()
    assert 'lang="es"' in body
    assert "boom" not in body and "Traceback" not in body
    from django.utils import translation

    with translation.override("es"):
        from django.utils.translation import gettext

        assert gettext("Something went wrong on our side") in body


def test_forbidden_page_explains_the_role(client, personas):
    login(client, personas.member("canvasser"))
    response = client.get("/o/front-street/members/")
    assert response.status_code == 403
    assert b"Your role cannot open this page" in response.content


def test_a_403_is_logged_in_one_line_without_a_traceback(client, personas):
    """Issue 15: every 403 logged a full traceback. Rendered through the real logging
    configuration (its filters), as the console would print it."""
    import io
    import logging

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        login(client, personas.member("canvasser"))
        assert client.get("/o/front-street/members/").status_code == 403
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "Forbidden" in lines[0] and "/o/front-street/members/" in lines[0]
    assert "Traceback" not in stream.getvalue()
