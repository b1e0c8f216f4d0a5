"""Domain operations of the events area. Every write of events, shifts, RSVPs, kiosk
sign-ins, attendance and follow-ups goes through here, in one transaction,
permission-checked and audited (ids only in the audit data).

``actor`` is the acting Membership. The public RSVP page acts for the resident
(``actor=None``); the kiosk acts for the resident at the door but is run by a staff
member, whose membership is checked and recorded.

One module per kind of thing; import the package (``from groundswell.events import
services``) and call ``services.<name>``.
"""

from groundswell.events.services.attendance import (  # noqa: F401
    PIN_ATTEMPTS,
    PIN_LENGTHS,
    PIN_LOCKOUT,
    end_kiosk,
    kiosk_quick_add,
    kiosk_sign_in,
    record_attendance,
    start_kiosk,
)
from groundswell.events.services.events import (  # noqa: F401
    EVENT_FIELDS,
    MATERIAL_SIGNATURES,
    MAX_MATERIALS_BYTES,
    cancel_event,
    check_recordable,
    create_event,
    event_days,
    materials_kind,
    update_event,
)
from groundswell.events.services.follow_up import (  # noqa: F401
    assign_follow_ups,
    complete_follow_up,
    save_call_list,
)
from groundswell.events.services.rsvps import (  # noqa: F401
    MAX_GUESTS,
    cancel_rsvp,
    public_rsvp,
    record_rsvp,
    rsvp_at_door,
    spots_left,
    spots_taken,
)
from groundswell.events.services.shifts import (  # noqa: F401
    OpenShift,
    Reminders,
    add_shift,
    cancel_shift_signup,
    delete_shift,
    open_shifts,
    places_taken,
    send_shift_reminders,
    sign_up_for_shift,
    volunteer_for_shift,
)
