"""Mã số thuế: check digit, branch form, and precise reasons for every kind of mistake."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ebhxh.identifiers import (
    IdentifierError,
    TaxCode,
    is_valid_tax_code,
    parse_tax_code,
    tax_code_check_digit,
)
from tests.identifiers.strategies import branch_suffixes, tax_codes, with_padding

# Tax codes published by the companies themselves (invoices, annual reports, websites).
REAL_TAX_CODES = {
    "0100109106": "Tập đoàn Công nghiệp - Viễn thông Quân đội (Viettel)",
    "0101243150": "Công ty Cổ phần MISA",
    "0300588569": "Công ty Cổ phần Sữa Việt Nam (Vinamilk)",
    "0101248141": "Công ty Cổ phần FPT",
    "0100112437": "Ngân hàng TMCP Ngoại thương Việt Nam (Vietcombank)",
    "0100150619": "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam (BIDV)",
    "0100107370": "Tập đoàn Xăng dầu Việt Nam (Petrolimex)",
    "0100107518": "Tổng công ty Hàng không Việt Nam (Vietnam Airlines)",
    "0100100079": "Tập đoàn Điện lực Việt Nam (EVN)",
    "0101245486": "Tập đoàn Vingroup",
    "0900189284": "Công ty Cổ phần Tập đoàn Hòa Phát",
    "0303576603": "Công ty Cổ phần Tập đoàn Masan",
}


def single_digit_changes(code: str) -> list[str]:
    return [
        code[:index] + other + code[index + 1 :]
        for index in range(len(code))
        for other in "0123456789"
        if other != code[index]
    ]


def reason(value: str) -> IdentifierError:
    with pytest.raises(IdentifierError) as caught:
        parse_tax_code(value)
    return caught.value


@pytest.mark.parametrize("code", sorted(REAL_TAX_CODES))
def test_real_tax_codes_are_valid(code: str) -> None:
    assert parse_tax_code(code) == TaxCode(value=code, parent=code, branch=None)
    assert is_valid_tax_code(code)


@pytest.mark.parametrize("code", sorted(REAL_TAX_CODES))
def test_every_single_digit_change_of_a_real_tax_code_is_rejected(code: str) -> None:
    changes = single_digit_changes(code)
    assert len(changes) == 90
    for changed in changes:
        assert reason(changed).code in {"MST_CHECK_DIGIT", "MST_CHECK_DIGIT_UNDEFINED"}, changed


def test_check_digit_message_names_the_expected_digit() -> None:
    error = reason("0100109107")
    assert error.code == "MST_CHECK_DIGIT"
    assert error.message == (
        "Mã số thuế 0100109107 sai chữ số kiểm tra: chữ số cuối phải là 6. "
        "Kiểm tra lại mã số thuế trên giấy đăng ký kinh doanh."
    )
    assert "must be 6" in error.message_en
    assert error.details == {"value": "0100109107", "expected": 6}


def test_remainder_ten_gives_check_digit_zero() -> None:
    # MISA: weighted sum 175, 175 mod 11 = 10.
    assert tax_code_check_digit("010124315") == 0
    assert is_valid_tax_code("0101243150")


def test_remainder_zero_has_no_check_digit() -> None:
    # Viettel's body with the 9th digit 0 → 6: weighted sum 114 + 3·6 = 132 = 12·11.
    body = "010010916"
    assert tax_code_check_digit(body) is None
    for last in "0123456789":
        error = reason(body + last)
        assert error.code == "MST_CHECK_DIGIT_UNDEFINED"
        assert body in error.message


def test_check_digit_helper_rejects_malformed_bodies() -> None:
    with pytest.raises(ValueError):
        tax_code_check_digit("12345678")
    with pytest.raises(ValueError):
        tax_code_check_digit("12345678a")


@pytest.mark.parametrize("spelling", ["0100109106-001", "0100109106001", " 0100109106-001 "])
def test_branch_form_with_or_without_hyphen(spelling: str) -> None:
    code = parse_tax_code(spelling)
    assert code == TaxCode(value="0100109106-001", parent="0100109106", branch="001")
    assert code.is_branch
    assert str(code) == "0100109106-001"
    assert code.check_digit == 6


def test_main_unit_has_no_branch() -> None:
    code = parse_tax_code("0100109106")
    assert code.branch is None
    assert not code.is_branch


def test_branch_needs_a_valid_parent() -> None:
    assert reason("0100109107-001").code == "MST_CHECK_DIGIT"
    assert reason("0100109107001").code == "MST_CHECK_DIGIT"


@pytest.mark.parametrize("value", ["0100109106-000", "0100109106000"])
def test_branch_suffix_000_is_rejected(value: str) -> None:
    error = reason(value)
    assert error.code == "MST_BRANCH_SUFFIX"
    assert "001 đến 999" in error.message


@pytest.mark.parametrize(
    "value",
    ["010010910-6001", "0100109106-01", "0100109106-0001", "0100109106--001", "-0100109106001"],
)
def test_malformed_branch_form(value: str) -> None:
    assert reason(value).code == "MST_BRANCH_FORMAT"


@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_empty(value: str) -> None:
    assert reason(value).code == "MST_EMPTY"


@pytest.mark.parametrize(
    ("value", "position", "shown"),
    [
        ("01001O9106", 6, "ký tự 'O'"),
        ("0100 109106", 5, "dấu cách"),
        ("0100109106/001", 11, "ký tự '/'"),
        ("０100109106", 1, "ký tự '０'"),  # full-width digit, as pasted from some PDFs
        ("01001091\u200b06", 9, "U+200B"),
    ],
)
def test_non_digit_characters_are_located(value: str, position: int, shown: str) -> None:
    error = reason(value)
    assert error.code == "MST_NOT_DIGITS"
    assert error.details["position"] == position
    assert shown in error.message


@pytest.mark.parametrize("value", ["010010910", "01001091066", "010010910612345", "1"])
def test_wrong_length(value: str) -> None:
    error = reason(value)
    assert error.code == "MST_LENGTH"
    assert error.details["length"] == len(value)


def test_non_string_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_tax_code(100109106)  # type: ignore[arg-type]


@given(tax_codes)
def test_generated_tax_codes_are_valid_and_every_single_digit_change_is_rejected(
    code: str,
) -> None:
    assert parse_tax_code(code).value == code
    for changed in single_digit_changes(code):
        assert not is_valid_tax_code(changed), changed


@given(tax_codes, branch_suffixes, st.booleans(), st.data())
def test_branch_codes_round_trip(code: str, suffix: str, hyphen: bool, data: st.DataObject) -> None:
    spelling = data.draw(with_padding(f"{code}-{suffix}" if hyphen else code + suffix))
    parsed = parse_tax_code(spelling)
    assert parsed.value == f"{code}-{suffix}"
    assert (parsed.parent, parsed.branch) == (code, suffix)
    assert parse_tax_code(parsed.value) == parsed
    assert parse_tax_code(str(parsed)).value == parsed.value


@given(st.text(max_size=16))
def test_arbitrary_text_is_either_valid_or_a_coded_error(value: str) -> None:
    try:
        parsed = parse_tax_code(value)
    except IdentifierError as error:
        assert error.code.startswith("MST_")
        assert error.message and error.message_en
    else:
        assert parse_tax_code(parsed.value) == parsed
