"""The domain errors every area raises: a refusal with a message a person can act on."""

from __future__ import annotations


class DomainError(Exception):
    """A request that cannot be carried out, with a message the person can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """Bad input for one field; ``field`` names the form field to show it on."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
