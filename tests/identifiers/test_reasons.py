"""The reason catalogue: every code is produced by some input, described in docs, and bilingual."""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from ebhxh.identifiers import (
    REASONS,
    IdentifierError,
    parse_citizen_id,
    parse_gender,
    parse_insurance_number,
    parse_phone,
    parse_tax_code,
    parse_unit_code,
)
from ebhxh.identifiers.employee_sheet import (
    MAX_EMPLOYEE_ROWS,
    check_employee_file,
    check_employee_rows,
)
from tests.identifiers.sheets import FULL_HEADER, HEADER

TODAY = date(2025, 7, 1)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "identifiers.md"
GOOD = (1, "Nguyễn Văn An", "15/03/1990", "Nam", "001090012345", "0123456789", "", "")


def raised(call: Callable[[], object]) -> set[str]:
    try:
        call()
    except IdentifierError as error:
        return {error.code}
    return set()


def sheet(*rows: tuple[object, ...], header: tuple[object, ...] = FULL_HEADER) -> set[str]:
    report = check_employee_rows([header, *rows], today=TODAY)
    return {issue.code for issue in report.issues}


def with_cell(index: int, value: object) -> tuple[object, ...]:
    row = list(GOOD)
    row[index] = value
    return tuple(row)


def file_with(name: str, content: bytes) -> Callable[[Path], set[str]]:
    def check(tmp_path: Path) -> set[str]:
        path = tmp_path / name
        path.write_bytes(content)
        return {issue.code for issue in check_employee_file(path, today=TODAY).issues}

    return check


def no_file(tmp_path: Path) -> set[str]:
    return {issue.code for issue in check_employee_file(tmp_path / "x.csv").issues}


# One input per code that must produce it. A rule that stops firing fails here.
EXAMPLES: dict[str, Callable[[Path], set[str]]] = {
    "MST_EMPTY": lambda _: raised(lambda: parse_tax_code(" ")),
    "MST_NOT_DIGITS": lambda _: raised(lambda: parse_tax_code("01001O9106")),
    "MST_LENGTH": lambda _: raised(lambda: parse_tax_code("010010910")),
    "MST_BRANCH_FORMAT": lambda _: raised(lambda: parse_tax_code("0100109106-01")),
    "MST_BRANCH_SUFFIX": lambda _: raised(lambda: parse_tax_code("0100109106-000")),
    "MST_CHECK_DIGIT": lambda _: raised(lambda: parse_tax_code("0100109107")),
    "MST_CHECK_DIGIT_UNDEFINED": lambda _: raised(lambda: parse_tax_code("0100109160")),
    "CCCD_EMPTY": lambda _: raised(lambda: parse_citizen_id("")),
    "CCCD_NOT_DIGITS": lambda _: raised(lambda: parse_citizen_id("001-099-012345")),
    "CCCD_LENGTH": lambda _: raised(lambda: parse_citizen_id("00109901234")),
    "CCCD_LEGACY_CMND": lambda _: raised(lambda: parse_citizen_id("012345678")),
    "CCCD_PROVINCE": lambda _: raised(lambda: parse_citizen_id("003099012345")),
    "CCCD_BIRTH_YEAR_FUTURE": lambda _: raised(
        lambda: parse_citizen_id("001226012345", today=TODAY)
    ),
    "CCCD_BIRTH_YEAR_MISMATCH": lambda _: raised(
        lambda: parse_citizen_id("001099012345", birth_date=date(1998, 1, 1))
    ),
    "CCCD_GENDER_MISMATCH": lambda _: raised(lambda: parse_citizen_id("001099012345", gender="nữ")),
    "GENDER_INVALID": lambda _: raised(lambda: parse_gender("không rõ")),
    "BHXH_EMPTY": lambda _: raised(lambda: parse_insurance_number("")),
    "BHXH_NOT_DIGITS": lambda _: raised(lambda: parse_insurance_number("012345678x")),
    "BHXH_LENGTH": lambda _: raised(lambda: parse_insurance_number("012345678")),
    "UNIT_CODE_EMPTY": lambda _: raised(lambda: parse_unit_code("")),
    "UNIT_CODE_CHARACTERS": lambda _: raised(lambda: parse_unit_code("TZH-490L")),
    "UNIT_CODE_LENGTH": lambda _: raised(lambda: parse_unit_code("TZH490")),
    "UNIT_CODE_LEGACY_PREFIX": lambda _: raised(lambda: parse_unit_code("T1H490L")),
    "UNIT_CODE_ENTERPRISE_NUMBER": lambda _: raised(lambda: parse_unit_code("012345678ADNA03")),
    "UNIT_CODE_TARGET_GROUP": lambda _: raised(lambda: parse_unit_code("0123456789XXA03")),
    "UNIT_CODE_BUSINESS_TYPE": lambda _: raised(lambda: parse_unit_code("0123456789DN003")),
    "PHONE_EMPTY": lambda _: raised(lambda: parse_phone("")),
    "PHONE_CHARACTERS": lambda _: raised(lambda: parse_phone("0912a45678")),
    "PHONE_COUNTRY_CODE": lambda _: raised(lambda: parse_phone("+1 202 555 0123")),
    "PHONE_TRUNK_PREFIX": lambda _: raised(lambda: parse_phone("912345678")),
    "PHONE_LENGTH": lambda _: raised(lambda: parse_phone("091234567")),
    "PHONE_PREFIX": lambda _: raised(lambda: parse_phone("0241234567")),
    "SHEET_FILE_NOT_FOUND": no_file,
    "SHEET_FILE_TYPE": file_with("a.xls", b"\xd0\xcf\x11\xe0"),
    "SHEET_FILE_UNREADABLE": file_with("a.xlsx", b"not a zip"),
    "SHEET_CSV_ENCODING": file_with("a.csv", "Họ".encode("utf-16")),
    "SHEET_TOO_MANY_ROWS": file_with(
        "big.csv",
        ("Họ và tên,Ngày sinh\n" + "Nguyễn Văn A,01/02/1990\n" * (MAX_EMPLOYEE_ROWS + 1)).encode(),
    ),
    "SHEET_NO_HEADER": lambda _: {i.code for i in check_employee_rows([], today=TODAY).issues},
    "SHEET_MISSING_COLUMN": lambda _: sheet(GOOD[:3], header=HEADER[:3]),
    "SHEET_DUPLICATE_COLUMN": lambda _: sheet(GOOD, header=(*FULL_HEADER[:7], "Điện thoại")),
    "SHEET_NAME_EMPTY": lambda _: sheet(with_cell(1, "")),
    "SHEET_BIRTH_DATE_EMPTY": lambda _: sheet(with_cell(2, None)),
    "SHEET_BIRTH_DATE_INVALID": lambda _: sheet(with_cell(2, "30/02/1990")),
    "SHEET_BIRTH_DATE_FUTURE": lambda _: sheet(with_cell(2, "02/07/2025")),
    "SHEET_GENDER_EMPTY": lambda _: sheet(with_cell(3, " ")),
    "SHEET_SALARY_FORMAT": lambda _: sheet(with_cell(7, "5 triệu")),
    "SHEET_SALARY_NOT_POSITIVE": lambda _: sheet(with_cell(7, 0)),
    "SHEET_LEADING_ZEROS_LOST": lambda _: sheet(with_cell(4, 1090012345)),
    "SHEET_DUPLICATE_CCCD": lambda _: sheet(GOOD, with_cell(5, "7900000001")),
    "SHEET_DUPLICATE_BHXH": lambda _: sheet(GOOD, with_cell(4, "001090012346")),
}


