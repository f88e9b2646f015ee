"""Procedure 600 (báo tăng, giảm, điều chỉnh lao động): the D02-TS list from a sheet or the page.

Both ways of preparing the list end as the same table (header in row 1), checked in one
pass: the person's cells by the employee-sheet check every I-VAN screen uses
(`ebhxh.identifiers.employee_sheet`: CCCD against birth date and gender, leading zeros
lost by Excel, duplicates), then the D02 columns (Phương án, Từ tháng, and the rules that
tie them to Mã số BHXH and Mức lương), so the user sees every bad cell at once. A table
without issues is built into the form and read back by the gateway's own D02-TS reader;
a fault it still finds is mapped from its XPath back to the cell.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from ebhxh.dossiers.errors import DossierFormatError
from ebhxh.dossiers.forms.business import (
    D02_CODE,
    ChangeKind,
    D02Employee,
    D02Report,
    Plan,
    build_d02,
    parse_d02,
)
from ebhxh.identifiers.employee_sheet import (
    COLUMNS as PERSON_COLUMNS,
)
from ebhxh.identifiers.employee_sheet import (
    SheetIssue,
    check_employee_rows,
    column_letter,
)
from ebhxh.identifiers.text import fold
from ebhxh.vntime import today_in_vietnam

PROCEDURE_CODE: Final = "600"
FORM_DESCRIPTION: Final = "Báo cáo tình hình sử dụng lao động (D02-TS)"
_MONTH = re.compile(r"^(0?[1-9]|1[0-2])[/\-.](\d{4})$")


@dataclass(frozen=True)
class D02Column:
    key: str
    header: str
    required: bool
    aliases: frozenset[str]


D02_COLUMNS: Final = (
    D02Column("plan", "Phương án", True, frozenset({"phuong an", "ma phuong an"})),
    D02Column("from_month", "Từ tháng", True, frozenset({"tu thang", "tu thang nam"})),
    D02Column(
        "position", "Chức vụ", False, frozenset({"chuc vu", "chuc danh", "chuc vu chuc danh"})
    ),
    D02Column("note", "Ghi chú", False, frozenset({"ghi chu"})),
)
# The template's columns, in order (the person's columns first, as the employee sheet).
HEADERS: Final = (
    "Họ và tên",
    "Mã số BHXH",
    "Số CCCD",
    "Ngày sinh",
    "Giới tính",
    "Chức vụ",
    "Mức lương",
    "Phương án",
    "Từ tháng",
    "Ghi chú",
)
# Which sheet column holds the field a D02-TS XPath points at.
_XPATH_FIELDS: Final = {
    "HoTen": "Họ và tên",
    "MaSoBHXH": "Mã số BHXH",
    "SoCCCD": "Số CCCD",
    "NgaySinh": "Ngày sinh",
    "GioiTinh": "Giới tính",
    "ChucVu": "Chức vụ",
    "MucLuong": "Mức lương",
    "PhuongAn": "Phương án",
    "TuThang": "Từ tháng",
    "GhiChu": "Ghi chú",
}
_ROW_XPATH = re.compile(r"/ToKhai/DanhSach/LaoDong\[(\d+)\](?:/(\w+))?")


@dataclass(frozen=True)
class D02Check:
    """Every issue of the table, or (when there is none) the form ready to file."""

    rows_checked: int
    issues: tuple[SheetIssue, ...]
    report: D02Report | None
    xml: bytes = b""

    @property
    def ok(self) -> bool:
        return not self.issues and self.report is not None

    def counts(self) -> dict[str, int]:
        return self.report.counts() if self.report else {kind.value: 0 for kind in ChangeKind}


def _issue(
    row: int | None, column: int | None, header: str | None, code: str, message: str
) -> SheetIssue:
    return SheetIssue(
        row=row,
        column=None if column is None else column_letter(column),
        column_header=header,
        code=code,
        message=message,
        message_en=message,
    )


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return " ".join(str(cell).split())


def _month(cell: object) -> str:
    if isinstance(cell, datetime | date):
        return f"{cell.month:02d}/{cell.year:04d}"
    match = _MONTH.match(_text(cell))
    if match is None:
        raise ValueError
    return f"{int(match[1]):02d}/{match[2]}"


def _positions(header: Sequence[object]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        folded = fold(re.sub(r"\(.*?\)|\*", " ", _text(cell)))
        for column in D02_COLUMNS:
            if folded in column.aliases and column.key not in positions:
                positions[column.key] = index
    return positions


def _person_position(header: Sequence[object], title: str) -> int | None:
    wanted = next(c for c in PERSON_COLUMNS if c.header == title)
    for index, cell in enumerate(header):
        if fold(re.sub(r"\(.*?\)|\*", " ", _text(cell))) in wanted.aliases:
            return index
    return None


def _column_of(header: Sequence[object], title: str) -> int | None:
    for column in D02_COLUMNS:
        if column.header == title:
            return _positions(header).get(column.key)
    return _person_position(header, title)


def check_d02_rows(
    rows: Sequence[Sequence[object]],
    *,
    period: str,
    unit_code: str,
    unit_name: str = "",
    today: date | None = None,
) -> D02Check:
    """Check a D02 table (header first) and, when clean, build and re-read the form."""
    today = today or today_in_vietnam()
    person = check_employee_rows(rows, today=today)
    header = rows[0] if rows else ()
    if person.rows_checked == 0 and person.issues:
        return D02Check(0, person.issues, None)
    positions = _positions(header)
    missing = [c.header for c in D02_COLUMNS if c.required and c.key not in positions]
    if missing:
        issue = _issue(
            1,
            None,
            None,
            "D02_MISSING_COLUMN",
            f"Bảng thiếu cột: {', '.join(missing)}. Thêm cột với đúng tiêu đề ở dòng 1 (xem tệp "
            "mẫu) rồi tải lên lại.",
        )
        return D02Check(person.rows_checked, (*person.issues, issue), None)
    issues = list(person.issues)
    extras: dict[int, tuple[Plan, str, str, str]] = {}
    bhxh_col = _person_position(header, "Mã số BHXH")
    salary_col = _person_position(header, "Mức lương")
    for number, row in enumerate(rows[1:], start=2):
        if all(_text(cell) == "" for cell in row):
            continue

        def cell(key: str, row: Sequence[object] = row) -> object:
            index = positions.get(key)
            return row[index] if index is not None and index < len(row) else None

        plan_text = _text(cell("plan")).upper()
        plan: Plan | None = None
        try:
            plan = Plan(plan_text)
        except ValueError:
            allowed = ", ".join(f"{p.value} ({p.label})" for p in Plan)
            issues.append(
                _issue(
                    number,
                    positions["plan"],
                    "Phương án",
                    "D02_PLAN",
                    f"Phương án '{plan_text}' không hợp lệ; ghi một trong: {allowed}.",
                )
            )
        try:
            month = _month(cell("from_month"))
        except ValueError:
            month = ""
            issues.append(
                _issue(
                    number,
                    positions["from_month"],
                    "Từ tháng",
                    "D02_FROM_MONTH",
                    f"Từ tháng '{_text(cell('from_month'))}' phải có dạng MM/yyyy, ví dụ "
                    f"{today:%m/%Y}.",
                )
            )
        if plan is not None:
            has_number = bhxh_col is not None and bhxh_col < len(row) and _text(row[bhxh_col])
            if plan is not Plan.NEW and not has_number:
                issues.append(
                    _issue(
                        number,
                        bhxh_col,
                        "Mã số BHXH",
                        "D02_BHXH_REQUIRED",
                        f"Phương án {plan.value} ({plan.label}) cần mã số BHXH của người lao "
                        "động; chỉ người tham gia lần đầu (TM) mới được để trống.",
                    )
                )
            has_salary = salary_col is not None and salary_col < len(row) and _text(row[salary_col])
            if plan.kind is not ChangeKind.DECREASE and not has_salary:
                issues.append(
                    _issue(
                        number,
                        salary_col,
                        "Mức lương",
                        "D02_SALARY_REQUIRED",
                        f"Phương án {plan.value} ({plan.label}) cần mức lương đóng BHXH "
                        "(số đồng, ví dụ 8000000).",
                    )
                )
            if plan is not None and month:
                extras[number] = (plan, month, _text(cell("position")), _text(cell("note")))
    issues.sort(key=lambda i: (i.row or 0, i.column or ""))
    if issues or not person.employees:
        if not person.employees and not issues:
            issues.append(
                _issue(None, None, None, "D02_EMPTY", "Danh sách chưa có người lao động nào.")
            )
        return D02Check(person.rows_checked, tuple(issues), None)
    employees = []
    for record in person.employees:
        plan, month, position, note = extras[record.row]
        employees.append(
            D02Employee(
                full_name=record.full_name,
                insurance_number=record.insurance_number.value if record.insurance_number else "",
                citizen_id=record.citizen_id.value,
                birth_date=record.birth_date,
                gender=record.gender,
                plan=plan,
                from_month=month,
                position=position,
                salary=record.salary,
                note=note,
            )
        )
    report = D02Report(
        period=period, unit_code=unit_code, employees=tuple(employees), unit_name=unit_name
    )
    xml = build_d02(report)
    try:
        parse_d02(xml)  # the gateway's reader: "one validator, both sides"
    except DossierFormatError as error:
        data_rows = [r.row for r in person.employees]
        return D02Check(person.rows_checked, (_from_xpath(error, header, data_rows),), None)
    return D02Check(person.rows_checked, (), report, xml)


def _from_xpath(error: DossierFormatError, header: Sequence[object], rows: list[int]) -> SheetIssue:
    """The sheet cell a D02-TS fault points at (`/ToKhai/DanhSach/LaoDong[3]/MaSoBHXH`)."""
    match = _ROW_XPATH.match(error.xpath)
    if match is None:
        return _issue(None, None, None, error.code, f"{error.detail} ({error.xpath})")
    index = int(match[1]) - 1
    row = rows[index] if 0 <= index < len(rows) else None
    title = _XPATH_FIELDS.get(match[2] or "")
    column = _column_of(header, title) if title else None
    return _issue(row, column, title, error.code, error.detail)


def form_file_name(unit_tax_code: str, period: str) -> str:
    month, year = period.split("/")
    return f"{D02_CODE}_{unit_tax_code}_{year}{month}.xml"


def template_rows() -> list[tuple[object, ...]]:
    """The template's header and one example row."""
    return [
        HEADERS,
        (
            "Nguyễn Văn Bình",
            "0123456789",
            "001090012345",
            "01/02/1990",
            "Nam",
            "Kế toán",
            "8000000",
            "TM",
            today_in_vietnam().strftime("%m/%Y"),
            "",
        ),
    ]
