"""Programs: saving and archiving them, and who is on a program's team."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.errors import InvalidInput
from groundswell.core.models import Membership
from groundswell.core.permissions import can, require
from groundswell.programs.models import (
    Program,
)
from groundswell.programs.services.base import _text

# --- programs ------------------------------------------------------------------------------


def is_team(membership: Membership, program: Program) -> bool:
    return program.staff.filter(pk=membership.pk).exists()


def require_team(actor: Membership, program: Program) -> None:
    """Children's details are for the members assigned to the program, whatever their
    role (an admin adds themself to the staff first, and that is audited)."""
    require(actor, "programs.run")
    if not is_team(actor, program):
        raise PermissionDenied


def save_program(actor: Membership, program: Program | None = None, *, name: str,
                 partner: str = "", description: str = "", schedule: str = "",
                 name_es: str = "", description_es: str = "", schedule_es: str = "",
                 place: str = "", capacity: int | None = None, starts_on: date | None = None,
                 ends_on: date | None = None,
                 staff: Iterable[Membership] = ()) -> Program:
    require(actor, "programs.manage")
    org = actor.organization
    name = _text(name, "name", 150, required=True, message=_("Give the program a name."))
    if capacity is not None and capacity < 1:
        raise InvalidInput("capacity", _("Places must be at least 1, or empty for no limit."))
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidInput("ends_on", _("The program ends before it starts."))
    staff = list(staff)
    if any(m.organization_id != org.pk for m in staff):
        raise InvalidInput("staff", _("Choose members of this organization."))
    fields = {"name": name, "name_es": _text(name_es, "name_es", 150),
              "partner": _text(partner, "partner", 150),
              "description": _text(description, "description", 5000),
              "description_es": _text(description_es, "description_es", 5000),
              "schedule": _text(schedule, "schedule", 200),
              "schedule_es": _text(schedule_es, "schedule_es", 200),
              "place": _text(place, "place", 200),
              "capacity": capacity, "starts_on": starts_on, "ends_on": ends_on}
    if Program.objects.filter(name__iexact=name).exclude(
            pk=program.pk if program else None).exists():
        raise InvalidInput("name", _("There is already a program with that name."))
    with transaction.atomic():
        created = program is None
        if program is None:
            program = Program.objects.create(organization=org, **fields)
        else:
            for key, value in fields.items():
                setattr(program, key, value)
            program.save(update_fields=list(fields))
        before = set(program.staff.values_list("pk", flat=True))
        program.staff.set(staff)
        after = {m.pk for m in staff}
        audit.record("programs.program.created" if created else "programs.program.updated",
                     by=actor, obj=program, data={"staff_added": sorted(after - before),
                                        "staff_removed": sorted(before - after)})
    return program


def set_program_archived(actor: Membership, program: Program, archived: bool) -> Program:
    """A program that ended leaves the programs list; its enrollments, sessions and
    reports stay. Restoring brings it back as it was."""
    require(actor, "programs.manage")
    return _set_archived(actor, program, archived, "programs.program")


def _set_archived(actor: Membership, obj: Any, archived: bool, code: str) -> Any:
    with transaction.atomic():
        obj = type(obj).objects.select_for_update().get(pk=obj.pk)
        if (obj.archived_at is not None) == archived:
            return obj
        obj.archived_at = timezone.now() if archived else None
        obj.save(update_fields=["archived_at"])
        audit.record(f"{code}.archived" if archived else f"{code}.restored", by=actor, obj=obj)
    return obj


def can_see_children(membership: Membership, program: Program) -> bool:
    return can(membership, "programs.run") and is_team(membership, program)
