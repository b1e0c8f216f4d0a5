"""The programs screens, one module per part: programs (overview.py), enrollment and the
child's page (enrollments.py), roll call on a phone (sessions.py), distributions
(serving.py, households served with the same-day warning), stock and the catalog
(inventory.py) and reports (reporting.py). URL patterns are in programs/urls.py.

Thin: each view parses with a form from ``programs.forms``, calls one service and
renders. Who sees what: ``Program.objects.visible_to`` (program staff see only their
programs) and, for anything about a child, the program's staff only (``_team_program``
answers 404 to a member who cannot see the program and 403 to one who can see it but is
not on its staff). Names never go in a URL: searches are posted and kept in the session.
"""

from groundswell.programs.views.enrollments import (  # noqa: F401
    child_contact_remove,
    enroll,
    enrollment,
    enrollment_contact,
    enrollment_details,
    enrollment_guardian,
    enrollment_status,
)
from groundswell.programs.views.inventory import (  # noqa: F401
    item_archive,
    item_create,
    item_edit,
    stock,
    stock_count,
    stock_receive,
)
from groundswell.programs.views.overview import (  # noqa: F401
    program,
    program_archive,
    program_create,
    program_edit,
    programs,
    session_create,
)
from groundswell.programs.views.reporting import (  # noqa: F401
    program_reports,
    program_reports_export,
)
from groundswell.programs.views.serving import (  # noqa: F401
    distribution,
    distribution_edit,
    distribution_quick_add,
    distribution_remove,
    distribution_serve,
    distribution_service_remove,
    distributions,
)
from groundswell.programs.views.sessions import (  # noqa: F401
    session,
    session_mark,
)
