"""Build and read the `Hoso` envelope.

`parse_envelope` checks everything the envelope itself can say wrong (required elements,
unknown elements, identifiers, the procedure and its forms, the declared file lengths) and
points at the first fault with its XPath. Signatures are not its business: the gateway
verifies `CKy_Dvi` first and hands the signed content here.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree

from ebhxh.dossiers.errors import DossierFormatError
from ebhxh.dossiers.reading import ElementReader, add_text
from ebhxh.identifiers import parse_tax_code, parse_unit_code
from ebhxh.reference.errors import UnknownProcedureError
from ebhxh.reference.procedures import ProcedureSpec, get_procedure
from ebhxh.xmldsig import DEFAULT_LIMITS, ParseLimits, parse_xml

ROOT = "Hoso"
SIGNATURE_PARENT = "CKy_Dvi"
# XPaths the gateway points at when the envelope is well formed but refused.
IVAN_CODE_XPATH = "/Hoso/NoiDung/ThongTinIVAN/MaIVAN"
UNIT_XPATH = "/Hoso/NoiDung/ThongTinDonVi"
TAX_CODE_XPATH = f"{UNIT_XPATH}/MaSoThue"
UNIT_CODE_XPATH = f"{UNIT_XPATH}/MaSoBHXH"
MANAGING_AGENCY_XPATH = f"{UNIT_XPATH}/CoQuanQuanLy"
PROCEDURE_XPATH = "/Hoso/NoiDung/ThongTinHoSo/MaThuTuc"
PERIOD_XPATH = "/Hoso/NoiDung/ThongTinHoSo/KyKeKhai"


def file_xpath(index: int, field: str = "") -> str:
    """The XPath of the `index`-th (1-based) `FileToKhai`, or of one of its fields."""
    path = f"/Hoso/NoiDung/ThongTinHoSo/ToKhais/FileToKhai[{index}]"
    return f"{path}/{field}" if field else path


_PERIOD = re.compile(r"^(0[1-9]|1[0-2])/(\d{4})$")
_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_IVAN_CODE = re.compile(r"^\d{5}$")
_AGENCY_CODE = re.compile(r"^\d{5}$")
# Procedures whose unit has no unit code yet: the agency issues one when it decides.
WITHOUT_UNIT_CODE = frozenset({"HSDKLanDau"})


@dataclass(frozen=True, slots=True)
class IvanInfo:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class UnitInfo:
    """`ThongTinDonVi`: `unit_code` is `MaSoBHXH` (empty only for a first registration)."""

    name: str
    unit_code: str
    tax_code: str
    signer_name: str
    phone: str = ""
    managing_agency: str = ""
    kind: str = ""


@dataclass(frozen=True, slots=True)
class FormFile:
    """One `FileToKhai`: a form (tờ khai), carried base64-encoded and signed on its own."""

    form_code: str
    description: str
    file_name: str
    content: bytes
    file_type: str = "xml"


@dataclass(frozen=True, slots=True)
class Envelope:
    ivan: IvanInfo
    unit: UnitInfo
    procedure_code: str
    procedure_name: str
    period: str
    created_on: date
    files: tuple[FormFile, ...]

    @property
    def procedure(self) -> ProcedureSpec:
        return get_procedure(self.procedure_code)


def build_envelope(envelope: Envelope) -> bytes:
    """The unsigned envelope with an empty `CKy_Dvi` for the unit's signature."""
    root = etree.Element(ROOT)
    content = etree.SubElement(root, "NoiDung")
    ivan = etree.SubElement(content, "ThongTinIVAN")
    add_text(ivan, "MaIVAN", envelope.ivan.code)
    add_text(ivan, "TenIVAN", envelope.ivan.name)
    unit = etree.SubElement(content, "ThongTinDonVi")
    add_text(unit, "TenDoiTuong", envelope.unit.name)
    add_text(unit, "MaSoBHXH", envelope.unit.unit_code)
    add_text(unit, "LoaiDoiTuong", envelope.unit.kind)
    add_text(unit, "MaSoThue", envelope.unit.tax_code)
    add_text(unit, "NguoiKy", envelope.unit.signer_name)
    add_text(unit, "DienThoai", envelope.unit.phone)
    add_text(unit, "CoQuanQuanLy", envelope.unit.managing_agency)
    info = etree.SubElement(content, "ThongTinHoSo")
    add_text(info, "TenThuTuc", envelope.procedure_name)
    add_text(info, "MaThuTuc", envelope.procedure_code)
    add_text(info, "KyKeKhai", envelope.period)
    add_text(info, "NgayLap", envelope.created_on.strftime("%d/%m/%Y"))
    add_text(info, "SoLuongFile", str(len(envelope.files)))
    forms = etree.SubElement(info, "ToKhais")
    for file in envelope.files:
        item = etree.SubElement(forms, "FileToKhai")
        add_text(item, "MaToKhai", file.form_code)
        add_text(item, "MoTaToKhai", file.description)
        add_text(item, "TenFile", file.file_name)
        add_text(item, "LoaiFile", file.file_type)
        add_text(item, "DoDaiFile", str(len(file.content)))
        add_text(item, "NoiDungFile", base64.b64encode(file.content).decode("ascii"))
    etree.SubElement(root, SIGNATURE_PARENT)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


