"""Sessions and roll call: adding a session, marking attendance and pickups."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import InvalidInput
from groundswell.core.models import Membership
from groundswell.programs import stats
from groundswell.programs.models import (
    Attendance,
    Enrollment,
    Program,
    Session,
)
from groundswell.programs.services.base import _text
from groundswell.programs.services.enrollment import pickup_choices
from groundswell.programs.services.programs import require_team

# --- sessions and roll call -------------------------------------------------------------------


def create_session(actor: Membership, program: Program, *, starts_at: datetime,
                   ends_at: datetime | None = None, note: str = "") -> Session:
    require_team(actor, program)
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInput("ends_at", _("The session ends before it starts."))
    note = _text(note, "note", 200)
    if Session.objects.filter(program=program, starts_at=starts_at).exists():
        raise InvalidInput("starts_at", _("There is already a session at that time."))
    with transaction.atomic():
        session = Session.objects.create(organization=actor.organization, program=program,
                                         starts_at=starts_at, ends_at=ends_at, note=note)
        audit.record("programs.session.created", by=actor, obj=session,
                     data={"program": program.pk})
    return session


def mark_attendance(actor: Membership, session: Session, enrollment: Enrollment, *,
                    status: str) -> Attendance:
    require_team(actor, session.program)
    if enrollment.program_id != session.program_id \
            or enrollment.status != Enrollment.Status.ENROLLED:
        raise InvalidInput("enrollment", _("That child is not enrolled in this program."))
    if status not in Attendance.Status.values:
        raise InvalidInput("status", _("Choose present, late or absent."))
    with transaction.atomic():
        attendance, created = Attendance.objects.select_for_update().get_or_create(
            organization=actor.organization, session=session, enrollment=enrollment,
            defaults={"status": status, "recorded_by": actor.user})
        if not created:
            attendance.status = status
            attendance.marked_at = timezone.now()
            attendance.recorded_by = actor.user
            if status == Attendance.Status.ABSENT:
                attendance.picked_up_by_guardian = attendance.picked_up_by_contact = None
                attendance.picked_up_at = None
            attendance.save()
        audit.record("programs.attendance.marked", by=actor, obj=attendance,
                     data={"session": session.pk, "enrollment": enrollment.pk, "status": status})
    return attendance


def record_pickup(actor: Membership, session: Session, enrollment: Enrollment, *,
                  pickup: str, at: datetime | None = None) -> Attendance:
    """``pickup`` is one of ``pickup_choices(enrollment)``: only a guardian or an
    authorized pickup may take a child home."""
    require_team(actor, session.program)
    attendance = Attendance.objects.filter(session=session, enrollment=enrollment).first()
    if attendance is None or attendance.status == Attendance.Status.ABSENT:
        raise InvalidInput("pickup", _("Mark the child present or late first."))
    allowed = dict(pickup_choices(enrollment))
    if pickup not in allowed:
        raise InvalidInput("pickup", _("Only a guardian or an authorized pickup person may "
                                       "take the child home. Call a guardian."))
    at = at or timezone.now()
    if at > timezone.now() + timezone.timedelta(minutes=5):
        raise InvalidInput("at", _("That time is in the future."))
    with transaction.atomic():
        attendance.picked_up_by_guardian_id = int(pickup[1:]) if pickup[0] == "g" else None
        attendance.picked_up_by_contact_id = int(pickup[1:]) if pickup[0] == "c" else None
        attendance.picked_up_at = at
        attendance.save(update_fields=["picked_up_by_guardian", "picked_up_by_contact",
                                       "picked_up_at"])
        audit.record("programs.attendance.picked_up", by=actor, obj=attendance,
                     data={"session": session.pk, "enrollment": enrollment.pk, "by": pickup})
    return attendance


def program_roll_call(program: Program) -> stats.RollCall:
    return stats.roll_call(Attendance.objects.filter(session__program=program)
                           .values_list("status", flat=True))
