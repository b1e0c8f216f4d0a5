"""Permission-matrix rows of the messaging area (see tests/matrix.py).

The provider webhooks take POSTs only (signed, see tests/messaging/test_webhooks.py):
a GET is a 405 for everyone. The inbox and compose pages are for the roles holding
messaging.view / messaging.send.
"""

from __future__ import annotations

from tests.matrix import everyone

EXPECTED = {
    "messaging_hook_incoming": everyone(405),
    "messaging_hook_status": everyone(405),
}

PARAMS = {
    "messaging_hook_incoming": {"organization": "messaging_org_slug"},
    "messaging_hook_status": {"organization": "messaging_org_slug"},
}


def world(org, admin) -> dict[str, int | str]:
    return {"messaging_org_slug": org.slug}