_UNIT_FIELDS = (
    "TenDoiTuong",
    "MaSoBHXH",
    "LoaiDoiTuong",
    "MaSoThue",
    "NguoiKy",
    "DienThoai",
    "CoQuanQuanLy",
)
_INFO_FIELDS = ("TenThuTuc", "MaThuTuc", "KyKeKhai", "NgayLap", "SoLuongFile", "ToKhais")
_FILE_FIELDS = ("MaToKhai", "MoTaToKhai", "TenFile", "LoaiFile", "DoDaiFile", "NoiDungFile")


def _ivan_code(value: str) -> str:
    if not _IVAN_CODE.match(value):
        raise ValueError("mã I-VAN gồm đúng 5 chữ số")
    return value


def _agency_code(value: str) -> str:
    if not _AGENCY_CODE.match(value):
        raise ValueError("mã cơ quan BHXH gồm đúng 5 chữ số")
    return value


def _period(value: str) -> str:
    if not _PERIOD.match(value):
        raise ValueError("kỳ kê khai phải có dạng MM/yyyy")
    return value


def _date(value: str) -> date:
    match = _DATE.match(value)
    if match is None:
        raise ValueError("ngày phải có dạng dd/MM/yyyy")
    day, month, year = (int(part) for part in match.groups())
    return date(year, month, day)


def _count(value: str) -> int:
    if not value.isdigit():
        raise ValueError("phải là số nguyên không âm")
    return int(value)


def _file(element: Any, path: str, procedure: ProcedureSpec) -> FormFile:
    reader = ElementReader(element, path, _FILE_FIELDS, optional=("MoTaToKhai",))
    form_code = reader.text("MaToKhai")
    allowed = {form.code for form in procedure.forms}
    if form_code not in allowed:
        raise DossierFormatError(
            "SCH007",
            f"Tờ khai {form_code} không thuộc thủ tục {procedure.code} "
            f"(được phép: {', '.join(sorted(allowed))}).",
            xpath=f"{path}/MaToKhai",
        )
    declared = reader.parsed("DoDaiFile", _count, "Độ dài tệp")
    encoded = reader.text("NoiDungFile")  # outside the try: DossierFormatError is a ValueError
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise DossierFormatError(
            "SCH007", "Nội dung tệp không phải base64 hợp lệ.", xpath=f"{path}/NoiDungFile"
        ) from None
    if declared != len(content):
        raise DossierFormatError(
            "SCH007",
            f"Độ dài tệp khai là {declared} byte nhưng nội dung dài {len(content)} byte.",
            xpath=f"{path}/DoDaiFile",
        )
    return FormFile(
        form_code=form_code,
        description=reader.text("MoTaToKhai"),
        file_name=reader.text("TenFile"),
        file_type=reader.text("LoaiFile"),
        content=content,
    )


def parse_envelope(xml: bytes, *, limits: ParseLimits = DEFAULT_LIMITS) -> Envelope:
    """Read and check an envelope (signed or not); raise DossierFormatError at the first
    fault. XML-level faults (not well formed, DTDs, size, depth) surface as the parser's
    own SCH001–SCH004 errors from `ebhxh.xmldsig`."""
    return read_envelope(parse_xml(xml, limits=limits).getroot())


