"""Refusals of registration use cases, each with a code from the rejection catalogue.

The same refusal concludes a dossier (handlers), answers the I-VAN's API call (views) and
is shown next to a field on the portal page, so it carries the code, the catalogue's
Vietnamese message, the XPath or form field at fault and a detail for the record.
"""

from __future__ import annotations

from dataclasses import dataclass

from ebhxh.core.errors import DomainError
from ebhxh.reference.errors import UnknownRejectionError
from ebhxh.reference.rejections import get_rejection

# Codes this app needs that the catalogue does not have yet (see docs/registrations.md);
# the catalogue's entry wins as soon as it has one.
OFFICER_REJECTED = "REG009"
REQUEST_ALREADY_OPEN = "REG010"


@dataclass(frozen=True)
class _Proposed:
    message_vi: str
    message_en: str
    http_status: int


PROPOSED_CODES: dict[str, _Proposed] = {
    OFFICER_REJECTED: _Proposed(
        "Cơ quan BHXH từ chối hồ sơ đề nghị cấp mã đơn vị. Vui lòng xem lý do, sửa hoặc bổ "
        "sung thông tin rồi chọn Đăng ký lại.",
        "BHXH refused the request for a unit code. Read the reason, correct or complete the "
        "details and choose Register again.",
        422,
    ),
    REQUEST_ALREADY_OPEN: _Proposed(
        "Đơn vị đã có mã đơn vị, hoặc đang có hồ sơ đề nghị cấp mã chờ cơ quan BHXH xét "
        "duyệt. Vui lòng chờ kết quả hoặc tra cứu mã đơn vị đã được cấp.",
        "The unit already has a unit code, or a request for one is awaiting BHXH's review. "
        "Wait for the result or look up the code already issued.",
        409,
    ),
}


def rejection_message(code: str, language: str = "vi") -> str:
    """The catalogue's message for `code` (a proposed code's own text until it is added)."""
    try:
        return get_rejection(code).message(language)
    except UnknownRejectionError:
        proposed = PROPOSED_CODES.get(code)
        if proposed is None:
            raise
        return proposed.message_en if language.lower().startswith("en") else proposed.message_vi


def rejection_status(code: str) -> int:
    try:
        return get_rejection(code).http_status
    except UnknownRejectionError:
        proposed = PROPOSED_CODES.get(code)
        return proposed.http_status if proposed else 422


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
