"""Mã đơn vị: the legacy 7-character code and the 2025 structure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ebhxh.identifiers import (
    TARGET_GROUPS,
    IdentifierError,
    UnitCode,
    is_valid_unit_code,
    parse_unit_code,
)
from tests.identifiers.strategies import legacy_unit_codes, structured_unit_codes, with_padding


def reason(value: str) -> IdentifierError:
    with pytest.raises(IdentifierError) as caught:
        parse_unit_code(value)
    return caught.value


def test_legacy_code_is_normalised_to_upper_case() -> None:
    assert parse_unit_code(" tzh490l ") == UnitCode(value="TZH490L", kind="legacy")
    assert parse_unit_code("TA1234Z").kind == "legacy"
    assert is_valid_unit_code("YN0001A")


def test_2025_code_exposes_its_parts() -> None:
    code = parse_unit_code("0123456789dna03")
    assert code == UnitCode(
        value="0123456789DNA03",
        kind="2025",
        enterprise_number="0123456789",
        target_group="DN",
        target_group_name="doanh nghiệp",
        business_type="A03",
    )
    assert str(code) == "0123456789DNA03"


def test_enterprise_number_does_not_need_a_tax_code_check_digit() -> None:
    # 0100109107 fails the MST check digit, but public bodies use other registration numbers.
    assert parse_unit_code("0100109107HCB01").target_group_name == "cơ quan hành chính"


def test_target_group_list() -> None:
    assert dict(TARGET_GROUPS) == {
        "DN": "doanh nghiệp",
        "HC": "cơ quan hành chính",
        "SN": "đơn vị sự nghiệp",
        "LV": "lực lượng vũ trang",
        "HX": "hợp tác xã",
        "NN": "tổ chức, cơ quan nước ngoài",
        "HK": "hộ kinh doanh",
        "TC": "tổ chức khác",
    }


@pytest.mark.parametrize("value", ["", " "])
def test_empty(value: str) -> None:
    assert reason(value).code == "UNIT_CODE_EMPTY"


@pytest.mark.parametrize(
    ("value", "position"), [("TZH-490L", 4), ("TZH 490", 4), ("ĐZH490L", 1), ("TZH490Ｌ", 7)]
)
def test_characters_outside_ascii_letters_and_digits(value: str, position: int) -> None:
    error = reason(value)
    assert error.code == "UNIT_CODE_CHARACTERS"
    assert error.details["position"] == position


@pytest.mark.parametrize("value", ["TZH490", "TZH490LL", "0123456789DNA0", "0123456789DNA031"])
def test_wrong_length(value: str) -> None:
    error = reason(value)
    assert error.code == "UNIT_CODE_LENGTH"
    assert error.details["length"] == len(value)


@pytest.mark.parametrize("value", ["1ZH490L", "T1H490L", "12H490L"])
def test_legacy_code_starts_with_two_letters(value: str) -> None:
    assert reason(value).code == "UNIT_CODE_LEGACY_PREFIX"


@pytest.mark.parametrize("value", ["012345678ADNA03", "A123456789DNA03"])
def test_2025_code_starts_with_ten_digits(value: str) -> None:
    assert reason(value).code == "UNIT_CODE_ENTERPRISE_NUMBER"


@pytest.mark.parametrize("group", ["XX", "D1", "DD", "NK"])
def test_unknown_target_group(group: str) -> None:
    error = reason(f"0123456789{group}A03")
    assert error.code == "UNIT_CODE_TARGET_GROUP"
    assert error.details["group"] == group
    assert "DN (doanh nghiệp)" in error.message
    assert "TC (tổ chức khác)" in error.message


@pytest.mark.parametrize("business_type", ["003", "AB3", "A0B", "1A0"])
def test_business_type_is_a_letter_and_two_digits(business_type: str) -> None:
    error = reason(f"0123456789DN{business_type}")
    assert error.code == "UNIT_CODE_BUSINESS_TYPE"
    assert error.details["business_type"] == business_type


def test_non_string_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_unit_code(None)  # type: ignore[arg-type]


@given(st.one_of(legacy_unit_codes, structured_unit_codes), st.data())
def test_generated_codes_round_trip(code: str, data: st.DataObject) -> None:
    spelled = data.draw(
        with_padding(data.draw(st.sampled_from([code, code.lower(), code.upper()])))
    )
    parsed = parse_unit_code(spelled)
    assert parsed.value == code.upper()
    assert parsed.kind == ("legacy" if len(code) == 7 else "2025")
    assert parse_unit_code(parsed.value) == parsed
    assert parse_unit_code(parse_unit_code(parsed.value).value) == parsed
