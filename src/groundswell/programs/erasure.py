"""What forgetting a person erases in programs (registered in ProgramsConfig.ready()).

A forgotten child: the allergies and medical notes of their enrollments, and every
pickup and emergency contact written for them (names, relations, phones emptied; the
rows stay marked removed so roll calls that named them still count). A forgotten
guardian: they stop being a guardian of any enrollment, and pickups they made keep
their time but no longer say by whom. Enrollments, roll calls and services stay, with
the forgotten person's anonymous record: program counts stay true."""

from __future__ import annotations

from django.utils import timezone

from groundswell.people.services.forget import Forgetting
from groundswell.programs.models import Attendance, ChildContact, Enrollment


def erase_person(forgetting: Forgetting) -> dict[str, int]:
    ids = forgetting.person_ids
    details = 0
    for enrollment in Enrollment.objects.filter(child_id__in=ids):
        if enrollment.allergies or enrollment.medical_notes:
            enrollment.allergies = enrollment.medical_notes = ""
            enrollment.save(update_fields=["allergies", "medical_notes"])
            details += 1
    contacts = 0
    now = timezone.now()
    for contact in ChildContact.objects.filter(enrollment__child_id__in=ids):
        contact.name = contact.relation = contact.phone = ""
        contact.removed_at = contact.removed_at or now
        contact.save(update_fields=["name", "relation", "phone", "removed_at"])
        contacts += 1
    guardianships = Enrollment.guardians.through.objects.filter(person_id__in=ids).delete()[0]
    pickups = Attendance.objects.filter(picked_up_by_guardian_id__in=ids).update(
        picked_up_by_guardian=None)
    return {"child_details": details, "child_contacts": contacts,
            "guardianships": guardianships, "pickups": pickups}
