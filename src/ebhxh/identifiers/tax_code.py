"""Mã số thuế (MST): the tax code that identifies a unit to the tax office and to BHXH.

A main unit has 10 digits, the last a check digit over the first nine. A dependent unit
(branch, representative office) carries its parent's 10 digits plus a 3-digit number,
written `0123456789-001`; the parent part must itself be valid, which catches most typing
mistakes before a dossier is sent and refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ebhxh.identifiers.errors import IdentifierError
from ebhxh.identifiers.text import DIGITS, first_char_outside, is_ascii_digits, show_char

CHECK_WEIGHTS: Final = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_ALLOWED: Final = DIGITS | {"-"}


@dataclass(frozen=True, slots=True)
class TaxCode:
    """A valid tax code; `value` is `XXXXXXXXXX` or `XXXXXXXXXX-NNN`."""

    value: str
    parent: str
    branch: str | None

    @property
    def is_branch(self) -> bool:
        return self.branch is not None

    @property
    def check_digit(self) -> int:
        return int(self.parent[9])

    def __str__(self) -> str:
        return self.value


def tax_code_check_digit(body: str) -> int | None:
    """The check digit for nine leading digits, or None when the remainder is 0.

    A remainder of 0 would need the check digit 10, which does not exist, so the tax office
    never issues such a code.
    """
    if len(body) != 9 or not is_ascii_digits(body):
        raise ValueError(f"expected 9 ASCII digits, got {body!r}")
    remainder = sum(int(digit) * weight for digit, weight in zip(body, CHECK_WEIGHTS, strict=True))
    remainder %= 11
    if remainder == 0:
        return None
    return (10 - remainder) % 10


def parse_tax_code(value: str) -> TaxCode:
    """Check a tax code and return it normalised; raise IdentifierError with the reason."""
    if not isinstance(value, str):
        raise TypeError(f"tax code must be a str, not {type(value).__name__}")
    text = value.strip()
    if not text:
        raise IdentifierError.of("MST_EMPTY")
    bad = first_char_outside(text, _ALLOWED)
    if bad is not None:
        position, char = bad
        raise IdentifierError.of(
            "MST_NOT_DIGITS", value=text, char=show_char(char), position=position
        )
    if "-" in text:
        parent, _, branch = text.partition("-")
        if len(parent) != 10 or len(branch) != 3 or "-" in branch:
            raise IdentifierError.of("MST_BRANCH_FORMAT", value=text)
    elif len(text) == 10:
        parent, branch = text, ""
    elif len(text) == 13:
        parent, branch = text[:10], text[10:]
    else:
        raise IdentifierError.of("MST_LENGTH", value=text, length=len(text))
    if branch == "000":
        raise IdentifierError.of("MST_BRANCH_SUFFIX", value=f"{parent}-{branch}")
    _check_parent(parent)
    if not branch:
        return TaxCode(value=parent, parent=parent, branch=None)
    return TaxCode(value=f"{parent}-{branch}", parent=parent, branch=branch)


def _check_parent(parent: str) -> None:
    expected = tax_code_check_digit(parent[:9])
    if expected is None:
        raise IdentifierError.of("MST_CHECK_DIGIT_UNDEFINED", value=parent, body=parent[:9])
    if int(parent[9]) != expected:
        raise IdentifierError.of("MST_CHECK_DIGIT", value=parent, expected=expected)


def is_valid_tax_code(value: str) -> bool:
    try:
        parse_tax_code(value)
    except IdentifierError:
        return False
    return True
