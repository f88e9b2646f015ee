"""Mobile numbers: every common spelling normalises to one number, prefixes map to operators."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ebhxh.identifiers import (
    MOBILE_PREFIXES,
    IdentifierError,
    PhoneNumber,
    is_valid_phone,
    parse_phone,
)
from tests.identifiers.strategies import mobile_numbers, spelled_phone

VINAPHONE = PhoneNumber(national="0912345678", e164="+84912345678", operator="Vinaphone")


def reason(value: str) -> IdentifierError:
    with pytest.raises(IdentifierError) as caught:
        parse_phone(value)
    return caught.value


@pytest.mark.parametrize(
    "spelling",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        "+84 912 345 678",
        "(+84) 912 345 678",
        "84912345678",
        "0084912345678",
        "0084 912 345 678",
        "+84 0912 345 678",
        "840912345678",
        " 0912345678\t",
    ],
)
def test_accepted_spellings(spelling: str) -> None:
    parsed = parse_phone(spelling)
    assert parsed == VINAPHONE
    assert parsed.value == parsed.national == str(parsed) == "0912345678"
    assert parsed.prefix == "091"


@pytest.mark.parametrize(
    ("number", "operator"),
    [
        ("0961234567", "Viettel"),
        ("0321234567", "Viettel"),
        ("0391234567", "Viettel"),
        ("0861234567", "Viettel"),
        ("0881234567", "Vinaphone"),
        ("0811234567", "Vinaphone"),
        ("0851234567", "Vinaphone"),
        ("0901234567", "MobiFone"),
        ("0701234567", "MobiFone"),
        ("0761234567", "MobiFone"),
        ("0921234567", "Vietnamobile"),
        ("0561234567", "Vietnamobile"),
        ("0991234567", "Gmobile"),
        ("0591234567", "Gmobile"),
        ("0871234567", "Itelecom"),
        ("0551234567", "Reddi"),
    ],
)
def test_operator_by_prefix(number: str, operator: str) -> None:
    assert parse_phone(number).operator == operator


def test_prefix_table() -> None:
    assert len(MOBILE_PREFIXES) == 35
    viettel = {prefix for prefix, operator in MOBILE_PREFIXES.items() if operator == "Viettel"}
    assert viettel == {"086", "096", "097", "098", *(f"03{d}" for d in range(2, 10))}


@pytest.mark.parametrize("value", ["0241234567", "0951234567", "0801234567", "0311234567"])
def test_unknown_prefix_lists_the_valid_ones(value: str) -> None:
    error = reason(value)
    assert error.code == "PHONE_PREFIX"
    assert error.details["prefix"] == value[:3]
    assert "032, 033" in error.message
    assert "098, 099" in error.message


@pytest.mark.parametrize("value", ["", "  ", "-", "..."])
def test_empty(value: str) -> None:
    assert reason(value).code == "PHONE_EMPTY"


@pytest.mark.parametrize(
    ("value", "position"),
    [("0912a45678", 5), ("0912/345/678", 5), ("84+912345678", 3), ("++84912345678", 2)],
)
def test_invalid_characters(value: str, position: int) -> None:
    error = reason(value)
    assert error.code == "PHONE_CHARACTERS"
    assert error.details["position"] == position


@pytest.mark.parametrize("value", ["+1 202 555 0123", "+33612345678", "0012025550123"])
def test_foreign_numbers(value: str) -> None:
    assert reason(value).code == "PHONE_COUNTRY_CODE"


@pytest.mark.parametrize("value", ["912345678", "912 345 678", "8491234567"])
def test_missing_trunk_zero(value: str) -> None:
    assert reason(value).code == "PHONE_TRUNK_PREFIX"


@pytest.mark.parametrize(
    ("value", "length"),
    [("091234567", 8), ("09123456789", 10), ("+8491234567", 8), ("02412345678", 10)],
)
def test_wrong_length(value: str, length: int) -> None:
    error = reason(value)
    assert error.code == "PHONE_LENGTH"
    assert error.details["length"] == length


def test_non_string_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_phone(912345678)  # type: ignore[arg-type]


@given(mobile_numbers, st.data())
def test_every_spelling_normalises_to_the_same_e164(national: str, data: st.DataObject) -> None:
    first = parse_phone(data.draw(spelled_phone(national)))
    second = parse_phone(data.draw(spelled_phone(national)))
    assert first == second
    assert first.national == national
    assert first.e164 == "+84" + national[1:]
    assert first.operator == MOBILE_PREFIXES[national[:3]]
    assert parse_phone(first.national) == first
    assert parse_phone(first.e164) == first
    assert is_valid_phone(first.e164)
