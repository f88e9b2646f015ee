"""Số CCCD (căn cước công dân / số định danh cá nhân): the 12-digit personal number.

Its first six digits are not random: the province where the birth was registered, a digit
that encodes century and gender, and the last two digits of the birth year. Checking them
against what the person declared catches swapped or mistyped numbers that a length check
would let through. The last six digits are a serial with no check digit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from ebhxh.identifiers.errors import IdentifierError
from ebhxh.identifiers.gender import GENDER_LABELS, Gender, parse_gender
from ebhxh.identifiers.provinces import BIRTH_PROVINCES
from ebhxh.identifiers.text import DIGITS, first_char_outside, format_vn_date, show_char
from ebhxh.vntime import today_in_vietnam

LENGTH: Final = 12
LEGACY_CMND_LENGTH: Final = 9


@dataclass(frozen=True, slots=True)
class CitizenId:
    """A valid CCCD number and the facts its first six digits encode."""

    value: str
    province_code: str
    province_name: str
    gender: Gender
    birth_year: int
    serial: str

    @property
    def century_digit(self) -> int:
        return int(self.value[3])

    def __str__(self) -> str:
        return self.value


def century_digit(birth_year: int, gender: Gender) -> int:
    """The 4th digit: 0/1 for 1900-1999 male/female, 2/3 for 2000-2099, ... 8/9 for 2300s."""
    if not 1900 <= birth_year <= 2399:
        raise ValueError(f"CCCD numbers encode birth years 1900-2399, not {birth_year}")
    return (birth_year - 1900) // 100 * 2 + (1 if gender == "female" else 0)


def parse_citizen_id(
    value: str,
    *,
    birth_date: date | None = None,
    gender: str | None = None,
    today: date | None = None,
) -> CitizenId:
    """Check a CCCD number, and when given, that it agrees with the declared birth date/gender.

    `today` fixes the date that "a birth year in the future" is measured against (tests,
    back-dated dossiers); it defaults to today in Vietnam.
    """
    if not isinstance(value, str):
        raise TypeError(f"CCCD number must be a str, not {type(value).__name__}")
    declared_gender = parse_gender(gender) if gender is not None else None
    text = value.strip()
    if not text:
        raise IdentifierError.of("CCCD_EMPTY")
    bad = first_char_outside(text, DIGITS)
    if bad is not None:
        position, char = bad
        raise IdentifierError.of(
            "CCCD_NOT_DIGITS", value=text, char=show_char(char), position=position
        )
    if len(text) == LEGACY_CMND_LENGTH:
        raise IdentifierError.of("CCCD_LEGACY_CMND", value=text)
    if len(text) != LENGTH:
        raise IdentifierError.of("CCCD_LENGTH", value=text, length=len(text))
    province_code = text[:3]
    province_name = BIRTH_PROVINCES.get(province_code)
    if province_name is None:
        raise IdentifierError.of("CCCD_PROVINCE", value=text, province_code=province_code)
    digit = int(text[3])
    birth_year = 1900 + digit // 2 * 100 + int(text[4:6])
    if birth_year > (today or today_in_vietnam()).year:
        raise IdentifierError.of(
            "CCCD_BIRTH_YEAR_FUTURE",
            value=text,
            birth_year=birth_year,
            century_digit=digit,
            year_digits=text[4:6],
        )
    citizen_id = CitizenId(
        value=text,
        province_code=province_code,
        province_name=province_name,
        gender="female" if digit % 2 else "male",
        birth_year=birth_year,
        serial=text[6:],
    )
    mismatches = citizen_id_mismatches(citizen_id, birth_date=birth_date, gender=declared_gender)
    if mismatches:
        raise mismatches[0]
    return citizen_id


def citizen_id_mismatches(
    citizen_id: CitizenId,
    *,
    birth_date: date | None = None,
    gender: str | None = None,
) -> list[IdentifierError]:
    """Every disagreement between a valid CCCD and the declared facts, not just the first.

    A spreadsheet check reports all of them at once, so the user fixes a row in one pass.
    """
    errors: list[IdentifierError] = []
    if birth_date is not None and birth_date.year != citizen_id.birth_year:
        errors.append(
            IdentifierError.of(
                "CCCD_BIRTH_YEAR_MISMATCH",
                value=citizen_id.value,
                cccd_year=citizen_id.birth_year,
                birth_date=format_vn_date(birth_date),
            )
        )
    declared = parse_gender(gender) if gender is not None else None
    if declared is not None and declared != citizen_id.gender:
        errors.append(
            IdentifierError.of(
                "CCCD_GENDER_MISMATCH",
                value=citizen_id.value,
                cccd_gender=GENDER_LABELS[citizen_id.gender],
                century_digit=citizen_id.century_digit,
                declared_gender=GENDER_LABELS[declared],
            )
        )
    return errors


def is_valid_citizen_id(value: str) -> bool:
    try:
        parse_citizen_id(value)
    except IdentifierError:
        return False
    return True
