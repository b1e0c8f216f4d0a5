"""Permission-matrix rows for the rapid-response pages (see tests/matrix.py)."""

from __future__ import annotations

import json

from groundswell.rapidresponse.models import Alert, Network, Report, Subscriber, Zone
from tests.matrix import ADMINS, ORGANIZERS, everyone, org

VIEWERS = ("admin", "organizer", "dispatcher")  # rapidresponse.view
DISPATCHERS = ("admin", "organizer", "dispatcher")  # rapidresponse.dispatch

EXPECTED = {
    "rr_home": org(VIEWERS),
    "rr_network_create": org(ORGANIZERS),
    "rr_board": org(VIEWERS),
    "rr_board_feed": org(VIEWERS),
    "rr_network_edit": org(ORGANIZERS),
    "rr_zones": org(ORGANIZERS),
    "rr_zone_edit": org(ORGANIZERS),
    "rr_subscribers": org(ORGANIZERS),
    "rr_subscribers_sync": org(ORGANIZERS, ok=405),  # POST only
    "rr_subscriber_edit": org(ORGANIZERS),
    "rr_subscriber_remove": org(ORGANIZERS, ok=405),
    "rr_report_create": org(DISPATCHERS),
    "rr_report": org(VIEWERS),
    "rr_report_verify": org(DISPATCHERS, ok=405),
    "rr_report_override": org(DISPATCHERS, ok=405),
    "rr_report_confirm": org(DISPATCHERS, ok=405),
    "rr_report_close": org(DISPATCHERS, ok=405),
    "rr_report_locate": org(DISPATCHERS, ok=405),
    "rr_report_purge": org(DISPATCHERS, ok=405),
    "rr_report_reveal": org(ADMINS, ok=405),  # admins only; POST only, audited
    "rr_alert_compose": org(DISPATCHERS),
    "rr_alert_count": org(DISPATCHERS),
    "rr_alert": org(VIEWERS),
    "rr_alert_all_clear": org(DISPATCHERS, ok=405),
    "rr_review": org(VIEWERS),
    "rr_review_export": org(VIEWERS),
    # Residents, no login: the public report form and the one-click leave link.
    "rr_public_report": everyone(200),
    "rr_public_leave": everyone(200),
}

PK_KINDS = {
    "rr_board": "rr_network", "rr_board_feed": "rr_network", "rr_network_edit": "rr_network",
    "rr_zones": "rr_network", "rr_subscribers": "rr_network",
    "rr_subscribers_sync": "rr_network", "rr_report_create": "rr_network",
    "rr_alert_compose": "rr_network", "rr_alert_count": "rr_network",
    "rr_review": "rr_network", "rr_review_export": "rr_network",
    "rr_zone_edit": "rr_zone",
    "rr_subscriber_edit": "rr_subscriber", "rr_subscriber_remove": "rr_subscriber",
    "rr_report": "rr_report", "rr_report_verify": "rr_report",
    "rr_report_override": "rr_report", "rr_report_close": "rr_report",
    "rr_report_confirm": "rr_report",
    "rr_report_locate": "rr_report", "rr_report_purge": "rr_report",
    "rr_report_reveal": "rr_report",
    "rr_alert": "rr_alert", "rr_alert_all_clear": "rr_alert",
}

PARAMS = {
    "rr_public_report": {"network_key": "rr_network_key"},
    "rr_public_leave": {"token": "rr_leave_token"},
}

MODELS = {"rr_network": Network, "rr_zone": Zone, "rr_subscriber": Subscriber,
          "rr_report": Report, "rr_alert": Alert}

ZONE = {"type": "Polygon", "coordinates": [[
    [-75.1330, 39.9870], [-75.1270, 39.9870], [-75.1270, 39.9930], [-75.1330, 39.9930],
    [-75.1330, 39.9870]]]}

PAYLOADS = {
    "rr_network_edit": [{"name": "Taken over", "confirmations_required": "1",
                         "responders_per_request": "1", "report_expiry_minutes": "60",
                         "retention_days": "1", "default_radius_m": "100"}],
    "rr_zone_edit": [{"name": "Taken over", "geometry": json.dumps(ZONE)}, {"delete": "1"}],
    "rr_subscriber_edit": [{"role": "dispatcher", "language": "en", "radius_m": "100"}],
    "rr_subscriber_remove": [{}],
    "rr_report_override": [{"confirm": "yes"}],
    "rr_report_confirm": [{"who": "Taken over", "how": "phone",
                           "observed_at": "2026-01-01T10:00"}],
    "rr_report_close": [{"outcome": "false_alarm"}],
    "rr_report_purge": [{"confirm": "yes"}],
    "rr_report_locate": [{"latitude": "39.99", "longitude": "-75.13"}],
    "rr_alert_all_clear": [{"details": "x"}],
}


def world(org_obj, admin) -> dict[str, int | str]:
    """A network with a zone, one subscriber at a known place, a report that was
    overridden, and a sighting alert sent from it."""
    from groundswell.people import services as people
    from groundswell.people.models import Address
    from groundswell.rapidresponse import services

    network = services.save_network(admin, name="Matrix network", center_lat=39.99,
                                    center_lon=-75.13)
    zone = services.save_zone(admin, network, name="Matrix zone", geometry_json=json.dumps(ZONE))
    person = people.create_person(admin, given_name="Sub", family_name="Scriber",
                                  phone="215-555-0199", street="2400 N Front St")
    address = people.current_residence(person).household.address
    Address.objects.filter(pk=address.pk).update(latitude=39.99, longitude=-75.13)
    people.record_consent(admin, person, channel="sms", purpose="rapid_response",
                          source="door", wording="ok")
    services.sync_subscribers(admin, network)
    subscriber = Subscriber.objects.get(network=network, person=person)
    report = services.create_report(admin, network, what="vans", where="Front & Lehigh",
                                    latitude=39.99, longitude=-75.13)
    services.override_report(admin, report)
    alert = services.send_alert(admin, network, kind="sighting", report=report,
                                target=services.make_target(network, zone=zone, radius_m=None,
                                                            report=report))
    return {"rr_network": network.pk, "rr_zone": zone.pk, "rr_subscriber": subscriber.pk,
            "rr_report": report.pk, "rr_alert": alert.pk, "rr_network_key": network.public_key,
            "rr_leave_token": subscriber.leave_token}
