"""Refusals of registration use cases, each with a code from the rejection catalogue.

The same refusal concludes a dossier (handlers), answers the I-VAN's API call (views) and
is shown next to a field on the portal page, so it carries the code, the catalogue's
Vietnamese message, the XPath or form field at fault and a detail for the record.
"""

from __future__ import annotations

from ebhxh.core.errors import DomainError
from ebhxh.reference.rejections import get_rejection

OFFICER_REJECTED = "REG009"
REQUEST_ALREADY_OPEN = "REG010"


def rejection_message(code: str, language: str = "vi") -> str:
    return get_rejection(code).message(language)


def rejection_status(code: str) -> int:
    return get_rejection(code).http_status


class RegistrationRefused(DomainError):
    """A rule refused the use case; `code` is a catalogue code, `xpath` points into the
    dossier (empty for API and portal input, which use `field`)."""

    def __init__(
        self, code: str, detail: str = "", *, xpath: str = "", field: str | None = None
    ) -> None:
        super().__init__(rejection_message(code), code=code, field=field)
        self.detail = detail
        self.xpath = xpath

    @property
    def http_status(self) -> int:
        return rejection_status(self.code)

    def full_message(self) -> str:
        """The catalogue message followed by the detail, for a dossier's result."""
        return f"{self.message} Chi tiết: {self.detail}" if self.detail else self.message
