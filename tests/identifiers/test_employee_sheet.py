"""The employee-sheet check: row-by-row reasons with spreadsheet row numbers and columns."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import pytest

from ebhxh.identifiers.employee_sheet import (
    EmployeeRecord,
    SheetIssue,
    SheetReport,
    check_employee_file,
    check_employee_rows,
    column_letter,
)
from tests.identifiers.sheets import FULL_HEADER, HEADER, write_csv, write_xlsx

TODAY = date(2025, 7, 1)

ANH = (1, "Nguyễn Văn An", "15/03/1990", "Nam", "001090012345", "0123456789")
BINH = (2, "Trần Thị Bình", "02/11/2001", "Nữ", "079301000123", "7912345678")


def check(*rows: tuple[object, ...], header: tuple[object, ...] = HEADER) -> SheetReport:
    return check_employee_rows([header, *rows], today=TODAY)


def issues(report: SheetReport) -> list[tuple[int | None, str | None, str]]:
    return [(issue.row, issue.column, issue.code) for issue in report.issues]


def test_valid_rows_become_employee_records() -> None:
    report = check(ANH, BINH)
    assert report.ok
    assert (report.rows_checked, report.valid_rows) == (2, 2)
    assert report.summary == "Đã kiểm tra 2 dòng: 2 dòng hợp lệ, 0 lỗi."
    assert report.summary_en == "Checked 2 rows: 2 valid, 0 errors."
    first = report.employees[0]
    assert isinstance(first, EmployeeRecord)
    assert (first.row, first.full_name, first.birth_date, first.gender) == (
        2,
        "Nguyễn Văn An",
        date(1990, 3, 15),
        "male",
    )
    assert first.citizen_id.province_name == "Hà Nội"
    assert first.insurance_number is not None
    assert first.insurance_number.value == "0123456789"
    assert (first.phone, first.salary) == (None, None)


def test_optional_columns_are_checked_when_present() -> None:
    row = (*ANH, "+84 912 345 678", "5.000.000")
    report = check(row, header=FULL_HEADER)
    assert report.ok
    employee = report.employees[0]
    assert employee.phone is not None
    assert employee.phone.national == "0912345678"
    assert employee.salary == 5_000_000


def test_headers_are_matched_without_case_diacritics_or_notes() -> None:
    header = ("HỌ VÀ TÊN", "ngay sinh (dd/mm/yyyy)", "GIOI TINH", "Số CCCD *", "mã số bhxh")
    report = check(ANH[1:], header=header)
    assert report.ok, report.issues


def test_missing_required_columns_is_one_error() -> None:
    report = check(ANH[:4], header=HEADER[:4])
    assert issues(report) == [(1, None, "SHEET_MISSING_COLUMN")]
    assert "Số CCCD, Mã số BHXH" in report.issues[0].message
    assert report.rows_checked == 0
    assert str(report.issues[0]).startswith("Dòng 1: SHEET_MISSING_COLUMN — Bảng thiếu cột")


def test_duplicate_column_header() -> None:
    report = check((*ANH, "001090012345"), header=(*HEADER, "Số CCCD"))
    assert issues(report) == [(1, "G", "SHEET_DUPLICATE_COLUMN")]
    assert "cột E" in report.issues[0].message


@pytest.mark.parametrize("rows", [[], [()], [(None, " ", "")]])
def test_sheet_without_header(rows: list[tuple[object, ...]]) -> None:
    report = check_employee_rows(rows, today=TODAY)
    assert [issue.code for issue in report.issues] == ["SHEET_NO_HEADER"]


def test_each_bad_cell_is_reported_with_row_column_and_code() -> None:
    rows = [
        ANH,
        (3, "  ", "15/03/1990", "Nam", "001090012346", ""),
        (4, "Lê Văn Cường", "31/02/1990", "Nam", "001090012347", ""),
        (5, "Phạm Văn Dũng", "", "Nam", "001090012348", ""),
        (6, "Hoàng Văn Em", "01/01/2030", "Nam", "001090012349", ""),
        (7, "Vũ Thị Gấm", "01/01/1990", "", "001190012340", ""),
        (8, "Đỗ Văn Hải", "01/01/1990", "Nữ giới", "001090012341", ""),
        (9, "Ngô Văn Ích", "01/01/1990", "Nam", "00109001234", ""),
        (10, "Bùi Văn Khoa", "01/01/1990", "Nam", "001090012342", "12345"),
    ]
    report = check(*rows)
    assert issues(report) == [
        (3, "B", "SHEET_NAME_EMPTY"),
        (4, "C", "SHEET_BIRTH_DATE_INVALID"),
        (5, "C", "SHEET_BIRTH_DATE_EMPTY"),
        (6, "C", "SHEET_BIRTH_DATE_FUTURE"),
        (7, "D", "SHEET_GENDER_EMPTY"),
        (8, "D", "GENDER_INVALID"),
        (9, "E", "CCCD_LENGTH"),
        (10, "F", "BHXH_LENGTH"),
    ]
    assert (report.rows_checked, report.valid_rows) == (9, 1)
    assert report.summary == "Đã kiểm tra 9 dòng: 1 dòng hợp lệ, 8 lỗi."
    assert str(report.issues[6]) == (
        "Dòng 9, cột E (Số CCCD): CCCD_LENGTH — Số CCCD 00109001234 có 11 chữ số, nhưng số CCCD "
        "phải có đúng 12 chữ số. Kiểm tra lại số trên thẻ căn cước."
    )


@pytest.mark.parametrize(
    "text", ["1990", "15-03-1990", "15/3/90", "abc", "32/01/1990", "1990/03/15"]
)
def test_unreadable_birth_dates(text: str) -> None:
    report = check((1, "An", text, "Nam", "001090012345", ""))
    assert issues(report) == [(2, "C", "SHEET_BIRTH_DATE_INVALID")]


@pytest.mark.parametrize(
    "cell", ["5/3/1990", "05/03/1990", "1990-03-05", date(1990, 3, 5), datetime(1990, 3, 5, 0, 0)]
)
def test_accepted_birth_dates(cell: object) -> None:
    report = check((1, "An", cell, "Nam", "001090012345", ""))
    assert report.ok
    assert report.employees[0].birth_date == date(1990, 3, 5)


def test_cccd_inconsistent_with_birth_date_and_gender_reports_both() -> None:
    report = check((1, "An", "15/03/1991", "Nữ", "001090012345", "0123456789"))
    assert issues(report) == [
        (2, "E", "CCCD_BIRTH_YEAR_MISMATCH"),
        (2, "E", "CCCD_GENDER_MISMATCH"),
    ]


def test_duplicates_point_to_the_first_row() -> None:
    report = check(
        ANH,
        BINH,
        (3, "Nguyễn Văn An", "15/03/1990", "Nam", " 001090012345 ", "7900000001"),
        (4, "Lê Văn Cường", "01/01/1985", "Nam", "001085000001", "0123456789"),
    )
    assert issues(report) == [(4, "E", "SHEET_DUPLICATE_CCCD"), (5, "F", "SHEET_DUPLICATE_BHXH")]
    assert "trùng với dòng 2" in report.issues[0].message
    assert "trùng với dòng 2" in report.issues[1].message


def test_empty_insurance_number_is_allowed_for_first_time_participants() -> None:
    report = check(
        (1, "An", "15/03/1990", "Nam", "001090012345", None),
        (2, "Bình", "02/11/2001", "Nữ", "079301000123", ""),
    )
    assert report.ok
    assert [employee.insurance_number for employee in report.employees] == [None, None]


def test_blank_rows_are_skipped_but_numbering_follows_the_sheet() -> None:
    report = check(
        ANH, (None, None, "", None, None, None), (3, "", "15/03/1990", "Nam", "001090012399", "")
    )
    assert report.rows_checked == 2
    assert issues(report) == [(4, "B", "SHEET_NAME_EMPTY")]


def test_short_rows_count_missing_cells_as_empty() -> None:
    report = check((1, "An", "15/03/1990"))
    assert [issue.code for issue in report.issues] == ["SHEET_GENDER_EMPTY", "CCCD_EMPTY"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("5000000", 5_000_000),
        ("5.000.000", 5_000_000),
        ("5,000,000", 5_000_000),
        ("12 500 000", 12_500_000),
        (4_960_000, 4_960_000),
        (4_960_000.0, 4_960_000),
    ],
)
def test_salary_spellings(cell: object, expected: int) -> None:
    report = check((*ANH, "", cell), header=FULL_HEADER)
    assert report.ok, report.issues
    assert report.employees[0].salary == expected


@pytest.mark.parametrize(
    "cell", ["5.000,000", "5tr", "5000000.5", 5000000.5, "5.00.000", True, "1.2345"]
)
def test_salary_format_errors(cell: object) -> None:
    report = check((*ANH, "", cell), header=FULL_HEADER)
    assert issues(report) == [(2, "H", "SHEET_SALARY_FORMAT")]


@pytest.mark.parametrize("cell", ["0", 0, "-5.000.000", -1])
def test_salary_must_be_positive(cell: object) -> None:
    report = check((*ANH, "", cell), header=FULL_HEADER)
    assert issues(report) == [(2, "H", "SHEET_SALARY_NOT_POSITIVE")]


def test_phone_cell_is_checked() -> None:
    report = check((*ANH, "0241234567", None), header=FULL_HEADER)
    assert issues(report) == [(2, "G", "PHONE_PREFIX")]


@pytest.mark.parametrize(
    ("column", "cell", "padded"),
    [
        (4, 1090012345, "001090012345"),
        (5, 123456789, "0123456789"),
        (6, 912345678, "0912345678"),
        (4, 1090012345.0, "001090012345"),
    ],
)
def test_numbers_that_lost_their_leading_zeros(column: int, cell: object, padded: str) -> None:
    row: list[object] = [*ANH, None, None]
    row[column] = cell
    report = check(tuple(row), header=FULL_HEADER)
    assert [issue.code for issue in report.issues] == ["SHEET_LEADING_ZEROS_LOST"]
    assert padded in report.issues[0].message
    assert "Văn bản (Text)" in report.issues[0].message


def test_numeric_cells_that_cannot_be_zero_padded_get_the_ordinary_reason() -> None:
    row = (1, "An", "15/03/1990", "Nam", 123456789, 84912345678)
    assert issues(check(row)) == [(2, "E", "CCCD_LEGACY_CMND"), (2, "F", "BHXH_LENGTH")]
    phone_row = (*ANH, 84912345678, None)
    assert check(phone_row, header=FULL_HEADER).ok


def test_column_letters() -> None:
    assert [column_letter(index) for index in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_issue_without_a_row_is_about_the_file() -> None:
    issue = SheetIssue(None, None, None, "SHEET_FILE_TYPE", "Tệp a.txt ...", "File a.txt ...")
    assert str(issue) == "Tệp: SHEET_FILE_TYPE — Tệp a.txt ..."


# Files


def test_xlsx_with_real_dates(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "lao-dong.xlsx",
        [HEADER, (1, "Nguyễn Văn An", date(1990, 3, 15), "Nam", "001090012345", "0123456789")],
    )
    report = check_employee_file(path, today=TODAY)
    assert report.ok, report.issues
    assert report.employees[0].birth_date == date(1990, 3, 15)


def test_xlsx_row_numbers_survive_empty_leading_rows_in_the_data(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "gaps.xlsx", [HEADER, (), (), (4, "", "15/03/1990", "Nam", "001090012345", "")]
    )
    report = check_employee_file(str(path), today=TODAY)
    assert issues(report) == [(4, "B", "SHEET_NAME_EMPTY")]


@pytest.mark.parametrize(
    ("bom", "delimiter"), [(True, ","), (False, ","), (True, ";"), (False, "\t")]
)
def test_csv_with_or_without_bom_and_any_excel_delimiter(
    tmp_path: Path, bom: bool, delimiter: str
) -> None:
    path = write_csv(tmp_path / "lao-dong.csv", [HEADER, ANH, BINH], bom=bom, delimiter=delimiter)
    report = check_employee_file(path, today=TODAY)
    assert report.ok, report.issues
    assert report.employees[1].full_name == "Trần Thị Bình"


def test_csv_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "ansi.csv"
    # Saved with a Windows ANSI code page instead of UTF-8: "à" becomes the lone byte 0xE0.
    path.write_bytes("STT,Ho và ten,Ngay sinh".encode("cp1252"))
    report = check_employee_file(path, today=TODAY)
    assert [issue.code for issue in report.issues] == ["SHEET_CSV_ENCODING"]
    assert report.issues[0].row is None


def test_uploaded_file_object(tmp_path: Path) -> None:
    data = write_xlsx(tmp_path / "x.xlsx", [HEADER, ANH]).read_bytes()
    report = check_employee_file(io.BytesIO(data), filename="upload.XLSX", today=TODAY)
    assert report.ok


@pytest.mark.parametrize("name", ["lao-dong.xls", "lao-dong.ods", "lao-dong"])
def test_unsupported_file_types(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"whatever")
    report = check_employee_file(path, today=TODAY)
    assert [issue.code for issue in report.issues] == ["SHEET_FILE_TYPE"]


def test_missing_file(tmp_path: Path) -> None:
    report = check_employee_file(tmp_path / "khong-co.xlsx", today=TODAY)
    assert [issue.code for issue in report.issues] == ["SHEET_FILE_NOT_FOUND"]
    assert report.summary == "Đã kiểm tra 0 dòng: 0 dòng hợp lệ, 1 lỗi."


def test_corrupt_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "hong.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    report = check_employee_file(path, today=TODAY)
    assert [issue.code for issue in report.issues] == ["SHEET_FILE_UNREADABLE"]


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    report = check_employee_file(folder, today=TODAY)
    assert [issue.code for issue in report.issues] == ["SHEET_FILE_NOT_FOUND"]
