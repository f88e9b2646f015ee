"""Bảng kê lao động: the employee list a unit checks before it files a báo tăng.

A báo tăng refused by the agency costs the unit days, and most refusals come from the sheet:
a CCCD typed with a digit missing, a birth date that does not match the CCCD, the same
person on two rows, or Excel silently dropping the leading zeros of an ID column. This
module finds all of those in one pass and returns them as data (row, column, code,
message), so the `ebhxh check employees` command and the web apps report them the same way.

Row numbers are the spreadsheet's own (the header is row 1), so a user can go straight to
the cell.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, Final, TypeVar

from ebhxh.identifiers.citizen_id import LENGTH as CITIZEN_ID_LENGTH
from ebhxh.identifiers.citizen_id import (
    CitizenId,
    citizen_id_mismatches,
    parse_citizen_id,
)
from ebhxh.identifiers.errors import IdentifierError
from ebhxh.identifiers.gender import Gender, parse_gender
from ebhxh.identifiers.insurance_number import LENGTH as INSURANCE_NUMBER_LENGTH
from ebhxh.identifiers.insurance_number import InsuranceNumber, parse_insurance_number
from ebhxh.identifiers.phone import PhoneNumber, parse_phone
from ebhxh.identifiers.text import fold, format_vn_date, parse_vn_date
from ebhxh.vntime import today_in_vietnam

NATIONAL_PHONE_LENGTH: Final = 10
EXCEL_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
CSV_SUFFIXES: Final = frozenset({".csv"})
# A báo tăng sheet of a large unit has a few thousand rows; a zipped .xlsx of 5 MB can hold
# hundreds of thousands, which would tie up a web process for minutes. Reading stops here.
MAX_EMPLOYEE_ROWS: Final = 5000

Source = str | os.PathLike[str] | BinaryIO
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Column:
    """A column the check understands; `aliases` are folded header spellings."""

    key: str
    header: str
    required: bool
    aliases: frozenset[str]


COLUMNS: Final = (
    Column("full_name", "Họ và tên", True, frozenset({"ho va ten", "ho ten"})),
    Column("birth_date", "Ngày sinh", True, frozenset({"ngay sinh", "ngay thang nam sinh"})),
    Column("gender", "Giới tính", True, frozenset({"gioi tinh"})),
    Column(
        "citizen_id",
        "Số CCCD",
        True,
        frozenset(
            {"so cccd", "cccd", "so can cuoc", "so can cuoc cong dan", "so dinh danh ca nhan"}
        ),
    ),
    Column(
        "insurance_number", "Mã số BHXH", True, frozenset({"ma so bhxh", "ma bhxh", "so so bhxh"})
    ),
    Column("phone", "Số điện thoại", False, frozenset({"so dien thoai", "dien thoai", "sdt"})),
    Column("salary", "Mức lương", False, frozenset({"muc luong", "tien luong", "luong"})),
)


@dataclass(frozen=True, slots=True)
class SheetIssue:
    """One problem found in the sheet. `row` is None only for problems with the file itself."""

    row: int | None
    column: str | None
    column_header: str | None
    code: str
    message: str
    message_en: str

    @property
    def location(self) -> str:
        if self.row is None:
            return "Tệp"
        if self.column is None:
            return f"Dòng {self.row}"
        header = f" ({self.column_header})" if self.column_header else ""
        return f"Dòng {self.row}, cột {self.column}{header}"

    def __str__(self) -> str:
        return f"{self.location}: {self.code} — {self.message}"


@dataclass(frozen=True, slots=True)
class EmployeeRecord:
    """A row that passed every check, ready to fill a báo tăng form."""

    row: int
    full_name: str
    birth_date: date
    gender: Gender
    citizen_id: CitizenId
    insurance_number: InsuranceNumber | None
    phone: PhoneNumber | None
    salary: int | None


@dataclass(frozen=True, slots=True)
class SheetReport:
    rows_checked: int
    issues: tuple[SheetIssue, ...]
    employees: tuple[EmployeeRecord, ...]

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def valid_rows(self) -> int:
        return len(self.employees)

    @property
    def summary(self) -> str:
        return (
            f"Đã kiểm tra {self.rows_checked} dòng: {self.valid_rows} dòng hợp lệ, "
            f"{len(self.issues)} lỗi."
        )

    @property
    def summary_en(self) -> str:
        return (
            f"Checked {self.rows_checked} rows: {self.valid_rows} valid, {len(self.issues)} errors."
        )


def column_letter(index: int) -> str:
    """Spreadsheet column name for a 0-based index: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def check_employee_file(
    source: Source, *, filename: str | None = None, today: date | None = None
) -> SheetReport:
    """Read an .xlsx or .csv employee sheet (path or uploaded file) and check every row.

    `filename` names an uploaded file object (its extension picks the reader); `today`
    fixes the date that birth dates must not be after.
    """
    try:
        rows = read_sheet_rows(source, filename=filename)
    except IdentifierError as error:
        return SheetReport(rows_checked=0, issues=(_issue(None, None, None, error),), employees=())
    return check_employee_rows(rows, today=today)


