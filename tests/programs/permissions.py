"""Permission-matrix rows of the programs area (see tests/matrix.py).

Program staff see only the programs they are assigned to; anything about a child
(enrollment, the roll call) is for the program's staff only, whatever their role: the
world puts the admin and the program-staff member on the program's staff, and not the
organizer, who therefore gets 403 there. Canvassers and dispatchers see nothing here.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from groundswell.core.models import Membership, Role
from groundswell.people import services as people
from groundswell.programs import services
from groundswell.programs.models import (
    ChildContact,
    Distribution,
    Enrollment,
    Item,
    Program,
    Service,
    Session,
)
from tests.matrix import (
    ADMIN,
    ANONYMOUS,
    CANVASSER,
    DISPATCHER,
    LOGIN,
    ORGANIZER,
    ORGANIZERS,
    OUTSIDER,
    PROGRAM_STAFF,
    org,
)

STAFF_ROLES = (ADMIN, ORGANIZER, PROGRAM_STAFF)
# Pages about children: the program's staff (here the admin and the program-staff
# member); the organizer may run programs but is not on this one's staff.
TEAM = {ANONYMOUS: LOGIN, ADMIN: 200, ORGANIZER: 403, CANVASSER: 403, DISPATCHER: 403,
        PROGRAM_STAFF: 200, OUTSIDER: 404}

EXPECTED = {
    "programs": org(STAFF_ROLES),
    "program_create": org(ORGANIZERS),
    "program": org(STAFF_ROLES),
    "program_edit": org(ORGANIZERS),
    "program_archive": org(ORGANIZERS, ok=405),  # POST only
    "program_enroll": TEAM,
    "program_session_create": org(STAFF_ROLES, ok=405),  # POST only
    "enrollment": TEAM,
    "enrollment_details": org(STAFF_ROLES, ok=405),
    "enrollment_contact": org(STAFF_ROLES, ok=405),
    "enrollment_status": org(STAFF_ROLES, ok=405),
    "enrollment_guardian": org(STAFF_ROLES, ok=405),
    "child_contact_remove": org(STAFF_ROLES, ok=405),
    "program_session": TEAM,
    "program_session_mark": org(STAFF_ROLES, ok=405),
    "distributions": org(STAFF_ROLES),
    "distribution": org(STAFF_ROLES),
    "distribution_serve": org(STAFF_ROLES, ok=405),
    "distribution_quick_add": org(STAFF_ROLES, ok=405),
    "distribution_service_remove": org(STAFF_ROLES, ok=405),
    "distribution_edit": org(STAFF_ROLES),
    "distribution_remove": org(STAFF_ROLES, ok=405),
    "stock": org(STAFF_ROLES),
    "stock_receive": org(STAFF_ROLES, ok=405),
    "stock_count": org(STAFF_ROLES, ok=405),
    "stock_item_create": org(ORGANIZERS),
    "stock_item": org(ORGANIZERS),
    "stock_item_archive": org(ORGANIZERS, ok=405),
    "program_reports": org(ORGANIZERS),
    "program_reports_export": org(ORGANIZERS, ok=405),  # POST downloads
}

PK_KINDS = {
    "program": "program", "program_edit": "program", "program_enroll": "program",
    "program_session_create": "program",
    "enrollment": "enrollment", "enrollment_details": "enrollment",
    "enrollment_contact": "enrollment", "enrollment_status": "enrollment",
    "enrollment_guardian": "enrollment",
    "child_contact_remove": "child_contact",
    "program_session": "session", "program_session_mark": "session",
    "distribution": "distribution", "distribution_serve": "distribution",
    "distribution_quick_add": "distribution",
    "distribution_edit": "distribution", "distribution_remove": "distribution",
    "stock_item": "item", "stock_item_archive": "item", "program_archive": "program",
    "distribution_service_remove": "service",
}

MODELS = {"program": Program, "enrollment": Enrollment, "child_contact": ChildContact,
          "session": Session, "distribution": Distribution, "item": Item,
          "service": Service}

PAYLOADS = {
    "program_edit": [{"name": "Taken over"}],
    "program_session_create": [{"starts_at": "2026-01-05T15:00"}],
    "enrollment_details": [{"allergies": "x", "medical_notes": "y", "photo_consent": "on"}],
    "enrollment_contact": [{"kind": "pickup", "name": "Taken Over"}],
    "enrollment_status": [{"status": "withdrawn"}],
    "enrollment_guardian": [{"guardian": "1"}, {"q": "Ana"}],
    "program_session_mark": [{"enrollment": "1", "status": "present"}],
    "distribution": [{"q": "Ana"}],
    "distribution_serve": [{"person": "1", "qty_1": "1"}],
    "distribution_quick_add": [{"given_name": "Taken", "phone": "2155550100", "qty_1": "1"}],
    "stock_item": [{"name": "Taken over", "low_stock_at": "1"}],
    "program_archive": [{"archived": "1"}],
    "stock_item_archive": [{"archived": "1"}],
}


def world(org, admin) -> dict[str, int]:
    """A program run by the admin and the program-staff member (when the organization
    has one), a guardian with an enrolled child and a pickup, a session, a pantry day
    and the catalog."""
    staff = [admin, *Membership.objects.filter(organization=org, role=Role.PROGRAM_STAFF)]
    program = services.save_program(admin, name="After-school", partner="St. Mary's",
                                    capacity=10, staff=staff)
    guardian = people.create_person(admin, given_name="Marta", family_name="Guardian",
                                    street="2419 N Front St")
    enrollment = services.enroll_child(admin, program, guardian=guardian,
                                       given_name="Nico", family_name="Guardian",
                                       allergies="peanuts")
    contact = services.add_child_contact(admin, enrollment, kind="pickup", name="Tía Rosa")
    session = services.create_session(admin, program,
                                      starts_at=timezone.now() - timedelta(hours=1))
    distribution = services.create_distribution(admin, name="Saturday pantry",
                                                held_on=timezone.localdate())
    services.ensure_default_catalog(org)
    item = Item.objects.order_by("pk").first()
    services.receive_stock(admin, item, quantity=5)
    served = services.serve_household(admin, distribution, guardian, {item: 1}).service
    return {"program": program.pk, "enrollment": enrollment.pk, "child_contact": contact.pk,
            "session": session.pk, "distribution": distribution.pk, "item": item.pk,
            "service": served.pk}
