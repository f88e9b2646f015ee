"""The organisation-structure sheet ("Đồng bộ cơ cấu tổ chức"): read, check, plan, write.

One row per node: Mã, Tên, Mã đơn vị cha, MST, Địa chỉ, Tỉnh (header in row 1). Reading
and checking are pure (no database): the caller passes the nodes the company already has
and the province list, and gets back every bad cell with its row, column and a Vietnamese
reason, or a plan (create / update / unchanged per row) that `services.org_import_apply`
carries out in one transaction. Export writes the same columns, so a sheet exported and
imported again changes nothing.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from ebhxh.identifiers import IdentifierError, parse_tax_code
from ebhxh.identifiers.employee_sheet import column_letter
from ebhxh.identifiers.text import fold

MAX_ROWS: Final = 2000
MAX_CODE: Final = 50
MAX_NAME: Final = 300
MAX_ADDRESS: Final = 300
CODE_PATTERN: Final = re.compile(r"^[A-Za-z0-9._\-]+$")
EXCEL_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
CSV_SUFFIXES: Final = frozenset({".csv"})


@dataclass(frozen=True)
class SheetColumn:
    key: str
    header: str
    aliases: frozenset[str]


COLUMNS: Final = (
    SheetColumn("code", "Mã", frozenset({"ma", "ma don vi", "ma to chuc"})),
    SheetColumn("name", "Tên", frozenset({"ten", "ten don vi", "ten to chuc"})),
    SheetColumn(
        "parent_code", "Mã đơn vị cha", frozenset({"ma don vi cha", "ma cha", "ma cap tren"})
    ),
    SheetColumn("tax_code", "MST", frozenset({"mst", "ma so thue"})),
    SheetColumn("address", "Địa chỉ", frozenset({"dia chi"})),
    SheetColumn("province", "Tỉnh", frozenset({"tinh", "tinh thanh pho", "tinh thanh"})),
)
HEADERS: Final = tuple(column.header for column in COLUMNS)
FIELD_LABELS: Final = {
    "name": "tên",
    "parent_code": "đơn vị cha",
    "tax_code": "MST",
    "address": "địa chỉ",
    "province_code": "tỉnh",
}

_FIX = "Sửa ô này trong bảng rồi tải lên lại."
REASONS: Final[Mapping[str, str]] = {
    "ORG_SHEET_FILE_TYPE": (
        "Tệp {file} không phải bảng tính được hỗ trợ. Lưu dưới dạng Excel (.xlsx) hoặc CSV "
        "UTF-8 (.csv) rồi tải lên lại."
    ),
    "ORG_SHEET_UNREADABLE": (
        "Không đọc được tệp {file} ({reason}). Mở tệp bằng Excel, lưu lại dưới dạng .xlsx "
        "rồi tải lên lại."
    ),
    "ORG_SHEET_ENCODING": (
        "Tệp {file} không phải văn bản UTF-8 nên tiếng Việt sẽ bị lỗi phông. Trong Excel chọn "
        "Lưu thành → CSV UTF-8 (.csv) rồi tải lên lại."
    ),
    "ORG_SHEET_TOO_MANY_ROWS": (
        "Tệp có hơn {limit} dòng. Tách cơ cấu tổ chức thành nhiều tệp (đơn vị cha trước) rồi "
        "nhập lần lượt."
    ),
    "ORG_SHEET_NO_HEADER": (
        "Dòng 1 phải là dòng tiêu đề: Mã, Tên, Mã đơn vị cha, MST, Địa chỉ, Tỉnh. Tải tệp mẫu "
        "để xem đúng định dạng."
    ),
    "ORG_SHEET_MISSING_COLUMN": (
        "Bảng thiếu cột: {columns}. Thêm cột với đúng tiêu đề ở dòng 1 (xem tệp mẫu) rồi tải "
        "lên lại."
    ),
    "ORG_SHEET_DUPLICATE_COLUMN": (
        "Cột {column} trùng tiêu đề '{header}' với cột {first}. Xoá hoặc đổi tên một cột."
    ),
    "ORG_SHEET_EMPTY": "Bảng không có dòng dữ liệu nào (dữ liệu bắt đầu từ dòng 2).",
    "ORG_CODE_EMPTY": "Chưa nhập mã đơn vị. " + _FIX,
    "ORG_CODE_LENGTH": "Mã '{value}' dài {length} ký tự; mã tối đa {limit} ký tự. " + _FIX,
    "ORG_CODE_CHARACTERS": (
        "Mã '{value}' chỉ được gồm chữ cái không dấu, chữ số và các dấu . _ - (không có "
        "khoảng trắng). " + _FIX
    ),
    "ORG_CODE_DUPLICATE": (
        "Mã '{value}' đã có ở dòng {first_row}. Mỗi đơn vị một mã riêng. " + _FIX
    ),
    "ORG_NAME_EMPTY": "Chưa nhập tên đơn vị. " + _FIX,
    "ORG_NAME_LENGTH": "Tên dài {length} ký tự; tên tối đa {limit} ký tự. " + _FIX,
    "ORG_PARENT_SELF": "Đơn vị '{value}' không thể là đơn vị cha của chính nó. " + _FIX,
    "ORG_PARENT_NOT_FOUND": (
        "Mã đơn vị cha '{value}' không có trong bảng và chưa có trong cơ cấu tổ chức. Thêm "
        "dòng cho đơn vị '{value}' hoặc sửa lại mã."
    ),
    "ORG_PARENT_CYCLE": (
        "Mã đơn vị cha tạo thành vòng lặp: {path}. Một đơn vị không thể nằm dưới chính đơn "
        "vị cấp dưới của nó. " + _FIX
    ),
    "ORG_TAX_CODE_NUMBER": (
        "MST '{value}' bị Excel lưu dạng số nên mất số 0 ở đầu. Định dạng cột MST là Văn bản "
        "(Text), nhập lại MST đủ 10 hoặc 13 chữ số rồi tải lên lại."
    ),
    "ORG_ADDRESS_LENGTH": "Địa chỉ dài {length} ký tự; tối đa {limit} ký tự. " + _FIX,
    "ORG_PROVINCE_UNKNOWN": (
        "Không có tỉnh, thành phố '{value}' trong danh mục 34 tỉnh, thành phố (sau sắp xếp "
        "năm 2025). Ghi tên (ví dụ Thành phố Hà Nội) hoặc mã 2 chữ số (ví dụ 01)."
    ),
}


@dataclass(frozen=True)
class RowIssue:
    """One bad cell (or row, or the file when `row` is None)."""

    row: int | None
    column: str | None
    header: str | None
    code: str
    message: str

    @property
    def location(self) -> str:
        if self.row is None:
            return "Tệp"
        if self.column is None:
            return f"Dòng {self.row}"
        return f"Dòng {self.row}, cột {self.column} ({self.header})"


def _issue(row: int | None, key: str | None, code: str, **params: object) -> RowIssue:
    column = None
    header = None
    if key is not None:
        index = [c.key for c in COLUMNS].index(key)
        column, header = column_letter(index), COLUMNS[index].header
    return RowIssue(row, column, header, code, REASONS[code].format(**params))


class SheetRejected(Exception):
    """The file as a whole cannot be read; `issues` say why."""

    def __init__(self, issues: Sequence[RowIssue]) -> None:
        super().__init__("; ".join(issue.message for issue in issues))
        self.issues = tuple(issues)


@dataclass(frozen=True)
class OrgRow:
    """A row whose cells passed their own checks; `province_code` is the 2-digit code."""

    row: int
    code: str
    name: str
    parent_code: str
    tax_code: str
    address: str
    province_code: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OrgRow:
        return cls(**{key: data[key] for key in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ExistingNode:
    code: str
    name: str
    parent_code: str
    tax_code: str
    address: str
    province_code: str


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class PlannedRow:
    row: OrgRow
    action: Action
    changes: tuple[str, ...]


@dataclass(frozen=True)
class SheetCheck:
    rows: tuple[OrgRow, ...]
    issues: tuple[RowIssue, ...]
    plan: tuple[PlannedRow, ...]

    @property
    def ok(self) -> bool:
        return not self.issues and bool(self.rows)

    def count(self, action: Action) -> int:
        return sum(1 for planned in self.plan if planned.action == action)


# --- provinces --------------------------------------------------------------------------------

_PROVINCE_PREFIXES: Final = ("thanh pho ", "tinh ", "tp ")


def province_lookup(provinces: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """Every accepted spelling (folded) of each (code, name, codename) -> its code:
    '01', 'Thành phố Hà Nội', 'Hà Nội', 'TP Hà Nội', 'ha_noi'."""
    lookup: dict[str, str] = {}
    for code, name, codename in provinces:
        folded = fold(name)
        lookup[code] = code
        lookup[folded] = code
        lookup[fold(codename.replace("_", " "))] = code
        for prefix in _PROVINCE_PREFIXES:
            if folded.startswith(prefix):
                lookup[folded.removeprefix(prefix)] = code
    return lookup


# --- reading ----------------------------------------------------------------------------------


def read_rows(data: bytes, filename: str) -> list[tuple[object, ...]]:
    """The cells of the first worksheet (or the CSV), header first; SheetRejected if not."""
    suffix = Path(filename).suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_xlsx(data, filename)
    if suffix in CSV_SUFFIXES:
        return _read_csv(data, filename)
    raise SheetRejected([_issue(None, None, "ORG_SHEET_FILE_TYPE", file=filename or "?")])


def _read_xlsx(data: bytes, name: str) -> list[tuple[object, ...]]:
    from openpyxl import load_workbook

    try:  # any exception: a corrupt upload fails deep inside openpyxl
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise SheetRejected(
            [_issue(None, None, "ORG_SHEET_UNREADABLE", file=name, reason=type(error).__name__)]
        ) from error
    try:
        if not workbook.worksheets:
            return []
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        return _bounded(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def _read_csv(data: bytes, name: str) -> list[tuple[object, ...]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SheetRejected([_issue(None, None, "ORG_SHEET_ENCODING", file=name)]) from error
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        return _bounded(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise SheetRejected(
            [_issue(None, None, "ORG_SHEET_UNREADABLE", file=name, reason=str(error))]
        ) from error


def _bounded(rows: Iterable[Sequence[object]]) -> list[tuple[object, ...]]:
    kept: list[tuple[object, ...]] = []
    filled = 0
    for row in rows:
        kept.append(tuple(row))
        if any(not _blank(cell) for cell in row):
            filled += 1
            if filled > MAX_ROWS + 1:
                raise SheetRejected([_issue(None, None, "ORG_SHEET_TOO_MANY_ROWS", limit=MAX_ROWS)])
    return kept


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return " ".join(str(cell).split())


# --- checking ---------------------------------------------------------------------------------


def check_sheet(
    raw_rows: Sequence[Sequence[object]],
    *,
    existing: Mapping[str, ExistingNode],
    provinces: Mapping[str, str],
) -> SheetCheck:
    """Every issue of the sheet against the company's current nodes, and the plan if none."""
    header = raw_rows[0] if raw_rows else ()
    if all(_blank(cell) for cell in header):
        return SheetCheck((), (_issue(1, None, "ORG_SHEET_NO_HEADER"),), ())
    positions, header_issues = _map_columns(header)
    missing = [c.header for c in COLUMNS if c.key not in positions]
    if missing:
        issue = _issue(1, None, "ORG_SHEET_MISSING_COLUMN", columns=", ".join(missing))
        return SheetCheck((), (*header_issues, issue), ())
    if header_issues:
        return SheetCheck((), tuple(header_issues), ())
    rows: list[OrgRow] = []
    issues: list[RowIssue] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(raw_rows[1:], start=2):
        if all(_blank(cell) for cell in raw):
            continue
        cells = {key: raw[index] if index < len(raw) else None for key, index in positions.items()}
        row, row_issues = _check_cells(number, cells, provinces, seen)
        issues.extend(row_issues)
        if row is not None:
            rows.append(row)
    if not rows and not issues:
        return SheetCheck((), (_issue(None, None, "ORG_SHEET_EMPTY"),), ())
    issues.extend(check_structure(rows, existing=existing, known_codes=seen))
    issues.sort(key=lambda issue: (issue.row or 0, issue.column or ""))
    if issues:
        return SheetCheck(tuple(rows), tuple(issues), ())
    return SheetCheck(tuple(rows), (), plan(rows, existing=existing))


