"""What every programs service shares: limits, the default catalog, text checks and the
audit labels of the area (registered in apps.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from groundswell.core.errors import InvalidInput

MAX_QUANTITY = 1000  # per item per household: more is a typing mistake
MAX_RECEIVED = 100_000

DEFAULT_CATALOG = (
    # (name, Spanish name, counted in, low-stock warning at)
    ("Household-essentials bag", "Bolsa de artículos para el hogar", "bag", 20),
    ("Diapers size 1", "Pañales talla 1", "pack", 5),
    ("Diapers size 2", "Pañales talla 2", "pack", 5),
    ("Diapers size 3", "Pañales talla 3", "pack", 5),
    ("Diapers size 4", "Pañales talla 4", "pack", 5),
    ("Diapers size 5", "Pañales talla 5", "pack", 5),
    ("Diapers size 6", "Pañales talla 6", "pack", 5),
    ("Baby wipes", "Toallitas húmedas", "pack", 5),
    ("Infant formula", "Fórmula infantil", "can", 5),
    ("School supplies kit", "Paquete de útiles escolares", "kit", 10),
)


def _text(value: str, field_name: str, limit: int, *, required: bool = False,
          message: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(field_name, message or _("This is required."))
    if len(value) > limit:
        raise InvalidInput(field_name, _("That is too long (%(limit)s characters at most).")
                           % {"limit": limit})
    return value


# Labels for the audit log (registered in apps.py).
AUDIT_EVENTS = {
    "programs.program.created": gettext_lazy("Program created"),
    "programs.program.updated": gettext_lazy("Program edited"),
    "programs.program.archived": gettext_lazy("Program archived"),
    "programs.program.restored": gettext_lazy("Program restored"),
    "programs.service.removed": gettext_lazy("Household served removed (entered by mistake)"),
    "programs.distribution.corrected": gettext_lazy("Distribution corrected"),
    "programs.distribution.removed": gettext_lazy("Distribution removed (entered by mistake)"),
    "programs.item.archived": gettext_lazy("Item archived"),
    "programs.item.restored": gettext_lazy("Item restored"),
    "programs.enrollment.created": gettext_lazy("Child enrolled"),
    "programs.enrollment.guardian_added": gettext_lazy("Guardian added to an enrollment"),
    "programs.enrollment.details_changed": gettext_lazy("Child's details changed"),
    "programs.enrollment.status_changed": gettext_lazy("Enrollment status changed"),
    "programs.child_contact.added": gettext_lazy("Pickup or emergency contact added"),
    "programs.child_contact.removed": gettext_lazy("Pickup or emergency contact removed"),
    "programs.session.created": gettext_lazy("Session added"),
    "programs.attendance.marked": gettext_lazy("Roll call marked"),
    "programs.attendance.picked_up": gettext_lazy("Child picked up"),
    "programs.item.created": gettext_lazy("Item added to the catalog"),
    "programs.item.updated": gettext_lazy("Catalog item edited"),
    "programs.stock.received": gettext_lazy("Stock received"),
    "programs.stock.counted": gettext_lazy("Stock counted"),
    "programs.distribution.created": gettext_lazy("Distribution created"),
    "programs.service.recorded": gettext_lazy("Household served"),
    "programs.report.exported": gettext_lazy("Program report exported"),
}
