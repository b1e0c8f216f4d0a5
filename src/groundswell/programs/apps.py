"""Programs, enrollments, sessions and roll call, distributions and stock."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "groundswell.programs"
    label = "programs"
    verbose_name = _("Programs")

    def ready(self) -> None:
        # apps.py loads before the models: the registry is ready only here
        from groundswell.core.audit import register_events
        from groundswell.core.models import Role
        from groundswell.core.permissions import register_capabilities
        from groundswell.programs.services import AUDIT_EVENTS

        staff = frozenset({Role.ADMIN, Role.ORGANIZER, Role.PROGRAM_STAFF})
        overseers = frozenset({Role.ADMIN, Role.ORGANIZER})
        register_capabilities({
            # Program staff see only the programs they are assigned to, and children's
            # details only there (Program.staff; see ProgramQuerySet.visible_to).
            "programs.view": staff,
            "programs.manage": overseers,  # create programs, assign staff
            "programs.run": staff,  # enroll, roll call: further limited to the staff
            "programs.distribute": staff,  # record households served
            "programs.stock": staff,  # receive and count stock
            "programs.catalog": overseers,  # the item catalog
            "programs.reports": overseers,  # reach and conversion, CSV
        })
        register_events(AUDIT_EVENTS)
        # apps.py loads before the models: the registry is ready only here
        from groundswell.people.services.forget import register_eraser
        from groundswell.programs.erasure import erase_person

        register_eraser("programs", erase_person, erases=_(
            "A child's allergies, medical notes and pickup and emergency contacts; "
            "being a guardian in a program"))
