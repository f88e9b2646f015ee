"""Forms of the business procedures, starting with D02-TS of procedure 600.

D02-TS (báo cáo tình hình sử dụng lao động) lists the employees whose participation changes
this period: each row says who (mã số BHXH, CCCD, name, birth date, gender), what (phương án:
tăng, giảm or điều chỉnh), from which month, with the position and the salary contributions
are computed on. Every fault points at its field, e.g. `/ToKhai/DanhSach/LaoDong[3]/MaSoBHXH`.

```xml
<ToKhai>
  <MaToKhai>D02-TS</MaToKhai><KyKeKhai>11/2026</KyKeKhai><MaDonVi>TA0123K</MaDonVi>
  <DanhSach>
    <LaoDong><STT>1</STT><HoTen>Nguyễn Văn Bình</HoTen><MaSoBHXH>0123456789</MaSoBHXH>
      <SoCCCD>001090012345</SoCCCD><NgaySinh>01/02/1990</NgaySinh><GioiTinh>Nam</GioiTinh>
      <ChucVu>Kế toán</ChucVu><MucLuong>8000000</MucLuong><PhuongAn>TM</PhuongAn>
      <TuThang>11/2026</TuThang><GhiChu/></LaoDong>
  </DanhSach>
  <Cky/>
</ToKhai>
```
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree

from ebhxh.dossiers.errors import DossierFormatError
from ebhxh.dossiers.forms.registry import FormCodec, register
from ebhxh.dossiers.reading import ElementReader, add_text
from ebhxh.identifiers import (
    Gender,
    IdentifierError,
    parse_citizen_id,
    parse_gender,
    parse_insurance_number,
    parse_unit_code,
)
from ebhxh.vntime import today_in_vietnam
from ebhxh.xmldsig import parse_xml

D02_CODE = "D02-TS"
FORM_ROOT = "ToKhai"
SIGNATURE_PARENT = "Cky"
MAX_ROWS = 5000
_PERIOD = re.compile(r"^(0[1-9]|1[0-2])/(\d{4})$")
_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_AMOUNT = re.compile(r"^[1-9]\d{0,11}$")
_FIELDS = ("MaToKhai", "KyKeKhai", "MaDonVi", "TenDonVi", "DanhSach", SIGNATURE_PARENT)
_ROW_FIELDS = (
    "STT",
    "HoTen",
    "MaSoBHXH",
    "SoCCCD",
    "NgaySinh",
    "GioiTinh",
    "ChucVu",
    "MucLuong",
    "PhuongAn",
    "TuThang",
    "GhiChu",
)


class ChangeKind(enum.StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    ADJUSTMENT = "adjustment"


class Plan(enum.StrEnum):
    """Phương án: what happens to the employee's participation."""

    NEW = "TM"  # tăng mới
    TRANSFER_IN = "TC"  # tăng do chuyển từ đơn vị khác đến
    LEAVE = "GH"  # giảm hẳn (nghỉ việc)
    TRANSFER_OUT = "GC"  # giảm do chuyển sang đơn vị khác
    SALARY = "DL"  # điều chỉnh mức lương
    POSITION = "DC"  # điều chỉnh chức vụ, chức danh

    @property
    def kind(self) -> ChangeKind:
        return _PLAN_KINDS[self]

    @property
    def label(self) -> str:
        return _PLAN_LABELS[self]


_PLAN_KINDS = {
    Plan.NEW: ChangeKind.INCREASE,
    Plan.TRANSFER_IN: ChangeKind.INCREASE,
    Plan.LEAVE: ChangeKind.DECREASE,
    Plan.TRANSFER_OUT: ChangeKind.DECREASE,
    Plan.SALARY: ChangeKind.ADJUSTMENT,
    Plan.POSITION: ChangeKind.ADJUSTMENT,
}
_PLAN_LABELS = {
    Plan.NEW: "Tăng mới",
    Plan.TRANSFER_IN: "Tăng do chuyển đến",
    Plan.LEAVE: "Giảm hẳn",
    Plan.TRANSFER_OUT: "Giảm do chuyển đi",
    Plan.SALARY: "Điều chỉnh mức lương",
    Plan.POSITION: "Điều chỉnh chức vụ, chức danh",
}