def read_envelope(root: Any) -> Envelope:
    """`parse_envelope` on an element already parsed: the gateway hands the root of what
    the unit's signature covers (`VerifiedDocument.root`), so nothing is parsed twice."""
    if root.tag != ROOT:
        raise DossierFormatError(
            "SCH006", f"Phần tử gốc phải là <{ROOT}>, không phải <{root.tag}>.", xpath="/*"
        )
    top = ElementReader(root, f"/{ROOT}", ("NoiDung", SIGNATURE_PARENT), optional=())
    content_path = f"/{ROOT}/NoiDung"
    content = ElementReader(
        top.element("NoiDung"), content_path, ("ThongTinIVAN", "ThongTinDonVi", "ThongTinHoSo")
    )
    ivan = ElementReader(
        content.element("ThongTinIVAN"),
        f"{content_path}/ThongTinIVAN",
        ("MaIVAN", "TenIVAN"),
        optional=("TenIVAN",),
    )
    unit = ElementReader(
        content.element("ThongTinDonVi"),
        f"{content_path}/ThongTinDonVi",
        _UNIT_FIELDS,
        optional=("LoaiDoiTuong", "DienThoai", "CoQuanQuanLy", "MaSoBHXH"),
    )
    info_path = f"{content_path}/ThongTinHoSo"
    info = ElementReader(content.element("ThongTinHoSo"), info_path, _INFO_FIELDS)

    procedure_code = info.text("MaThuTuc")
    try:
        procedure = get_procedure(procedure_code)
    except UnknownProcedureError:
        raise DossierFormatError(
            "SCH007",
            f"Mã thủ tục '{procedure_code}' không có trong danh mục thủ tục.",
            xpath=f"{info_path}/MaThuTuc",
        ) from None
    unit_code_raw = unit.text("MaSoBHXH")
    if procedure_code in WITHOUT_UNIT_CODE and not unit_code_raw:
        unit_code = ""
        # Without a unit code the agency that will manage the unit is the one named here.
        unit.optional = unit.optional - {"CoQuanQuanLy"}
    else:
        unit.optional = unit.optional - {"MaSoBHXH"}
        unit_code = unit.parsed("MaSoBHXH", lambda v: parse_unit_code(v).value, "Mã đơn vị")
    managing_agency = (
        unit.parsed("CoQuanQuanLy", _agency_code, "Mã cơ quan BHXH quản lý")
        if unit.text("CoQuanQuanLy") or "CoQuanQuanLy" not in unit.optional
        else ""
    )

    forms_path = f"{info_path}/ToKhais"
    forms_element = info.element("ToKhais")
    items = [child for child in forms_element if isinstance(child.tag, str)]
    files = []
    for index, item in enumerate(items, start=1):
        item_path = f"{forms_path}/FileToKhai[{index}]"
        if item.tag != "FileToKhai":
            raise DossierFormatError(
                "SCH006", f"Thành phần <{item.tag}> không thuộc <ToKhais>.", xpath=item_path
            )
        files.append(_file(item, item_path, procedure))
    if not files:
        raise DossierFormatError(
            "SCH005", "Hồ sơ phải có ít nhất một tờ khai.", xpath=f"{forms_path}/FileToKhai"
        )
    declared = info.parsed("SoLuongFile", _count, "Số lượng tệp")
    if declared != len(files):
        raise DossierFormatError(
            "SCH007",
            f"Số lượng tệp khai là {declared} nhưng hồ sơ có {len(files)} tệp.",
            xpath=f"{info_path}/SoLuongFile",
        )
    return Envelope(
        ivan=IvanInfo(
            code=ivan.parsed("MaIVAN", _ivan_code, "Mã I-VAN"), name=ivan.text("TenIVAN")
        ),
        unit=UnitInfo(
            name=unit.text("TenDoiTuong"),
            unit_code=unit_code,
            tax_code=unit.parsed("MaSoThue", lambda v: parse_tax_code(v).value, "Mã số thuế"),
            signer_name=unit.text("NguoiKy"),
            phone=unit.text("DienThoai"),
            managing_agency=managing_agency,
            kind=unit.text("LoaiDoiTuong"),
        ),
        procedure_code=procedure_code,
        procedure_name=info.text("TenThuTuc"),
        period=info.parsed("KyKeKhai", _period, "Kỳ kê khai"),
        created_on=info.parsed("NgayLap", _date, "Ngày lập"),
        files=tuple(files),
    )
