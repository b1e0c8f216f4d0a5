"""Every demo user logs in with what `make demo` prints: the shared password, and for
every role above canvasser the current code of the printed authenticator secret."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from tests.browser.conftest import submit_password, submit_totp, totp_code

pytestmark = pytest.mark.browser


def test_each_demo_user_logs_in_with_the_printed_second_factor(new_context):
    out = io.StringIO()
    call_command("demo", stdout=out)
    printed = out.getvalue()
    password = re.search(r"password for every demo user: (\S+)", printed).group(1)
    users = re.findall(r"^\s+(.+?)\s{2,}(\S+@demo\.groundswell\.test)\s+(.*)$", printed, re.M)
    assert len(users) == 5

    for _role, email, factor in users:
        page = new_context().new_page()
        submit_password(page, email, password)
        secret = re.search(r"authenticator secret (\w+)", factor)
        if secret:
            assert "/account/2fa/authenticate/" in page.url, email
            submit_totp(page, totp_code(secret.group(1)))
        if email.startswith("organizer@"):  # also in a second organization: choose
            assert page.url.endswith("/"), page.url
            with page.expect_navigation():
                page.click("main >> text=Front Street Community Center")
        assert "/o/front-street/" in page.url, (email, page.url)
        # htmx is loaded and allowed by the Content-Security-Policy on every page. It is
        # a deferred script: ask only once the page has finished loading.
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.htmx") == "object"
        page.context.close()
