from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "groundswell.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        # apps.py loads before the models: the registry is ready only here
        from groundswell.core.audit import register_events
        from groundswell.core.models import Role
        from groundswell.core.permissions import register_capabilities

        register_capabilities({
            "imports.manage": frozenset({Role.ADMIN, Role.ORGANIZER}),
        })
        register_events({
            "imports.batch.uploaded": _("Spreadsheet uploaded"),
            "imports.batch.started": _("Import started"),
            "imports.batch.committed": _("Spreadsheet imported"),
            "imports.chunk.committed": _("Rows of a spreadsheet imported"),
            "imports.batch.undone": _("Import undone"),
            "imports.template.saved": _("Import template saved"),
            "imports.export.requested": _("Export requested"),
            "imports.export.written": _("Export written"),
            "imports.export.downloaded": _("Export downloaded"),
            "imports.export.expired": _("Export deleted unread after its time"),
            "imports.batch.expired": _("Upload deleted after its time"),
        })
        # apps.py loads before the models: the registry is ready only here
        from groundswell.imports.erasure import erase_person
        from groundswell.people.services.forget import register_eraser

        register_eraser("imports", erase_person, erases=_(
            "What imports kept to undo their rows, and every upload not imported "
            "yet and export not downloaded yet (they may hold them)"))