def _map_columns(header: Sequence[object]) -> tuple[dict[str, int], list[RowIssue]]:
    positions: dict[str, int] = {}
    issues: list[RowIssue] = []
    for index, cell in enumerate(header):
        title = _text(cell)
        folded = fold(re.sub(r"\(.*?\)|\*", " ", title))
        for column in COLUMNS:
            if folded not in column.aliases:
                continue
            if column.key in positions:
                code = "ORG_SHEET_DUPLICATE_COLUMN"
                message = REASONS[code].format(
                    column=column_letter(index),
                    header=title,
                    first=column_letter(positions[column.key]),
                )
                issues.append(RowIssue(1, column_letter(index), title, code, message))
            else:
                positions[column.key] = index
    return positions, issues


def _check_cells(
    number: int,
    cells: Mapping[str, object],
    provinces: Mapping[str, str],
    seen: dict[str, int],
) -> tuple[OrgRow | None, list[RowIssue]]:
    issues: list[RowIssue] = []

    def bad(key: str, code: str, **params: object) -> None:
        issues.append(_issue(number, key, code, **params))

    code = _text(cells["code"])
    if not code:
        bad("code", "ORG_CODE_EMPTY")
    elif len(code) > MAX_CODE:
        bad("code", "ORG_CODE_LENGTH", value=code[:60], length=len(code), limit=MAX_CODE)
    elif not CODE_PATTERN.match(code):
        bad("code", "ORG_CODE_CHARACTERS", value=code)
    elif code in seen:
        bad("code", "ORG_CODE_DUPLICATE", value=code, first_row=seen[code])
    else:
        seen[code] = number
    name = _text(cells["name"])
    if not name:
        bad("name", "ORG_NAME_EMPTY")
    elif len(name) > MAX_NAME:
        bad("name", "ORG_NAME_LENGTH", length=len(name), limit=MAX_NAME)
    parent_code = _text(cells["parent_code"])
    if parent_code and code and parent_code == code:
        bad("parent_code", "ORG_PARENT_SELF", value=code)
    tax_code = _tax_code(cells["tax_code"], number, issues)
    address = _text(cells["address"])
    if len(address) > MAX_ADDRESS:
        bad("address", "ORG_ADDRESS_LENGTH", length=len(address), limit=MAX_ADDRESS)
    province = _text(cells["province"])
    province_code = ""
    if province:
        province_code = provinces.get(province) or provinces.get(fold(province), "")
        if not province_code:
            bad("province", "ORG_PROVINCE_UNKNOWN", value=province)
    if issues:
        return None, issues
    row = OrgRow(number, code, name, parent_code, tax_code, address, province_code)
    return row, issues


