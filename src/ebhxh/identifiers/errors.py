"""The single error type of the identifier checks.

Callers catch one exception, show `message` to the user (Vietnamese, or `message_en`) and
match on `code`, which never changes once published. `details` holds the values the message
was built from, so an API can return them without parsing text.
"""

from __future__ import annotations

from collections.abc import Mapping

from ebhxh.identifiers.localized import Localized
from ebhxh.identifiers.reasons import REASONS

__all__ = ["DetailValue", "IdentifierError", "Localized"]

DetailValue = str | int | None


class IdentifierError(Exception):
    """An identifier broke a rule; `code` says which, `message` says what to do."""

    def __init__(
        self,
        code: str,
        message: str,
        message_en: str,
        details: Mapping[str, DetailValue] | None = None,
    ) -> None:
        frozen_details = dict(details or {})
        # Passing every field to Exception keeps the error picklable (worker queues, logs).
        super().__init__(code, message, message_en, frozen_details)
        self.code = code
        self.message = message
        self.message_en = message_en
        self.details: dict[str, DetailValue] = frozen_details

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @classmethod
    def of(cls, code: str, **params: DetailValue | Localized) -> IdentifierError:
        """Build the error for `code` from the catalogue in `reasons.py`."""
        reason = REASONS[code]
        vi = {
            key: value.vi if isinstance(value, Localized) else value
            for key, value in params.items()
        }
        en = {
            key: value.en if isinstance(value, Localized) else value
            for key, value in params.items()
        }
        return cls(code, reason.vi.format(**vi), reason.en.format(**en), vi)
