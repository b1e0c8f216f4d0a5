"""Logging helpers named in settings.LOGGING."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class ForbiddenInOneLine(logging.Filter):
    """A 403 is a person (or a probe) asking for what their role does not allow: worth
    one line with the path, never a traceback (Django logs PermissionDenied with one,
    and a probe of a thousand pages filled the log with them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if getattr(record, "status_code", None) == 403 or isinstance(exc, PermissionDenied):
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
