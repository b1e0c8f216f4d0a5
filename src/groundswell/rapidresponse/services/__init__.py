"""Every write of the rapid-response area, one module per kind of thing: networks (and
zones), subscribers, reports, verification, alerts and retention. Each operation checks
permission, runs in one transaction, writes the audit log (ids and counts only: never a
number, a name, a place or a report's words) and hands messages to the messaging outbox in
that same transaction (``outbound``), so an alert is recorded if and only if it is queued.

``actor`` is the acting Membership, or None when a resident acts through a public
form or a text message (then the organization or network is given).

The public names are re-exported here: ``services.send_alert(...)`` keeps working.
"""

from groundswell.rapidresponse.services.alerts import (  # noqa: F401
    CHUNK,
    FIRST_CHUNK,
    Target,
    make_target,
    queue_pending,
    rank_recipients,
    record_review_export,
    send_alert,
    send_all_clear,
)
from groundswell.rapidresponse.services.base import (  # noqa: F401
    DEFAULT_CENTER,
    MAX_PLACE,
    MAX_WHAT,
    MAX_WHERE,
    REFUSALS,
    refusal_message,
)
from groundswell.rapidresponse.services.networks import (  # noqa: F401
    delete_zone,
    save_network,
    save_zone,
    zone_shapes,
)
from groundswell.rapidresponse.services.reports import (  # noqa: F401
    _snapshot,
    close_report,
    create_report,
    expire_reports,
    override_report,
    reveal_reporter,
    set_report_location,
    submit_web_report,
)
from groundswell.rapidresponse.services.retention import (  # noqa: F401
    PurgeResult,
    _purge,
    purge_expired,
    purge_report,
)
from groundswell.rapidresponse.services.subscribers import (  # noqa: F401
    SyncResult,
    active_subscribers,
    center_text,
    join_by_text,
    leave_by_token,
    leave_link,
    network_center,
    remove_subscriber,
    sync_subscribers,
    update_subscriber,
)
from groundswell.rapidresponse.services.verification import (  # noqa: F401
    MAX_WHO,
    InboundResult,
    handle_hotline_text,
    record_direct_confirmation,
    record_on_my_way,
    record_reply,
    request_verification,
)