def test_every_code_has_an_example() -> None:
    assert sorted(EXAMPLES) == sorted(REASONS)


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_example_produces_its_code(code: str, tmp_path: Path) -> None:
    assert code in EXAMPLES[code](tmp_path)


@pytest.mark.parametrize("code", sorted(REASONS))
def test_codes_are_upper_snake_and_messages_bilingual(code: str) -> None:
    assert re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)+", code)
    reason = REASONS[code]
    # Vietnamese with diacritics, not ASCII-folded text.
    assert re.search(r"[à-ỹđĐ]", reason.vi), code
    assert reason.en and reason.en != reason.vi
    placeholders_vi = set(re.findall(r"{(\w+)}", reason.vi))
    placeholders_en = set(re.findall(r"{(\w+)}", reason.en))
    assert placeholders_vi == placeholders_en, code


def test_docs_list_every_code_with_its_vietnamese_message() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    for code, reason in REASONS.items():
        assert f"`{code}`" in docs, code
        assert f"| `{code}` | {reason.vi} |" in docs, code


def test_error_carries_code_both_messages_and_details() -> None:
    error = IdentifierError.of("MST_CHECK_DIGIT", value="0100109107", expected=6)
    assert error.code == "MST_CHECK_DIGIT"
    assert error.message.startswith("Mã số thuế 0100109107 sai chữ số kiểm tra")
    assert error.message_en.startswith("Tax code 0100109107 has a wrong check digit")
    assert error.details == {"value": "0100109107", "expected": 6}
    assert str(error) == f"MST_CHECK_DIGIT: {error.message}"


def test_error_survives_pickling() -> None:
    error = IdentifierError.of("PHONE_PREFIX", value="0241234567", prefix="024", prefixes="…")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.message, copy.message_en, copy.details) == (
        error.code,
        error.message,
        error.message_en,
        error.details,
    )


def test_unknown_code_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        IdentifierError.of("NO_SUCH_CODE")
