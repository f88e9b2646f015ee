"""Mã đơn vị: the code BHXH gives a unit (employer) that takes part in social insurance.

Two shapes are in use. Codes issued before 2025 have 7 characters, two letters then letters
or digits (`TZH490L`). The 2025 structure is self-describing: the unit's 10-digit
registration number, a 2-letter target group and a business-type code of one letter and two
digits (`0123456789DNA03`). The 10-digit part is not checked against the tax-code check digit
on purpose: only enterprises use their MST there; agencies, public service units, armed
forces units and household businesses use other registration numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from ebhxh.identifiers.errors import IdentifierError, Localized
from ebhxh.identifiers.target_groups import TARGET_GROUPS
from ebhxh.identifiers.text import (
    ASCII_LETTERS,
    DIGITS,
    first_char_outside,
    is_ascii_digits,
    show_char,
)

UnitCodeKind = Literal["legacy", "2025"]

LEGACY_LENGTH: Final = 7
STRUCTURED_LENGTH: Final = 15
_ALLOWED: Final = ASCII_LETTERS | DIGITS


@dataclass(frozen=True, slots=True)
class UnitCode:
    """A valid unit code in upper case; the 2025 parts are None for a legacy code."""

    value: str
    kind: UnitCodeKind
    enterprise_number: str | None = None
    target_group: str | None = None
    target_group_name: str | None = None
    business_type: str | None = None

    def __str__(self) -> str:
        return self.value


def parse_unit_code(value: str) -> UnitCode:
    """Check a unit code in either shape; raise IdentifierError with the reason."""
    if not isinstance(value, str):
        raise TypeError(f"unit code must be a str, not {type(value).__name__}")
    text = value.strip()
    if not text:
        raise IdentifierError.of("UNIT_CODE_EMPTY")
    bad = first_char_outside(text, _ALLOWED)
    if bad is not None:
        position, char = bad
        raise IdentifierError.of(
            "UNIT_CODE_CHARACTERS", value=text, char=show_char(char), position=position
        )
    code = text.upper()
    if len(code) == LEGACY_LENGTH:
        if not all(char in ASCII_LETTERS for char in code[:2]):
            raise IdentifierError.of("UNIT_CODE_LEGACY_PREFIX", value=code)
        return UnitCode(value=code, kind="legacy")
    if len(code) == STRUCTURED_LENGTH:
        return _parse_structured(code)
    raise IdentifierError.of("UNIT_CODE_LENGTH", value=code, length=len(code))


def _parse_structured(code: str) -> UnitCode:
    enterprise_number, group, business_type = code[:10], code[10:12], code[12:]
    if not is_ascii_digits(enterprise_number):
        raise IdentifierError.of("UNIT_CODE_ENTERPRISE_NUMBER", value=code)
    group_name = TARGET_GROUPS.get(group)
    if group_name is None:
        raise IdentifierError.of(
            "UNIT_CODE_TARGET_GROUP",
            value=code,
            group=group,
            groups=Localized(
                ", ".join(f"{key} ({name})" for key, name in TARGET_GROUPS.items()),
                ", ".join(TARGET_GROUPS),
            ),
        )
    if business_type[0] not in ASCII_LETTERS or not is_ascii_digits(business_type[1:]):
        raise IdentifierError.of("UNIT_CODE_BUSINESS_TYPE", value=code, business_type=business_type)
    return UnitCode(
        value=code,
        kind="2025",
        enterprise_number=enterprise_number,
        target_group=group,
        target_group_name=group_name,
        business_type=business_type,
    )


def is_valid_unit_code(value: str) -> bool:
    try:
        parse_unit_code(value)
    except IdentifierError:
        return False
    return True
