"""Số CCCD: the province, century/gender and birth-year digits, checked against declarations."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ebhxh.identifiers import (
    BIRTH_PROVINCES,
    CitizenId,
    IdentifierError,
    century_digit,
    citizen_id_mismatches,
    is_valid_citizen_id,
    parse_citizen_id,
)
from ebhxh.identifiers.gender import Gender
from tests.identifiers.strategies import (
    birth_dates,
    build_citizen_id,
    genders,
    province_codes,
    serials,
    with_padding,
)

TODAY = date(2025, 7, 1)

# The codes of QĐ 124/2004, written out independently of the module's table.
# fmt: off
EXPECTED_PROVINCE_CODES = [
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019",
    "020", "022", "024", "025", "026", "027", "030", "031", "033", "034", "035", "036",
    "037", "038", "040", "042", "044", "045", "046", "048", "049", "051", "052", "054",
    "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
    "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093",
    "094", "095", "096",
]
# fmt: on


def reason(value: str, **kwargs: object) -> IdentifierError:
    with pytest.raises(IdentifierError) as caught:
        parse_citizen_id(value, today=TODAY, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_province_table_has_the_63_provinces() -> None:
    assert len(EXPECTED_PROVINCE_CODES) == 63
    assert sorted(BIRTH_PROVINCES) == EXPECTED_PROVINCE_CODES
    assert len(set(BIRTH_PROVINCES.values())) == 63
    assert BIRTH_PROVINCES["001"] == "Hà Nội"
    assert BIRTH_PROVINCES["048"] == "Đà Nẵng"
    assert BIRTH_PROVINCES["079"] == "Hồ Chí Minh"
    assert BIRTH_PROVINCES["096"] == "Cà Mau"


def test_parse_reports_province_gender_and_birth_year() -> None:
    assert parse_citizen_id("001099012345", today=TODAY) == CitizenId(
        value="001099012345",
        province_code="001",
        province_name="Hà Nội",
        gender="male",
        birth_year=1999,
        serial="012345",
    )
    woman = parse_citizen_id(" 079305001234 ", today=TODAY)
    assert (woman.value, woman.province_name, woman.gender, woman.birth_year) == (
        "079305001234",
        "Hồ Chí Minh",
        "female",
        2005,
    )
    assert woman.century_digit == 3
    assert str(woman) == "079305001234"


@pytest.mark.parametrize(
    ("digit", "first_year", "gender"),
    [
        (0, 1900, "male"),
        (1, 1900, "female"),
        (2, 2000, "male"),
        (3, 2000, "female"),
        (4, 2100, "male"),
        (5, 2100, "female"),
        (6, 2200, "male"),
        (7, 2200, "female"),
        (8, 2300, "male"),
        (9, 2300, "female"),
    ],
)
def test_fourth_digit_encodes_century_and_gender(
    digit: int, first_year: int, gender: Gender
) -> None:
    far_future = date(2399, 12, 31)
    parsed = parse_citizen_id(f"001{digit}07123456", today=far_future)
    assert parsed.birth_year == first_year + 7
    assert parsed.gender == gender
    assert century_digit(first_year + 7, gender) == digit


def test_century_digit_only_covers_the_encoded_centuries() -> None:
    with pytest.raises(ValueError):
        century_digit(1899, "male")
    with pytest.raises(ValueError):
        century_digit(2400, "female")


def test_birth_year_in_the_future_is_rejected() -> None:
    error = reason("001226012345")  # female, 2026, checked on 1 July 2025
    assert error.code == "CCCD_BIRTH_YEAR_FUTURE"
    assert "2026" in error.message
    assert reason("001425012345").code == "CCCD_BIRTH_YEAR_FUTURE"  # 2125
    # The current year itself is fine.
    assert parse_citizen_id("001225012345", today=TODAY).birth_year == 2025


def test_future_is_measured_against_today_in_vietnam_by_default() -> None:
    assert is_valid_citizen_id("001099012345")
    assert not is_valid_citizen_id("001999012345")  # 2399


def test_birth_date_must_match_the_birth_year() -> None:
    error = reason("001099012345", birth_date=date(1998, 12, 31))
    assert error.code == "CCCD_BIRTH_YEAR_MISMATCH"
    assert "1999" in error.message
    assert "31/12/1998" in error.message
    assert parse_citizen_id("001099012345", birth_date=date(1999, 1, 1), today=TODAY)


@pytest.mark.parametrize("declared", ["nữ", "Nữ", "NỮ", "nu", "female", " Nu "])
def test_gender_must_match_the_fourth_digit(declared: str) -> None:
    error = reason("001099012345", gender=declared)
    assert error.code == "CCCD_GENDER_MISMATCH"
    assert "giới tính nam" in error.message
    assert "đã khai là nữ" in error.message
    assert "male person" in error.message_en


@pytest.mark.parametrize("declared", ["nam", "Nam", "NAM", "male"])
def test_matching_gender_passes(declared: str) -> None:
    assert parse_citizen_id("001099012345", gender=declared, today=TODAY).gender == "male"


def test_unknown_gender_word_is_its_own_error() -> None:
    error = reason("001099012345", gender="khác")
    assert error.code == "GENDER_INVALID"
    assert "Nam hoặc Nữ" in error.message


def test_all_mismatches_are_listed_together() -> None:
    citizen_id = parse_citizen_id("001099012345", today=TODAY)
    errors = citizen_id_mismatches(citizen_id, birth_date=date(1990, 5, 5), gender="nữ")
    assert [error.code for error in errors] == [
        "CCCD_BIRTH_YEAR_MISMATCH",
        "CCCD_GENDER_MISMATCH",
    ]
    assert citizen_id_mismatches(citizen_id) == []


@pytest.mark.parametrize("value", ["000099012345", "003099012345", "097099012345", "999099012345"])
def test_unknown_province_code(value: str) -> None:
    error = reason(value)
    assert error.code == "CCCD_PROVINCE"
    assert error.details["province_code"] == value[:3]


def test_old_nine_digit_cmnd_gets_its_own_reason() -> None:
    error = reason("012345678")
    assert error.code == "CCCD_LEGACY_CMND"
    assert "CMND" in error.message


@pytest.mark.parametrize("value", ["00109901234", "0010990123456", "1", "00109901"])
def test_wrong_length(value: str) -> None:
    error = reason(value)
    assert error.code == "CCCD_LENGTH"
    assert error.details["length"] == len(value)


@pytest.mark.parametrize(
    ("value", "position"),
    [("001 099 012345", 4), ("001-099-012345", 4), ("00109901234O", 12), ("٠01099012345", 1)],
)
def test_non_digits(value: str, position: int) -> None:
    error = reason(value)
    assert error.code == "CCCD_NOT_DIGITS"
    assert error.details["position"] == position


@pytest.mark.parametrize("value", ["", " ", "\n"])
def test_empty(value: str) -> None:
    assert reason(value).code == "CCCD_EMPTY"


def test_non_string_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_citizen_id(1099012345)  # type: ignore[arg-type]


@given(province_codes, birth_dates, genders, serials, st.data())
def test_generated_numbers_parse_back_to_their_facts(
    province: str, birth: date, gender: Gender, serial: str, data: st.DataObject
) -> None:
    number = build_citizen_id(province, birth, gender, serial)
    spelled = data.draw(with_padding(number))
    declared = data.draw(st.sampled_from({"male": ["nam", "Nam"], "female": ["nữ", "Nu"]}[gender]))
    parsed = parse_citizen_id(spelled, birth_date=birth, gender=declared, today=TODAY)
    assert parsed.value == number
    assert parsed.province_code == province
    assert parsed.province_name == BIRTH_PROVINCES[province]
    assert parsed.gender == gender
    assert parsed.birth_year == birth.year
    assert parsed.serial == serial
    assert parse_citizen_id(parsed.value, today=TODAY) == parsed


@given(province_codes, birth_dates, genders, serials)
def test_the_other_gender_is_always_a_mismatch(
    province: str, birth: date, gender: Gender, serial: str
) -> None:
    number = build_citizen_id(province, birth, gender, serial)
    other = "female" if gender == "male" else "male"
    assert reason(number, gender=other).code == "CCCD_GENDER_MISMATCH"
