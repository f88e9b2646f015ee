"""Mã số BHXH: exactly ten digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ebhxh.identifiers import (
    IdentifierError,
    InsuranceNumber,
    is_valid_insurance_number,
    parse_insurance_number,
)
from tests.identifiers.strategies import insurance_numbers, with_padding


def reason(value: str) -> IdentifierError:
    with pytest.raises(IdentifierError) as caught:
        parse_insurance_number(value)
    return caught.value


def test_ten_digits_are_valid() -> None:
    assert parse_insurance_number(" 0123456789 ") == InsuranceNumber("0123456789")
    assert str(parse_insurance_number("7912345678")) == "7912345678"
    assert is_valid_insurance_number("0000000000")


@pytest.mark.parametrize("value", ["", "  "])
def test_empty(value: str) -> None:
    assert reason(value).code == "BHXH_EMPTY"


@pytest.mark.parametrize(("value", "position"), [("01234 56789", 6), ("012345678X", 10)])
def test_non_digits(value: str, position: int) -> None:
    error = reason(value)
    assert error.code == "BHXH_NOT_DIGITS"
    assert error.details["position"] == position


@pytest.mark.parametrize("value", ["012345678", "01234567890", "1"])
def test_wrong_length(value: str) -> None:
    error = reason(value)
    assert error.code == "BHXH_LENGTH"
    assert "CCCD" not in error.message


def test_a_cccd_number_in_the_bhxh_field_is_pointed_out() -> None:
    error = reason("001099012345")
    assert error.code == "BHXH_LENGTH"
    assert "có vẻ là số CCCD" in error.message
    assert "citizen ID" in error.message_en


def test_non_string_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_insurance_number(123)  # type: ignore[arg-type]


@given(insurance_numbers, st.data())
def test_generated_numbers_round_trip(number: str, data: st.DataObject) -> None:
    parsed = parse_insurance_number(data.draw(with_padding(number)))
    assert parsed.value == number
    assert parse_insurance_number(parsed.value) == parsed