def _tax_code(cell: object, number: int, issues: list[RowIssue]) -> str:
    text = _text(cell)
    if not text:
        return ""
    try:
        return parse_tax_code(text).value
    except IdentifierError as error:
        if isinstance(cell, int | float) and len(text) in (8, 9, 11, 12):
            issues.append(_issue(number, "tax_code", "ORG_TAX_CODE_NUMBER", value=text))
        else:
            index = [c.key for c in COLUMNS].index("tax_code")
            issues.append(RowIssue(number, column_letter(index), "MST", error.code, error.message))
        return ""


def check_structure(
    rows: Sequence[OrgRow],
    *,
    existing: Mapping[str, ExistingNode],
    known_codes: Iterable[str] = (),
) -> list[RowIssue]:
    """Parents that exist (in the sheet or already) and no cycles once the sheet is applied.

    `known_codes` are codes of sheet rows that failed their own checks: a child of such a
    row is not reported again, the row itself already is.
    """
    issues: list[RowIssue] = []
    parents = {code: node.parent_code for code, node in existing.items()}
    parents.update({row.code: row.parent_code for row in rows})
    known = set(parents) | set(known_codes)
    for row in rows:
        if not row.parent_code or row.parent_code == row.code:
            continue
        if row.parent_code not in known:
            issues.append(
                _issue(row.row, "parent_code", "ORG_PARENT_NOT_FOUND", value=row.parent_code)
            )
            continue
        path = [row.code]
        current = row.parent_code
        while current and len(path) <= len(parents):
            path.append(current)
            if current == row.code:
                issues.append(
                    _issue(row.row, "parent_code", "ORG_PARENT_CYCLE", path=" → ".join(path))
                )
                break
            current = parents.get(current, "")
    return issues


