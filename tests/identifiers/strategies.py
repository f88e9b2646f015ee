"""Hypothesis strategies that build valid identifiers from their parts."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from ebhxh.identifiers import (
    BIRTH_PROVINCES,
    MOBILE_PREFIXES,
    TARGET_GROUPS,
    century_digit,
    tax_code_check_digit,
)
from ebhxh.identifiers.gender import Gender

digit_strings = st.text(alphabet="0123456789", min_size=1, max_size=20)
ascii_upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _complete_tax_code(body: str) -> str | None:
    check = tax_code_check_digit(body)
    return None if check is None else body + str(check)


tax_codes = (
    st.text(alphabet="0123456789", min_size=9, max_size=9)
    .map(_complete_tax_code)
    .filter(lambda code: code is not None)
    .map(str)
)
branch_suffixes = st.integers(min_value=1, max_value=999).map(lambda n: f"{n:03d}")

genders: st.SearchStrategy[Gender] = st.sampled_from(["male", "female"])
province_codes = st.sampled_from(sorted(BIRTH_PROVINCES))
# CCCD numbers encode 1900-2399; only past years are valid today.
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31))
serials = st.text(alphabet="0123456789", min_size=6, max_size=6)


def build_citizen_id(province: str, birth: date, gender: Gender, serial: str) -> str:
    return f"{province}{century_digit(birth.year, gender)}{birth.year % 100:02d}{serial}"


insurance_numbers = st.text(alphabet="0123456789", min_size=10, max_size=10)

legacy_unit_codes = st.builds(
    lambda head, tail: head + tail,
    st.text(alphabet=ascii_upper + ascii_upper.lower(), min_size=2, max_size=2),
    st.text(alphabet=ascii_upper + ascii_upper.lower() + "0123456789", min_size=5, max_size=5),
)
structured_unit_codes = st.builds(
    lambda number, group, letter, digits: f"{number}{group}{letter}{digits}",
    st.text(alphabet="0123456789", min_size=10, max_size=10),
    st.sampled_from(sorted(TARGET_GROUPS)),
    st.sampled_from(ascii_upper),
    st.text(alphabet="0123456789", min_size=2, max_size=2),
)

mobile_numbers = st.builds(
    lambda prefix, rest: prefix + rest,
    st.sampled_from(sorted(MOBILE_PREFIXES)),
    st.text(alphabet="0123456789", min_size=7, max_size=7),
)
separators = st.sampled_from(["", " ", ".", "-"])


@st.composite
def spelled_phone(draw: st.DrawFn, national: str) -> str:
    """`national` (0XXXXXXXXX) written one of the ways people write it."""
    subscriber = national[1:]
    prefix = draw(st.sampled_from(["0", "+84", "84", "0084", "+84 0", "(+84) ", "+84-"]))
    spelled = ""
    for digit in subscriber:
        spelled += digit + draw(st.sampled_from(["", "", " ", ".", "-"]))
    padding = draw(st.sampled_from(["", " ", "\t", "  "]))
    return f"{padding}{prefix}{spelled.rstrip(' .-')}{padding}"


def with_padding(value: str) -> st.SearchStrategy[str]:
    return st.sampled_from(["", " ", "\t", "\n", "  "]).map(lambda pad: f"{pad}{value}{pad}")
