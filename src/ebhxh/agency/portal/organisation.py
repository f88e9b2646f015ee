"""What a unit declares to get a portal transaction account (seed 001, step 14-17), checked
field by field, and the XML it signs.

One check serves the web form and the signed XML the server receives: an application that
passes `validate_organisation` has well-formed identifiers; whether the registry knows the
unit and the chosen office manages it is the services' check (`organisation_services`),
because it reads the database. Errors name the field and carry the identifier check's code
(`UNIT_CODE_*`, `PHONE_*`) or one of the `ORG_*` codes below.

The signed form:

    <ToKhaiDangKyToChuc>
      <ThongTinToKhai><MaToKhai>DKTC</MaToKhai><TenToKhai>…</TenToKhai>
        <NgayLap>dd/MM/yyyy</NgayLap></ThongTinToKhai>
      <ThongTinDonVi><TenDonVi/><MaDonVi/><MaSoThue/><DiaChi/><CoQuanQuanLy>01001</CoQuanQuanLy>
        </ThongTinDonVi>
      <NguoiLienHe><HoTen/><DienThoai/><Email/></NguoiLienHe>
      <DangKyGiaoDichTai>CONG|IVAN</DangKyGiaoDichTai>
      <Cky>(enveloped XMLDSig of the unit)</Cky>
    </ToKhaiDangKyToChuc>
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from lxml import etree

from ebhxh.agency.portal.errors import FieldError, InvalidInput
from ebhxh.agency.portal.models import TransactAt
from ebhxh.identifiers import IdentifierError, parse_phone, parse_unit_code
from ebhxh.xmldsig import SignatureLocation

FORM_CODE = "DKTC"
FORM_TITLE = "Tờ khai đăng ký tài khoản giao dịch điện tử với cơ quan BHXH (cơ quan, tổ chức)"
ROOT = "ToKhaiDangKyToChuc"
LOCATION = SignatureLocation(parent="Cky", root=ROOT)
# Remote-signing providers count device confirmations by procedure (seed 002): an account
# registration is a registration procedure, confirmed once, like 04/ĐK-IVAN.
SIGNING_PROCEDURE = "04/ĐK-IVAN"
MAX_NAME = 300
MAX_ADDRESS = 400
MAX_CONTACT = 200
_SPACES = re.compile(r"\s+")
_TRANSACT_XML = {TransactAt.PORTAL: "CONG", TransactAt.IVAN: "IVAN"}
_TRANSACT_VALUE = {text: value for value, text in _TRANSACT_XML.items()}


@dataclass(frozen=True)
class OrganisationApplication:
    """A valid application, normalised: NFC text, upper-case unit code, national phone."""

    agency_code: str
    unit_name: str
    unit_code: str
    address: str
    contact_name: str
    phone: str
    email: str
    transact_at: str

    def as_data(self) -> dict[str, str]:
        return asdict(self)


def _text(value: object) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(value or ""))).strip()


def _required(
    errors: dict[str, list[FieldError]], field: str, value: str, limit: int, message: str
) -> None:
    if not value:
        errors[field] = [FieldError("ORG_REQUIRED", message)]
    elif len(value) > limit:
        errors[field] = [
            FieldError("ORG_TOO_LONG", _("Dài quá %(limit)d ký tự.") % {"limit": limit})
        ]


def validate_organisation(data: Mapping[str, object]) -> OrganisationApplication:
    """Every field at once; InvalidInput with the errors per field."""
    errors: dict[str, list[FieldError]] = {}
    agency_code = _text(data.get("agency_code"))
    if not re.fullmatch(r"\d{5}", agency_code):
        errors["agency_code"] = [
            FieldError("ORG_AGENCY", _("Chọn cơ quan BHXH quản lý trực tiếp đơn vị."))
        ]
    unit_name = _text(data.get("unit_name"))
    _required(errors, "unit_name", unit_name, MAX_NAME, _("Nhập tên cơ quan, tổ chức."))
    unit_code = ""
    raw_code = _text(data.get("unit_code"))
    if not raw_code:
        errors["unit_code"] = [FieldError("ORG_REQUIRED", _("Nhập mã số BHXH của đơn vị."))]
    else:
        try:
            unit_code = parse_unit_code(raw_code).value
        except IdentifierError as error:
            errors["unit_code"] = [FieldError(error.code, error.message)]
    address = _text(data.get("address"))
    _required(errors, "address", address, MAX_ADDRESS, _("Nhập địa chỉ liên hệ của đơn vị."))
    contact_name = _text(data.get("contact_name"))
    _required(
        errors,
        "contact_name",
        contact_name,
        MAX_CONTACT,
        _("Nhập họ tên người liên hệ (người phụ trách BHXH của đơn vị)."),
    )
    phone = ""
    raw_phone = _text(data.get("phone"))
    if not raw_phone:
        errors["phone"] = [
            FieldError(
                "ORG_REQUIRED",
                _("Nhập số điện thoại di động: cơ quan BHXH liên hệ và gửi mã đặt lại mật khẩu."),
            )
        ]
    else:
        try:
            phone = parse_phone(raw_phone).national
        except IdentifierError as error:
            errors["phone"] = [FieldError(error.code, error.message)]
    email = _text(data.get("email")).lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [
            FieldError(
                "ORG_EMAIL",
                _("Nhập địa chỉ thư điện tử hợp lệ: mã xác nhận và tài khoản được gửi tới đây."),
            )
        ]
    transact_at = _text(data.get("transact_at"))
    if transact_at not in TransactAt.values:
        errors["transact_at"] = [
            FieldError(
                "ORG_TRANSACT_AT",
                _("Chọn nơi đăng ký giao dịch: Cổng thông tin điện tử BHXH hoặc tổ chức I-VAN."),
            )
        ]
    if errors:
        raise InvalidInput(errors)
    return OrganisationApplication(
        agency_code=agency_code,
        unit_name=unit_name,
        unit_code=unit_code,
        address=address,
        contact_name=contact_name,
        phone=phone,
        email=email,
        transact_at=transact_at,
    )


def build_organisation_xml(
    application: OrganisationApplication, *, tax_code: str, created_at: datetime
) -> bytes:
    """The unsigned form with an empty `Cky`, for `prepare_signature(location=LOCATION)`.
    `tax_code` is the registry's MST of the unit, the one the certificate must carry."""
    root = etree.Element(ROOT)
    header = etree.SubElement(root, "ThongTinToKhai")
    etree.SubElement(header, "MaToKhai").text = FORM_CODE
    etree.SubElement(header, "TenToKhai").text = FORM_TITLE
    etree.SubElement(header, "NgayLap").text = created_at.strftime("%d/%m/%Y")
    unit = etree.SubElement(root, "ThongTinDonVi")
    etree.SubElement(unit, "TenDonVi").text = application.unit_name
    etree.SubElement(unit, "MaDonVi").text = application.unit_code
    etree.SubElement(unit, "MaSoThue").text = tax_code
    etree.SubElement(unit, "DiaChi").text = application.address
    etree.SubElement(unit, "CoQuanQuanLy").text = application.agency_code
    contact = etree.SubElement(root, "NguoiLienHe")
    etree.SubElement(contact, "HoTen").text = application.contact_name
    etree.SubElement(contact, "DienThoai").text = application.phone
    etree.SubElement(contact, "Email").text = application.email
    etree.SubElement(root, "DangKyGiaoDichTai").text = _TRANSACT_XML[
        TransactAt(application.transact_at)
    ]
    etree.SubElement(root, "Cky")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def read_organisation_xml(root: Any) -> OrganisationApplication:
    """The application in a verified form's signed content (`VerifiedDocument.root`);
    InvalidInput when it is not this form or a field is wrong, exactly as the web form."""
    if root.tag != ROOT or root.findtext("ThongTinToKhai/MaToKhai") != FORM_CODE:
        raise InvalidInput.one(
            "form",
            "ORG_FORM",
            _("Tài liệu đã ký không phải tờ khai đăng ký tài khoản của cơ quan, tổ chức."),
        )
    transact = root.findtext("DangKyGiaoDichTai") or ""
    return validate_organisation(
        {
            "agency_code": root.findtext("ThongTinDonVi/CoQuanQuanLy"),
            "unit_name": root.findtext("ThongTinDonVi/TenDonVi"),
            "unit_code": root.findtext("ThongTinDonVi/MaDonVi"),
            "address": root.findtext("ThongTinDonVi/DiaChi"),
            "contact_name": root.findtext("NguoiLienHe/HoTen"),
            "phone": root.findtext("NguoiLienHe/DienThoai"),
            "email": root.findtext("NguoiLienHe/Email"),
            "transact_at": _TRANSACT_VALUE.get(transact, transact),
        }
    )