def read_sheet_rows(source: Source, *, filename: str | None = None) -> list[tuple[object, ...]]:
    """The cells of the first worksheet (or the CSV), row 1 first; raise SHEET_FILE_* errors."""
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        name = filename or path.name
        suffix = _suffix(name)
        if not path.is_file():
            raise IdentifierError.of("SHEET_FILE_NOT_FOUND", file=str(path))
        try:
            data = path.read_bytes()
        except OSError as error:
            raise IdentifierError.of(
                "SHEET_FILE_UNREADABLE", file=name, reason=error.strerror or str(error)
            ) from error
    else:
        name = filename or str(getattr(source, "name", "") or "")
        suffix = _suffix(name)
        data = source.read()
    if suffix in EXCEL_SUFFIXES:
        return _read_xlsx(data, name)
    return _read_csv(data, name)


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in EXCEL_SUFFIXES | CSV_SUFFIXES:
        raise IdentifierError.of("SHEET_FILE_TYPE", file=name or "?")
    return suffix


def _read_xlsx(data: bytes, name: str) -> list[tuple[object, ...]]:
    # Imported here so that `ebhxh check mst ...` does not pay for loading openpyxl.
    from openpyxl import load_workbook

    # Any exception: a corrupt upload can fail deep inside openpyxl, and must become a message.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise IdentifierError.of(
            "SHEET_FILE_UNREADABLE", file=name, reason=type(error).__name__
        ) from error
    try:
        if not workbook.worksheets:
            return []
        sheet = workbook.worksheets[0]
        # Files written by other tools often declare wrong dimensions; read what is there.
        sheet.reset_dimensions()
        return _bounded(sheet.iter_rows(values_only=True), name)
    finally:
        workbook.close()


def _read_csv(data: bytes, name: str) -> list[tuple[object, ...]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IdentifierError.of("SHEET_CSV_ENCODING", file=name) from error
    first_line = text.split("\n", 1)[0]
    # Excel writes ';' instead of ',' where the decimal separator is a comma.
    delimiter = max(",;\t", key=first_line.count)
    try:
        return _bounded(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), name)
    except csv.Error as error:
        raise IdentifierError.of("SHEET_FILE_UNREADABLE", file=name, reason=str(error)) from error


def _bounded(rows: Iterable[Sequence[object]], name: str) -> list[tuple[object, ...]]:
    """The rows, header included, refusing a sheet with more than MAX_EMPLOYEE_ROWS
    non-blank employee rows before it is read any further."""
    kept: list[tuple[object, ...]] = []
    filled = 0
    for row in rows:
        kept.append(tuple(row))
        if any(not _is_blank(cell) for cell in row):
            filled += 1
            if filled > MAX_EMPLOYEE_ROWS + 1:  # the header is the first filled row
                raise IdentifierError.of("SHEET_TOO_MANY_ROWS", file=name, limit=MAX_EMPLOYEE_ROWS)
    return kept


