"""Mã số BHXH: the personal social-insurance number printed on the BHXH book and BHYT card.

It is exactly 10 digits. No check-digit rule has been published for it, so only the shape
can be checked here; whether the number exists is a question for the agency's registry.
Since 2025 the 12-digit CCCD number also identifies an insured person, and people joining
for the first time may not have a mã số BHXH yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ebhxh.identifiers.citizen_id import LENGTH as CITIZEN_ID_LENGTH
from ebhxh.identifiers.errors import IdentifierError, Localized
from ebhxh.identifiers.text import DIGITS, first_char_outside, show_char

LENGTH: Final = 10
_LOOKS_LIKE_CCCD: Final = Localized(
    "; số 12 chữ số này có vẻ là số CCCD, không phải mã số BHXH",
    "; this 12-digit number looks like a citizen ID, not a social-insurance number",
)
_NO_HINT: Final = Localized("", "")


@dataclass(frozen=True, slots=True)
class InsuranceNumber:
    """A well-formed mã số BHXH."""

    value: str

    def __str__(self) -> str:
        return self.value


def parse_insurance_number(value: str) -> InsuranceNumber:
    """Check the shape of a mã số BHXH; raise IdentifierError with the reason."""
    if not isinstance(value, str):
        raise TypeError(f"insurance number must be a str, not {type(value).__name__}")
    text = value.strip()
    if not text:
        raise IdentifierError.of("BHXH_EMPTY")
    bad = first_char_outside(text, DIGITS)
    if bad is not None:
        position, char = bad
        raise IdentifierError.of(
            "BHXH_NOT_DIGITS", value=text, char=show_char(char), position=position
        )
    if len(text) != LENGTH:
        hint = _LOOKS_LIKE_CCCD if len(text) == CITIZEN_ID_LENGTH else _NO_HINT
        raise IdentifierError.of("BHXH_LENGTH", value=text, length=len(text), hint=hint)
    return InsuranceNumber(value=text)


def is_valid_insurance_number(value: str) -> bool:
    try:
        parse_insurance_number(value)
    except IdentifierError:
        return False
    return True
