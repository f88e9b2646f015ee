"""Domain errors carry a stable code and a Vietnamese message a user can act on."""

from __future__ import annotations


class DomainError(Exception):
    """Raised by services when a rule refuses an action; views turn it into a clear message."""

    code: str = "DOMAIN_ERROR"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class IllegalTransition(DomainError):
    code = "ILLEGAL_TRANSITION"