def check_employee_rows(
    rows: Iterable[Sequence[object]], *, today: date | None = None
) -> SheetReport:
    """Check rows as read from a sheet: the first is the header, the rest are employees."""
    all_rows = list(rows)
    header = all_rows[0] if all_rows else ()
    if all(_is_blank(cell) for cell in header):
        return SheetReport(0, (_issue(1, None, None, IdentifierError.of("SHEET_NO_HEADER")),), ())
    positions, header_issues = _map_columns(header)
    missing = [
        column.header for column in COLUMNS if column.required and column.key not in positions
    ]
    if missing:
        error = IdentifierError.of("SHEET_MISSING_COLUMN", columns=", ".join(missing))
        return SheetReport(0, (*header_issues, _issue(1, None, None, error)), ())
    checker = _RowChecker(positions, header, today or today_in_vietnam())
    rows_checked = 0
    for row_number, row in enumerate(all_rows[1:], start=2):
        if all(_is_blank(cell) for cell in row):
            continue
        rows_checked += 1
        checker.check(row_number, row)
    return SheetReport(
        rows_checked=rows_checked,
        issues=(*header_issues, *checker.issues),
        employees=tuple(checker.employees),
    )


def _map_columns(header: Sequence[object]) -> tuple[dict[str, int], list[SheetIssue]]:
    positions: dict[str, int] = {}
    issues: list[SheetIssue] = []
    for index, cell in enumerate(header):
        title = _cell_text(cell)
        folded = fold(re.sub(r"\(.*?\)|\*", " ", title))
        for column in COLUMNS:
            if folded not in column.aliases:
                continue
            if column.key in positions:
                first = positions[column.key]
                error = IdentifierError.of(
                    "SHEET_DUPLICATE_COLUMN",
                    column=column_letter(index),
                    header=title,
                    first_column=column_letter(first),
                )
                issues.append(_issue(1, index, title, error))
            else:
                positions[column.key] = index
    return positions, issues


class _RowChecker:
    """Checks rows one at a time, remembering IDs already seen to find duplicates."""

    def __init__(self, positions: dict[str, int], header: Sequence[object], today: date) -> None:
        self.positions = positions
        self.headers = {key: _cell_text(header[index]) for key, index in positions.items()}
        self.today = today
        self.issues: list[SheetIssue] = []
        self.employees: list[EmployeeRecord] = []
        self.seen_citizen_ids: dict[str, int] = {}
        self.seen_insurance_numbers: dict[str, int] = {}
        # The row being checked, with its issues keyed by column index.
        self._row_number = 0
        self._row: Sequence[object] = ()
        self._row_issues: list[tuple[int, SheetIssue]] = []

    def check(self, row_number: int, row: Sequence[object]) -> None:
        self._row_number = row_number
        self._row = row
        self._row_issues = []

        full_name = " ".join(_cell_text(self._cell("full_name")).split())
        if not full_name:
            self._report("full_name", IdentifierError.of("SHEET_NAME_EMPTY"))
        birth_date = self._field("birth_date", lambda cell: _parse_birth_date(cell, self.today))
        gender = self._field("gender", _parse_gender_cell)
        citizen_id = self._field(
            "citizen_id",
            lambda cell: parse_citizen_id(
                _identifier_text(cell, CITIZEN_ID_LENGTH, parse_citizen_id), today=self.today
            ),
        )
        insurance_number = self._optional_field(
            "insurance_number",
            lambda cell: parse_insurance_number(
                _identifier_text(cell, INSURANCE_NUMBER_LENGTH, parse_insurance_number)
            ),
        )
        phone = self._optional_field(
            "phone",
            lambda cell: parse_phone(_identifier_text(cell, NATIONAL_PHONE_LENGTH, parse_phone)),
        )
        salary = self._optional_field("salary", _parse_salary)

        if citizen_id is not None:
            for error in citizen_id_mismatches(citizen_id, birth_date=birth_date, gender=gender):
                self._report("citizen_id", error)
            self._check_duplicate(
                "citizen_id", citizen_id.value, self.seen_citizen_ids, "SHEET_DUPLICATE_CCCD"
            )
        if insurance_number is not None:
            self._check_duplicate(
                "insurance_number",
                insurance_number.value,
                self.seen_insurance_numbers,
                "SHEET_DUPLICATE_BHXH",
            )

        # Left to right, as the user reads the row; sorted() keeps a cell's issues in order.
        self.issues.extend(issue for _, issue in sorted(self._row_issues, key=lambda i: i[0]))
        if self._row_issues or birth_date is None or gender is None or citizen_id is None:
            return
        self.employees.append(
            EmployeeRecord(
                row=row_number,
                full_name=full_name,
                birth_date=birth_date,
                gender=gender,
                citizen_id=citizen_id,
                insurance_number=insurance_number,
                phone=phone,
                salary=salary,
            )
        )

    def _cell(self, key: str) -> object:
        index = self.positions.get(key)
        if index is None or index >= len(self._row):
            return None
        return self._row[index]

    def _field(self, key: str, parse: Callable[[object], T]) -> T | None:
        try:
            return parse(self._cell(key))
        except IdentifierError as error:
            self._report(key, error)
            return None

    def _optional_field(self, key: str, parse: Callable[[object], T]) -> T | None:
        """Blank is allowed: phone and salary are optional, and a first-time participant
        has no mã số BHXH until the agency issues one."""
        if _is_blank(self._cell(key)):
            return None
        return self._field(key, parse)

    def _check_duplicate(self, key: str, value: str, seen: dict[str, int], code: str) -> None:
        first_row = seen.setdefault(value, self._row_number)
        if first_row != self._row_number:
            self._report(key, IdentifierError.of(code, value=value, first_row=first_row))

    def _report(self, key: str, error: IdentifierError) -> None:
        index = self.positions[key]
        issue = _issue(self._row_number, index, self.headers[key], error)
        self._row_issues.append((index, issue))