@dataclass(frozen=True, slots=True)
class D02Employee:
    """One `LaoDong` row. `insurance_number` is empty only for a new participant (TM), who
    gets a mã số BHXH from the agency; `salary` is None only on a decrease."""

    full_name: str
    insurance_number: str
    citizen_id: str
    birth_date: date
    gender: Gender
    plan: Plan
    from_month: str
    position: str = ""
    salary: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class D02Report:
    period: str
    unit_code: str
    employees: tuple[D02Employee, ...]
    unit_name: str = ""

    def counts(self) -> dict[str, int]:
        """How many rows of each kind (for the dossier's result)."""
        counts = {kind.value: 0 for kind in ChangeKind}
        for employee in self.employees:
            counts[employee.plan.kind.value] += 1
        return counts


def _format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def build_d02(report: D02Report) -> bytes:
    """The unsigned form with an empty `Cky` for the unit's signature."""
    root = etree.Element(FORM_ROOT)
    add_text(root, "MaToKhai", D02_CODE)
    add_text(root, "KyKeKhai", report.period)
    add_text(root, "MaDonVi", report.unit_code)
    if report.unit_name:
        add_text(root, "TenDonVi", report.unit_name)
    rows = etree.SubElement(root, "DanhSach")
    for index, employee in enumerate(report.employees, start=1):
        row = etree.SubElement(rows, "LaoDong")
        add_text(row, "STT", str(index))
        add_text(row, "HoTen", employee.full_name)
        add_text(row, "MaSoBHXH", employee.insurance_number)
        add_text(row, "SoCCCD", employee.citizen_id)
        add_text(row, "NgaySinh", _format_date(employee.birth_date))
        add_text(row, "GioiTinh", "Nữ" if employee.gender == "female" else "Nam")
        add_text(row, "ChucVu", employee.position)
        add_text(row, "MucLuong", "" if employee.salary is None else str(employee.salary))
        add_text(row, "PhuongAn", employee.plan.value)
        add_text(row, "TuThang", employee.from_month)
        if employee.note:
            add_text(row, "GhiChu", employee.note)
    etree.SubElement(root, SIGNATURE_PARENT)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _period(value: str) -> str:
    if not _PERIOD.match(value):
        raise ValueError("phải có dạng MM/yyyy")
    return value


def _date(value: str) -> date:
    match = _DATE.match(value)
    if match is None:
        raise ValueError("ngày phải có dạng dd/MM/yyyy")
    day, month, year = (int(part) for part in match.groups())
    parsed = date(year, month, day)
    if parsed > today_in_vietnam():
        raise ValueError("ngày sinh không thể sau ngày hôm nay")
    return parsed


def _plan(value: str) -> Plan:
    try:
        return Plan(value.upper())
    except ValueError:
        allowed = ", ".join(f"{plan.value} ({plan.label})" for plan in Plan)
        raise ValueError(f"phương án phải là một trong: {allowed}") from None


def _amount(value: str) -> int:
    if not _AMOUNT.match(value):
        raise ValueError("mức lương là số đồng nguyên dương, chỉ gồm chữ số")
    return int(value)


def _fault(path: str, field: str, message: str) -> DossierFormatError:
    return DossierFormatError("SCH007", message, xpath=f"{path}/{field}")


