"""Vietnamese mobile numbers, which BHXH uses to send account details and OTP codes.

People write the same number many ways (0912 345 678, +84 912.345.678, 84912345678,
0084-912-345-678); all of them normalise to one national and one E.164 form so that
duplicates are found and SMS can be sent. Only mobile prefixes are accepted: an SMS to a
landline never arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ebhxh.identifiers.errors import IdentifierError
from ebhxh.identifiers.phone_operators import MOBILE_PREFIXES
from ebhxh.identifiers.text import DIGITS, first_char_outside, show_char

SEPARATORS: Final = frozenset(" .-()\u00a0")
SUBSCRIBER_LENGTH: Final = 9
_ALLOWED: Final = DIGITS | SEPARATORS | {"+"}


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A valid mobile number: `national` is 0XXXXXXXXX, `e164` is +84XXXXXXXXX."""

    national: str
    e164: str
    operator: str

    @property
    def value(self) -> str:
        return self.national

    @property
    def prefix(self) -> str:
        return self.national[:3]

    def __str__(self) -> str:
        return self.national


def parse_phone(value: str) -> PhoneNumber:
    """Normalise and check a mobile number; raise IdentifierError with the reason."""
    if not isinstance(value, str):
        raise TypeError(f"phone number must be a str, not {type(value).__name__}")
    text = value.strip()
    if not text:
        raise IdentifierError.of("PHONE_EMPTY")
    bad = first_char_outside(text, _ALLOWED) or _misplaced_plus(text)
    if bad is not None:
        position, char = bad
        raise IdentifierError.of(
            "PHONE_CHARACTERS", value=text, char=show_char(char), position=position
        )
    if not any(char in DIGITS for char in text):
        # "-" or "..." in a spreadsheet cell means "no number", not a malformed one.
        raise IdentifierError.of("PHONE_EMPTY")
    subscriber = _subscriber_digits(text)
    if len(subscriber) != SUBSCRIBER_LENGTH:
        raise IdentifierError.of("PHONE_LENGTH", value=text, length=len(subscriber))
    national = "0" + subscriber
    operator = MOBILE_PREFIXES.get(national[:3])
    if operator is None:
        raise IdentifierError.of(
            "PHONE_PREFIX",
            value=text,
            prefix=national[:3],
            prefixes=", ".join(sorted(MOBILE_PREFIXES)),
        )
    return PhoneNumber(national=national, e164="+84" + subscriber, operator=operator)


def _misplaced_plus(text: str) -> tuple[int, str] | None:
    """A '+' is only meaningful once, before the first digit (+84 ...)."""
    seen = False
    for position, char in enumerate(text, start=1):
        if char == "+" and seen:
            return position, char
        seen = seen or char in DIGITS or char == "+"
    return None


def _subscriber_digits(text: str) -> str:
    """The digits after the country code or trunk 0.

    A redundant trunk 0 after the country code (+84 0912...) is dropped, as people often
    write it that way.
    """
    plus = "+" in text
    digits = "".join(char for char in text if char in DIGITS)
    if plus or digits.startswith("00"):
        international = digits[2:] if digits.startswith("00") and not plus else digits
        if not international.startswith("84"):
            raise IdentifierError.of("PHONE_COUNTRY_CODE", value=text)
        national_part = international[2:]
    elif digits.startswith("84") and len(digits) in (SUBSCRIBER_LENGTH + 2, SUBSCRIBER_LENGTH + 3):
        national_part = digits[2:]
    elif digits.startswith("0"):
        return digits[1:]
    else:
        raise IdentifierError.of("PHONE_TRUNK_PREFIX", value=text)
    return national_part[1:] if national_part.startswith("0") else national_part


def is_valid_phone(value: str) -> bool:
    try:
        parse_phone(value)
    except IdentifierError:
        return False
    return True
