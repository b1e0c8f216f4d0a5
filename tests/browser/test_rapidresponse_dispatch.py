"""Acceptance (issue 9): a dispatcher on a phone-sized screen. A report arrives by SMS
through the local test gateway, two responders confirm by SMS, the dispatcher sends
the sighting alert to a zone; the gateway shows one message to each subscriber in the
zone in their language, nearest first, none to those outside the zone or opted out;
then the all-clear goes to the same people."""

from __future__ import annotations

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from groundswell.messaging.testing import LiveSMS, deliver_outbox, sms_gateway  # noqa: F401
from groundswell.rapidresponse.models import Report
from tests.browser.conftest import PHONE, check_and_capture, log_in, submit
from tests.rapidresponse.conftest import build_world

pytestmark = pytest.mark.browser

REPORTER = "+12155557777"


@pytest.fixture
def sms_live(sms_gateway, live_server, settings):  # noqa: F811
    """Signed incoming texts to the live server; no status callbacks (the in-memory
    SQLite database is shared by the test, the live server and the sender)."""
    settings.SITE_URL = live_server.url
    return LiveSMS(sms_gateway, live_server.url)


def test_dispatcher_confirms_by_sms_and_alerts_a_zone_nearest_first(new_context, personas,
                                                                    sms_live):
    # R1 100 m, N1 50 m, N2 200 m (English), R2 300 m inside the zone; N3 and R3
    # outside; OUT (in the zone) texted STOP before anything happened.
    w = build_world(personas, extra=[("OUT", {"dlat": 0.0012})])
    slug = personas.org.slug
    assert sms_live.text(slug, w.phones["OUT"], "STOP") == 200

    # A resident texts the hotline.
    assert sms_live.text(slug, REPORTER, "Migra en Front y Lehigh, dos camionetas") == 200
    with scope(organization=personas.org):
        report = Report.objects.get()
    assert report.source == "sms"

    page = new_context(viewport=PHONE).new_page()
    log_in(page, w.dispatcher.user)
    page.goto(f"/o/{slug}/rapid-response/networks/{w.network.pk}/")
    expect(page.locator(".rr-report-link").first).to_contain_text(f"#{report.incident_id}")
    check_and_capture(page, "rapidresponse-board")
    with page.expect_navigation():
        page.locator(".rr-report-link").first.click()
    assert REPORTER[-4:] not in page.content()  # the reporter's number is masked

    # Place the report where it was seen (the map's centre), then ask responders.
    page.locator("form[action$='/locate/'] .map").click()
    submit(page, "form[action$='/locate/'] button[type=submit]")
    submit(page, "#ask-responders")
    deliver_outbox(threads=1)
    for name in ("R1", "R2"):
        assert any("VERIFICAR" in m.body for m in sms_live.gateway.received_to(w.phones[name]))

    # Two responders confirm by SMS; the board's status updates by itself.
    assert sms_live.text(slug, w.phones["R1"], "1") == 200
    assert sms_live.text(slug, w.phones["R2"], "1") == 200
    expect(page.locator("#report-state")).to_have_text("Confirmed", timeout=15_000)
    page.reload()
    check_and_capture(page, "rapidresponse-report-confirmed")

    with page.expect_navigation():
        page.click("#compose-alert")
    page.select_option("#id_zone", str(w.zone.pk))
    expect(page.locator("#recipient-number")).to_have_text("4")  # OUT opted out
    expect(page.locator("#preview-es")).to_contain_text("ALERTA")
    check_and_capture(page, "rapidresponse-compose")
    submit(page, "#send-alert")
    expect(page.locator("h1")).to_contain_text("Sighting")
    deliver_outbox(threads=1)

    gateway = sms_live.gateway
    alerts = [m for m in sorted(gateway.messages, key=lambda m: m.at)
              if m.body.startswith(("ALERT ", "ALERTA "))]
    expected = ["N1", "R1", "N2", "R2"]  # nearest first
    assert [m.to for m in alerts] == [w.phones[n] for n in expected]
    language = {n: ("ALERT " if n == "N2" else "ALERTA ") for n in expected}
    for name in expected:
        mine = [m for m in alerts if m.to == w.phones[name]]
        assert len(mine) == 1 and mine[0].body.startswith(language[name])
    for name in ("N3", "R3", "OUT"):
        assert not [m for m in gateway.received_to(w.phones[name])
                    if m.body.startswith(("ALERT", "ALERTA"))]
    check_and_capture(page, "rapidresponse-alert")

    submit(page, "#send-all-clear")
    deliver_outbox(threads=1)
    clears = [m for m in gateway.messages if m.body.startswith(("ALL CLEAR", "FIN DE LA"))]
    assert sorted(m.to for m in clears) == sorted(w.phones[n] for n in expected)
    assert [m for m in clears if m.to == w.phones["N2"]][0].body.startswith("ALL CLEAR")
    check_and_capture(page, "rapidresponse-all-clear")