def _issue(
    row: int | None, column_index: int | None, header: str | None, error: IdentifierError
) -> SheetIssue:
    return SheetIssue(
        row=row,
        column=None if column_index is None else column_letter(column_index),
        column_header=header,
        code=error.code,
        message=error.message,
        message_en=error.message_en,
    )


def _is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return format_vn_date(cell.date())
    if isinstance(cell, date):
        return format_vn_date(cell)
    return str(cell).strip()


def _identifier_text(cell: object, length: int, parse: Callable[[str], object]) -> str:
    """The text of an ID cell, refusing numbers whose leading zeros Excel dropped.

    A cell typed as a number loses its leading zeros (001099012345 becomes 1099012345). When
    putting the zeros back would give a valid value, that is almost surely what happened, and
    the user must fix the column format: the agency needs the digits as text.
    """
    is_number = isinstance(cell, int | float) and not isinstance(cell, bool)
    text = _cell_text(cell)
    if is_number and text.isdigit() and len(text) < length:
        padded = text.zfill(length)
        try:
            parse(padded)
        except IdentifierError:
            return text
        raise IdentifierError.of("SHEET_LEADING_ZEROS_LOST", value=text, padded=padded)
    return text


def _parse_birth_date(cell: object, today: date) -> date:
    if _is_blank(cell):
        raise IdentifierError.of("SHEET_BIRTH_DATE_EMPTY")
    if isinstance(cell, datetime):
        value = cell.date()
    elif isinstance(cell, date):
        value = cell
    else:
        value = _date_from_text(_cell_text(cell))
    if value > today:
        raise IdentifierError.of("SHEET_BIRTH_DATE_FUTURE", value=format_vn_date(value))
    return value


def _date_from_text(text: str) -> date:
    parsed = parse_vn_date(text, allow_iso=True)
    if parsed is None:
        raise IdentifierError.of("SHEET_BIRTH_DATE_INVALID", value=text)
    return parsed


def _parse_gender_cell(cell: object) -> Gender:
    if _is_blank(cell):
        raise IdentifierError.of("SHEET_GENDER_EMPTY")
    return parse_gender(_cell_text(cell))


_AMOUNT = re.compile(r"(-?)(\d{1,3}(?:([.,\s])\d{3})(?:\3\d{3})*|\d+)")


def _parse_salary(cell: object) -> int:
    """Whole dong; thousands may be grouped with dots, commas or spaces (5.000.000)."""
    if isinstance(cell, bool) or not isinstance(cell, int | float | str):
        raise IdentifierError.of("SHEET_SALARY_FORMAT", value=_cell_text(cell))
    if isinstance(cell, float) and not cell.is_integer():
        raise IdentifierError.of("SHEET_SALARY_FORMAT", value=_cell_text(cell))
    if isinstance(cell, int | float):
        amount = int(cell)
    else:
        match = _AMOUNT.fullmatch(cell.strip())
        if match is None:
            raise IdentifierError.of("SHEET_SALARY_FORMAT", value=cell.strip())
        amount = int(re.sub(r"\D", "", match[2])) * (-1 if match[1] else 1)
    if amount <= 0:
        raise IdentifierError.of("SHEET_SALARY_NOT_POSITIVE", value=_cell_text(cell))
    return amount