def plan(rows: Sequence[OrgRow], *, existing: Mapping[str, ExistingNode]) -> tuple[PlannedRow, ...]:
    planned: list[PlannedRow] = []
    for row in rows:
        node = existing.get(row.code)
        if node is None:
            planned.append(PlannedRow(row, Action.CREATE, ()))
            continue
        changes = tuple(
            label
            for field, label in FIELD_LABELS.items()
            if getattr(row, field) != getattr(node, field)
        )
        planned.append(PlannedRow(row, Action.UPDATE if changes else Action.UNCHANGED, changes))
    return tuple(planned)


# --- writing ----------------------------------------------------------------------------------


def export_rows(
    nodes: Sequence[ExistingNode], *, province_names: Mapping[str, str]
) -> list[tuple[str, ...]]:
    """Header then one row per node, parents before children, as the import reads them."""
    by_parent: dict[str, list[ExistingNode]] = {}
    for node in nodes:
        by_parent.setdefault(node.parent_code, []).append(node)
    ordered: list[ExistingNode] = []

    def walk(parent: str) -> None:
        for node in sorted(by_parent.get(parent, []), key=lambda n: n.code):
            ordered.append(node)
            walk(node.code)

    walk("")
    rows: list[tuple[str, ...]] = [HEADERS]
    for node in ordered:
        rows.append(
            (
                node.code,
                node.name,
                node.parent_code,
                node.tax_code,
                node.address,
                province_names.get(node.province_code, ""),
            )
        )
    return rows


def to_csv(rows: Sequence[Sequence[str]]) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Vietnamese text correctly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Sequence[Sequence[str]]) -> bytes:
    """Every cell as text (number format '@'), so MSTs keep their leading zeros."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Cơ cấu tổ chức"
    for values in rows:
        sheet.append(list(values))
    for row in sheet.iter_rows():
        for cell in row:
            cell.number_format = "@"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (14, 40, 16, 16, 40, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
