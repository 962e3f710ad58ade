"""Errors the services raise. Each carries a message fit to show a user as it is."""

from __future__ import annotations

from typing import Any

NO_ACCESS_TO_CASE = "You do not have access to this case"


class CaselineError(Exception):
    """Base class: ``str(exc)`` is a user-facing message."""


class PermissionDenied(CaselineError):
    def __init__(self, message: str = "You do not have permission to do that") -> None:
        super().__init__(message)


class NoAccess(PermissionDenied):
    """A record the actor may not see. Raised the same whether it exists or not (no probing)."""

    def __init__(self, message: str = NO_ACCESS_TO_CASE) -> None:
        super().__init__(message)


class NotSignedIn(PermissionDenied):
    def __init__(self, message: str = "Please sign in again") -> None:
        super().__init__(message)


class ValidationFailed(CaselineError):
    """Bad input: ``errors`` maps a field name to the message shown next to that field."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(self.errors.values()))


class Conflict(CaselineError):
    """Someone else changed the record since the actor loaded it. ``current`` holds its values."""

    def __init__(self, message: str, current: dict[str, Any]) -> None:
        self.current = current
        super().__init__(message)
