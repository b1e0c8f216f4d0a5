"""Development mail kept in files (no SMTP server configured): invitations and password
resets hold live links, so each file is readable by this user alone (0600) in a folder
only this user can enter (0700)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.mail.backends.filebased import EmailBackend

from groundswell.env import private_dir


class PrivateFileEmailBackend(EmailBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        private_dir(Path(self.file_path))

    def open(self) -> bool:
        if self.stream is None:
            fd = os.open(self._get_filename(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self.stream = os.fdopen(fd, "ab")
            return True
        return False
