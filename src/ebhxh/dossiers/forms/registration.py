"""Forms of the registration procedures: 04/ĐK-IVAN, 05/SD-IVAN, 06/NG-IVAN and TK3-TS.

Each form is a small XML document: its own root, the fields in a fixed order, and a `Cky`
element last for the unit's signature of the form (empty until signed). `parse` accepts the
form signed or not; the signature itself is `ebhxh.xmldsig`'s business.

`read_registration_form` is the one validator both sides run: the I-VAN before the user
signs, the agency when the dossier arrives. It finds the procedure's form in the envelope,
reads it and checks that it names the same unit, tax code and I-VAN as the envelope.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from cryptography import x509
from lxml import etree

from ebhxh.dossiers.envelope import Envelope
from ebhxh.dossiers.errors import DossierFormatError
from ebhxh.dossiers.forms.registry import FormCodec, register
from ebhxh.dossiers.reading import ElementReader, add_text
from ebhxh.identifiers import (
    TARGET_GROUPS,
    parse_phone,
    parse_tax_code,
    parse_unit_code,
)
from ebhxh.pki.errors import XmlSignatureError
from ebhxh.xmldsig import parse_xml

FORM_SIGNATURE_PARENT: Final = "Cky"
REGISTER: Final = "04/ĐK-IVAN"
CHANGE: Final = "05/SD-IVAN"
STOP: Final = "06/NG-IVAN"
FIRST_TIME: Final = "TK3-TS"
FIRST_TIME_PROCEDURE: Final = "HSDKLanDau"

_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_IVAN_CODE = re.compile(r"^\d{5}$")
_PROVINCE = re.compile(r"^\d{2}$")
_AGENCY = re.compile(r"^\d{5}$")
_BUSINESS_TYPE = re.compile(r"^[A-Z]\d{2}$")
# Deliberately loose: the mailbox decides; this only catches typing slips before signing.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_TEXT: Final = 400
MAX_CERTIFICATE_BYTES: Final = 16 * 1024


class StopChannel(enum.StrEnum):
    """Whose registration a 06/NG-IVAN stops (`KenhNgung`): an I-VAN's or the portal's."""

    IVAN = "IVAN"
    PORTAL = "CONG"


@dataclass(frozen=True, slots=True)
class EserviceRegistrationForm:
    """04/ĐK-IVAN: the unit asks to transact electronically through this I-VAN."""

    unit_code: str
    unit_name: str
    tax_code: str
    ivan_code: str
    contact_name: str
    contact_email: str
    contact_phone: str
    registered_on: date


@dataclass(frozen=True, slots=True)
class EserviceChangeForm:
    """05/SD-IVAN: new contact details and/or a new certificate (DER) for the registration.

    Empty fields are left as they are; a form that changes nothing confirms the registration,
    which is what a unit files after BHXH issued its code ("Cập nhật", seed 000)."""

    unit_code: str
    tax_code: str
    ivan_code: str
    changed_on: date
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    certificate_der: bytes = b""


@dataclass(frozen=True, slots=True)
class EserviceStopForm:
    """06/NG-IVAN: stop the registration with `target_channel` (and `target_ivan_code` for an
    I-VAN); the filing I-VAN is `ivan_code`, which may differ from the one being stopped."""

    unit_code: str
    tax_code: str
    ivan_code: str
    target_channel: StopChannel
    target_ivan_code: str
    reason: str
    stopped_on: date


@dataclass(frozen=True, slots=True)
class UnitCodeRequestForm:
    """TK3-TS of HSDKLanDau: a unit without a unit code asks BHXH for one.

    `target_group` and `business_type` are the last five characters of a 2025 unit code.
    """

    unit_name: str
    tax_code: str
    address: str
    province_code: str
    managing_agency: str
    target_group: str
    business_type: str
    contact_name: str
    contact_email: str
    contact_phone: str
    declared_on: date


# --- value checks (ValueError → SCH007 at the field) ----------------------------------------


def _date(value: str) -> date:
    match = _DATE.match(value)
    if match is None:
        raise ValueError("ngày phải có dạng dd/MM/yyyy")
    day, month, year = (int(part) for part in match.groups())
    return date(year, month, day)


def _format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _ivan_code(value: str) -> str:
    if not _IVAN_CODE.match(value):
        raise ValueError("mã I-VAN gồm đúng 5 chữ số")
    return value


def _email(value: str) -> str:
    if len(value) > 254 or not _EMAIL.match(value):
        raise ValueError("địa chỉ thư điện tử phải có dạng ten@mien.vn")
    return value


def _text(value: str) -> str:
    if len(value) > MAX_TEXT:
        raise ValueError(f"dài tối đa {MAX_TEXT} ký tự")
    return value


def _province(value: str) -> str:
    if not _PROVINCE.match(value):
        raise ValueError("mã tỉnh gồm đúng 2 chữ số")
    return value


def _agency(value: str) -> str:
    if not _AGENCY.match(value):
        raise ValueError("mã cơ quan BHXH gồm đúng 5 chữ số")
    return value


def _target_group(value: str) -> str:
    group = value.upper()
    if group not in TARGET_GROUPS:
        raise ValueError(f"nhóm đối tượng phải là một trong {', '.join(TARGET_GROUPS)}")
    return group


def _business_type(value: str) -> str:
    kind = value.upper()
    if not _BUSINESS_TYPE.match(kind):
        raise ValueError("loại hình gồm một chữ cái và hai chữ số, ví dụ A03")
    return kind


def _unit_code(value: str) -> str:
    return parse_unit_code(value).value


def _tax_code(value: str) -> str:
    return parse_tax_code(value).value


def _phone(value: str) -> str:
    return parse_phone(value).national


def _certificate(value: str) -> bytes:
    try:
        der = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("chứng thư số phải là DER mã hóa base64") from None
    if len(der) > MAX_CERTIFICATE_BYTES:
        raise ValueError(f"chứng thư số dài quá {MAX_CERTIFICATE_BYTES} byte")
    try:
        x509.load_der_x509_certificate(der)
    except ValueError:
        raise ValueError("không đọc được chứng thư số X.509") from None
    return der


def _stop_channel(value: str) -> StopChannel:
    try:
        return StopChannel(value.upper())
    except ValueError:
        raise ValueError("kênh ngừng phải là IVAN hoặc CONG") from None


# --- building and reading -------------------------------------------------------------------


def _document(root_tag: str, fields: list[tuple[str, str]]) -> bytes:
    root = etree.Element(root_tag)
    for tag, value in fields:
        add_text(root, tag, value)
    etree.SubElement(root, FORM_SIGNATURE_PARENT)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _reader(
    xml: bytes, root_tag: str, fields: tuple[str, ...], optional: tuple[str, ...] = ()
) -> ElementReader:
    try:
        root = parse_xml(xml).getroot()
    except XmlSignatureError as error:
        raise DossierFormatError(error.code, error.detail or error.message, xpath="/") from None
    if root.tag != root_tag:
        raise DossierFormatError(
            "SCH006", f"Phần tử gốc phải là <{root_tag}>, không phải <{root.tag}>.", xpath="/*"
        )
    return ElementReader(
        root,
        f"/{root_tag}",
        (*fields, FORM_SIGNATURE_PARENT),
        optional=(*optional, FORM_SIGNATURE_PARENT),
    )


REGISTER_ROOT: Final = "ToKhaiDangKyIVAN"
_REGISTER_FIELDS = (
    "MaDonVi",
    "TenDonVi",
    "MaSoThue",
    "MaIVAN",
    "NguoiLienHe",
    "EmailLienHe",
    "DienThoaiLienHe",
    "NgayDangKy",
)


def build_registration(form: EserviceRegistrationForm) -> bytes:
    return _document(
        REGISTER_ROOT,
        [
            ("MaDonVi", form.unit_code),
            ("TenDonVi", form.unit_name),
            ("MaSoThue", form.tax_code),
            ("MaIVAN", form.ivan_code),
            ("NguoiLienHe", form.contact_name),
            ("EmailLienHe", form.contact_email),
            ("DienThoaiLienHe", form.contact_phone),
            ("NgayDangKy", _format_date(form.registered_on)),
        ],
    )


def parse_registration(xml: bytes) -> EserviceRegistrationForm:
    reader = _reader(xml, REGISTER_ROOT, _REGISTER_FIELDS)
    return EserviceRegistrationForm(
        unit_code=reader.parsed("MaDonVi", _unit_code, "Mã đơn vị"),
        unit_name=reader.parsed("TenDonVi", _text, "Tên đơn vị"),
        tax_code=reader.parsed("MaSoThue", _tax_code, "Mã số thuế"),
        ivan_code=reader.parsed("MaIVAN", _ivan_code, "Mã I-VAN"),
        contact_name=reader.parsed("NguoiLienHe", _text, "Người liên hệ"),
        contact_email=reader.parsed("EmailLienHe", _email, "Thư điện tử liên hệ"),
        contact_phone=reader.parsed("DienThoaiLienHe", _phone, "Điện thoại liên hệ"),
        registered_on=reader.parsed("NgayDangKy", _date, "Ngày đăng ký"),
    )


CHANGE_ROOT: Final = "ToKhaiThayDoiIVAN"
_CHANGE_FIELDS = (
    "MaDonVi",
    "MaSoThue",
    "MaIVAN",
    "NguoiLienHe",
    "EmailLienHe",
    "DienThoaiLienHe",
    "ChungThuSoMoi",
    "NgayThayDoi",
)
_CHANGE_OPTIONAL = ("NguoiLienHe", "EmailLienHe", "DienThoaiLienHe", "ChungThuSoMoi")


def build_change(form: EserviceChangeForm) -> bytes:
    fields = [
        ("MaDonVi", form.unit_code),
        ("MaSoThue", form.tax_code),
        ("MaIVAN", form.ivan_code),
    ]
    optional = [
        ("NguoiLienHe", form.contact_name),
        ("EmailLienHe", form.contact_email),
        ("DienThoaiLienHe", form.contact_phone),
        ("ChungThuSoMoi", base64.b64encode(form.certificate_der).decode("ascii")),
    ]
    fields += [(tag, value) for tag, value in optional if value]
    fields.append(("NgayThayDoi", _format_date(form.changed_on)))
    return _document(CHANGE_ROOT, fields)


def _optional(reader: ElementReader, name: str, parse: Any, what: str) -> Any:
    return reader.parsed(name, parse, what) if reader.text(name) else None


def parse_change(xml: bytes) -> EserviceChangeForm:
    reader = _reader(xml, CHANGE_ROOT, _CHANGE_FIELDS, _CHANGE_OPTIONAL)
    form = EserviceChangeForm(
        unit_code=reader.parsed("MaDonVi", _unit_code, "Mã đơn vị"),
        tax_code=reader.parsed("MaSoThue", _tax_code, "Mã số thuế"),
        ivan_code=reader.parsed("MaIVAN", _ivan_code, "Mã I-VAN"),
        contact_name=_optional(reader, "NguoiLienHe", _text, "Người liên hệ") or "",
        contact_email=_optional(reader, "EmailLienHe", _email, "Thư điện tử liên hệ") or "",
        contact_phone=_optional(reader, "DienThoaiLienHe", _phone, "Điện thoại liên hệ") or "",
        certificate_der=_optional(reader, "ChungThuSoMoi", _certificate, "Chứng thư số mới") or b"",
        changed_on=reader.parsed("NgayThayDoi", _date, "Ngày thay đổi"),
    )
    return form


STOP_ROOT: Final = "ToKhaiNgungIVAN"
_STOP_FIELDS = (
    "MaDonVi",
    "MaSoThue",
    "MaIVAN",
    "KenhNgung",
    "MaIVANNgung",
    "LyDoNgung",
    "NgayNgung",
)


def build_stop(form: EserviceStopForm) -> bytes:
    return _document(
        STOP_ROOT,
        [
            ("MaDonVi", form.unit_code),
            ("MaSoThue", form.tax_code),
            ("MaIVAN", form.ivan_code),
            ("KenhNgung", form.target_channel.value),
            ("MaIVANNgung", form.target_ivan_code),
            ("LyDoNgung", form.reason),
            ("NgayNgung", _format_date(form.stopped_on)),
        ],
    )


def parse_stop(xml: bytes) -> EserviceStopForm:
    reader = _reader(xml, STOP_ROOT, _STOP_FIELDS, ("MaIVANNgung",))
    channel = reader.parsed("KenhNgung", _stop_channel, "Kênh ngừng")
    target_ivan = ""
    if channel is StopChannel.IVAN:
        reader.optional = reader.optional - {"MaIVANNgung"}
        target_ivan = reader.parsed("MaIVANNgung", _ivan_code, "Mã I-VAN ngừng")
    elif reader.text("MaIVANNgung"):
        raise DossierFormatError(
            "SCH007",
            "Ngừng giao dịch qua Cổng BHXH không ghi mã I-VAN ngừng.",
            xpath=f"/{STOP_ROOT}/MaIVANNgung",
        )
    return EserviceStopForm(
        unit_code=reader.parsed("MaDonVi", _unit_code, "Mã đơn vị"),
        tax_code=reader.parsed("MaSoThue", _tax_code, "Mã số thuế"),
        ivan_code=reader.parsed("MaIVAN", _ivan_code, "Mã I-VAN"),
        target_channel=channel,
        target_ivan_code=target_ivan,
        reason=reader.parsed("LyDoNgung", _text, "Lý do ngừng"),
        stopped_on=reader.parsed("NgayNgung", _date, "Ngày ngừng"),
    )


FIRST_TIME_ROOT: Final = "ToKhaiTK3TS"
_FIRST_TIME_FIELDS = (
    "TenDonVi",
    "MaSoThue",
    "DiaChi",
    "MaTinh",
    "MaCoQuanQuanLy",
    "NhomDoiTuong",
    "LoaiHinh",
    "NguoiLienHe",
    "EmailLienHe",
    "DienThoaiLienHe",
    "NgayLap",
)


def build_unit_code_request(form: UnitCodeRequestForm) -> bytes:
    return _document(
        FIRST_TIME_ROOT,
        [
            ("TenDonVi", form.unit_name),
            ("MaSoThue", form.tax_code),
            ("DiaChi", form.address),
            ("MaTinh", form.province_code),
            ("MaCoQuanQuanLy", form.managing_agency),
            ("NhomDoiTuong", form.target_group),
            ("LoaiHinh", form.business_type),
            ("NguoiLienHe", form.contact_name),
            ("EmailLienHe", form.contact_email),
            ("DienThoaiLienHe", form.contact_phone),
            ("NgayLap", _format_date(form.declared_on)),
        ],
    )


def parse_unit_code_request(xml: bytes) -> UnitCodeRequestForm:
    reader = _reader(xml, FIRST_TIME_ROOT, _FIRST_TIME_FIELDS)
    form = UnitCodeRequestForm(
        unit_name=reader.parsed("TenDonVi", _text, "Tên đơn vị"),
        tax_code=reader.parsed("MaSoThue", _tax_code, "Mã số thuế"),
        address=reader.parsed("DiaChi", _text, "Địa chỉ"),
        province_code=reader.parsed("MaTinh", _province, "Mã tỉnh"),
        managing_agency=reader.parsed("MaCoQuanQuanLy", _agency, "Mã cơ quan BHXH quản lý"),
        target_group=reader.parsed("NhomDoiTuong", _target_group, "Nhóm đối tượng"),
        business_type=reader.parsed("LoaiHinh", _business_type, "Loại hình"),
        contact_name=reader.parsed("NguoiLienHe", _text, "Người liên hệ"),
        contact_email=reader.parsed("EmailLienHe", _email, "Thư điện tử liên hệ"),
        contact_phone=reader.parsed("DienThoaiLienHe", _phone, "Điện thoại liên hệ"),
        declared_on=reader.parsed("NgayLap", _date, "Ngày lập"),
    )
    if not form.managing_agency.startswith(form.province_code):
        raise DossierFormatError(
            "SCH007",
            f"Cơ quan BHXH {form.managing_agency} không thuộc tỉnh {form.province_code}.",
            xpath=f"/{FIRST_TIME_ROOT}/MaCoQuanQuanLy",
        )
    return form


REGISTRATION_CODEC = register(
    FormCodec(
        code=REGISTER,
        root=REGISTER_ROOT,
        content_type=EserviceRegistrationForm,
        build=build_registration,
        parse=parse_registration,
    )
)
CHANGE_CODEC = register(
    FormCodec(
        code=CHANGE,
        root=CHANGE_ROOT,
        content_type=EserviceChangeForm,
        build=build_change,
        parse=parse_change,
    )
)
STOP_CODEC = register(
    FormCodec(
        code=STOP, root=STOP_ROOT, content_type=EserviceStopForm, build=build_stop, parse=parse_stop
    )
)
UNIT_CODE_REQUEST_CODEC = register(
    FormCodec(
        code=FIRST_TIME,
        root=FIRST_TIME_ROOT,
        content_type=UnitCodeRequestForm,
        build=build_unit_code_request,
        parse=parse_unit_code_request,
    )
)

RegistrationFormContent = (
    EserviceRegistrationForm | EserviceChangeForm | EserviceStopForm | UnitCodeRequestForm
)
_FORM_OF_PROCEDURE: Final[dict[str, FormCodec[Any]]] = {
    REGISTER: REGISTRATION_CODEC,
    CHANGE: CHANGE_CODEC,
    STOP: STOP_CODEC,
    FIRST_TIME_PROCEDURE: UNIT_CODE_REQUEST_CODEC,
}
_FILES_PATH: Final = "/Hoso/NoiDung/ThongTinHoSo/ToKhais/FileToKhai"
_UNIT_PATH: Final = "/Hoso/NoiDung/ThongTinDonVi"


def read_registration_form(envelope: Envelope) -> RegistrationFormContent:
    """The registration form of `envelope`, read and cross-checked against the envelope.

    Raises DossierFormatError: SCH005 when the form is missing, SCH007 when it names another
    unit, tax code, I-VAN or (TK3-TS) managing agency than the envelope; the XPath points at
    the form's field.
    """
    codec = _FORM_OF_PROCEDURE.get(envelope.procedure_code)
    if codec is None:
        raise DossierFormatError(
            "SCH007",
            f"Thủ tục {envelope.procedure_code} không phải thủ tục đăng ký giao dịch điện tử.",
            xpath="/Hoso/NoiDung/ThongTinHoSo/MaThuTuc",
        )
    matches = [f for f in envelope.files if f.form_code == codec.code]
    if len(matches) != 1:
        raise DossierFormatError(
            "SCH005",
            f"Hồ sơ phải có đúng một tờ khai {codec.code}.",
            xpath=f"{_FILES_PATH}/MaToKhai",
        )
    form = codec.parse(matches[0].content)
    root = f"/{codec.root}"
    expected = [("MaSoThue", form.tax_code, envelope.unit.tax_code, "mã số thuế")]
    if isinstance(form, UnitCodeRequestForm):
        expected.append(
            (
                "MaCoQuanQuanLy",
                form.managing_agency,
                envelope.unit.managing_agency,
                "cơ quan BHXH quản lý",
            )
        )
    else:
        expected += [
            ("MaDonVi", form.unit_code, envelope.unit.unit_code, "mã đơn vị"),
            ("MaIVAN", form.ivan_code, envelope.ivan.code, "mã I-VAN"),
        ]
    for tag, in_form, in_envelope, what in expected:
        if in_form != in_envelope:
            raise DossierFormatError(
                "SCH007",
                f"Tờ khai {codec.code} ghi {what} {in_form}, khác với hồ sơ ({in_envelope}).",
                xpath=f"{root}/{tag}",
            )
    content: RegistrationFormContent = form
    return content