class _RowReader:
    """Reads rows in order, remembering identifiers already seen to refuse duplicates."""

    def __init__(self) -> None:
        self.citizen_ids: dict[str, int] = {}
        self.insurance_numbers: dict[str, int] = {}

    def read(self, element: Any, index: int) -> D02Employee:
        path = f"/{FORM_ROOT}/DanhSach/LaoDong[{index}]"
        row = ElementReader(
            element,
            path,
            _ROW_FIELDS,
            optional=("ChucVu", "GhiChu", "MaSoBHXH", "MucLuong"),
        )
        number = row.text("STT")
        if number != str(index):
            raise _fault(path, "STT", f"Số thứ tự là '{number}', phải là {index}.")
        plan = row.parsed("PhuongAn", _plan, "Phương án")
        full_name = " ".join(row.text("HoTen").split())
        birth_date = row.parsed("NgaySinh", _date, "Ngày sinh")
        gender = row.parsed("GioiTinh", parse_gender, "Giới tính")
        if plan is not Plan.NEW:
            row.optional = row.optional - {"MaSoBHXH"}
        insurance_number = (
            row.parsed("MaSoBHXH", lambda v: parse_insurance_number(v).value, "Mã số BHXH")
            if row.text("MaSoBHXH") or plan is not Plan.NEW
            else ""
        )
        raw_id = row.text("SoCCCD")
        try:
            citizen_id = parse_citizen_id(raw_id, birth_date=birth_date, gender=gender).value
        except IdentifierError as error:
            raise _fault(
                path, "SoCCCD", f"Số CCCD '{raw_id}' không hợp lệ: {error.message}"
            ) from None
        if plan.kind is not ChangeKind.DECREASE:
            row.optional = row.optional - {"MucLuong"}
        salary = row.parsed("MucLuong", _amount, "Mức lương") if row.text("MucLuong") else None
        from_month = row.parsed("TuThang", _period, "Từ tháng")
        self._unique(path, "SoCCCD", citizen_id, self.citizen_ids, index, "Số CCCD")
        if insurance_number:
            self._unique(
                path, "MaSoBHXH", insurance_number, self.insurance_numbers, index, "Mã số BHXH"
            )
        return D02Employee(
            full_name=full_name,
            insurance_number=insurance_number,
            citizen_id=citizen_id,
            birth_date=birth_date,
            gender=gender,
            plan=plan,
            from_month=from_month,
            position=" ".join(row.text("ChucVu").split()),
            salary=salary,
            note=row.text("GhiChu"),
        )

    @staticmethod
    def _unique(
        path: str, field: str, value: str, seen: dict[str, int], index: int, what: str
    ) -> None:
        first = seen.setdefault(value, index)
        if first != index:
            raise _fault(path, field, f"{what} {value} đã khai ở dòng {first}.")


def read_d02(root: Any) -> D02Report:
    """Check a D02-TS form's root element and read it; DossierFormatError at the first fault."""
    if root.tag != FORM_ROOT:
        raise DossierFormatError(
            "SCH006", f"Phần tử gốc phải là <{FORM_ROOT}>, không phải <{root.tag}>.", xpath="/*"
        )
    form = ElementReader(root, f"/{FORM_ROOT}", _FIELDS, optional=("TenDonVi", SIGNATURE_PARENT))
    code = form.text("MaToKhai")
    if code != D02_CODE:
        raise _fault(f"/{FORM_ROOT}", "MaToKhai", f"Mã tờ khai là '{code}', phải là {D02_CODE}.")
    period = form.parsed("KyKeKhai", _period, "Kỳ kê khai")
    unit_code = form.parsed("MaDonVi", lambda v: parse_unit_code(v).value, "Mã đơn vị")
    rows = ElementReader(
        form.element("DanhSach"), f"/{FORM_ROOT}/DanhSach", (), repeated=("LaoDong",)
    ).lists["LaoDong"]
    if not rows:
        raise DossierFormatError(
            "SCH005",
            "Danh sách phải có ít nhất một lao động.",
            xpath=f"/{FORM_ROOT}/DanhSach/LaoDong",
        )
    if len(rows) > MAX_ROWS:
        raise DossierFormatError(
            "SCH007",
            f"Một tờ khai có tối đa {MAX_ROWS} dòng; hãy tách thành nhiều hồ sơ.",
            xpath=f"/{FORM_ROOT}/DanhSach/LaoDong[{MAX_ROWS + 1}]",
        )
    reader = _RowReader()
    employees = tuple(reader.read(row, index) for index, row in enumerate(rows, start=1))
    return D02Report(
        period=period, unit_code=unit_code, employees=employees, unit_name=form.text("TenDonVi")
    )


def parse_d02(xml: bytes) -> D02Report:
    """Read a D02-TS form (signed or not)."""
    return read_d02(parse_xml(xml).getroot())


D02_TS: FormCodec[D02Report] = register(
    FormCodec(
        code=D02_CODE,
        root=FORM_ROOT,
        content_type=D02Report,
        build=build_d02,
        parse=parse_d02,
    )
)
