"""Domain operations of programs and distributions, one module per kind of thing. Every
write goes through here: one transaction, permission-checked, audited (ids only), and
guardians and households served land on the organizing record through
``people.services.record_interaction``.

Children's details (allergies, medical notes, contacts, pickups, roll call) are only
ever written and read by the members assigned to the program (``Program.staff``):
``require_team`` checks it. Nothing about a child goes to the people timeline.

The public names are re-exported here: ``services.serve_household(...)`` keeps working.
"""

from groundswell.programs.services.base import (  # noqa: F401
    AUDIT_EVENTS,
    DEFAULT_CATALOG,
    MAX_QUANTITY,
    MAX_RECEIVED,
)
from groundswell.programs.services.catalog import (  # noqa: F401
    count_stock,
    ensure_default_catalog,
    on_hand,
    receive_stock,
    save_item,
    set_item_archived,
)
from groundswell.programs.services.distributions import (  # noqa: F401
    AlreadyServed,
    NotEnoughStock,
    Served,
    create_distribution,
    previous_services,
    quick_add_and_serve,
    remove_distribution,
    remove_service,
    serve_household,
    update_distribution,
)
from groundswell.programs.services.enrollment import (  # noqa: F401
    add_child_contact,
    add_guardian,
    enroll_child,
    guardians_children,
    pickup_choices,
    remove_child_contact,
    set_enrollment_status,
    update_child_details,
)
from groundswell.programs.services.programs import (  # noqa: F401
    can_see_children,
    is_team,
    require_team,
    save_program,
    set_program_archived,
)
from groundswell.programs.services.sessions import (  # noqa: F401
    create_session,
    mark_attendance,
    program_roll_call,
    record_pickup,
)
