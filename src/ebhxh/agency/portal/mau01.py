"""The Mẫu số 01 form as XML: what a person with a certificate signs, and what the agency
reads back from the signed content (never from the page that prepared it).

    <ToKhai>
      <ThongTinToKhai><MaToKhai>Mau01</MaToKhai><TenToKhai>…</TenToKhai>
        <NgayLap>dd/MM/yyyy</NgayLap><PhuongThuc>KySo</PhuongThuc></ThongTinToKhai>
      <ThongTinCaNhan><HoTen/><NgaySinh>dd/MM/yyyy</NgaySinh><GioiTinh>Nam|Nữ</GioiTinh>
        <SoCCCD/><MaSoBHXH/><DienThoai/><Email/><DiaChi/></ThongTinCaNhan>
      <Cky>(enveloped XMLDSig of the person)</Cky>
    </ToKhai>
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from ebhxh.agency.portal.declaration import Declaration, DeclarationInvalid, validate_declaration
from ebhxh.agency.portal.errors import FieldError
from ebhxh.xmldsig import SignatureLocation

FORM_CODE = "Mau01"
FORM_TITLE = (
    "Tờ khai đăng ký sử dụng phương thức giao dịch điện tử trong lĩnh vực bảo hiểm xã hội "
    "(dành cho cá nhân)"
)
ROOT = "ToKhai"
LOCATION = SignatureLocation(parent="Cky", root=ROOT)
_GENDER_TEXT = {"male": "Nam", "female": "Nữ"}
_GENDER_VALUE = {text: value for value, text in _GENDER_TEXT.items()}
_PERSON_TAGS = {
    "full_name": "HoTen",
    "birth_date": "NgaySinh",
    "gender": "GioiTinh",
    "citizen_id": "SoCCCD",
    "insurance_number": "MaSoBHXH",
    "phone": "DienThoai",
    "email": "Email",
    "address": "DiaChi",
}


def build_mau01(declaration: Declaration, *, created_at: datetime) -> bytes:
    """The unsigned form with an empty `Cky`, ready for `prepare_signature(location=LOCATION)`."""
    root = etree.Element(ROOT)
    header = etree.SubElement(root, "ThongTinToKhai")
    etree.SubElement(header, "MaToKhai").text = FORM_CODE
    etree.SubElement(header, "TenToKhai").text = FORM_TITLE
    etree.SubElement(header, "NgayLap").text = created_at.strftime("%d/%m/%Y")
    etree.SubElement(header, "PhuongThuc").text = "KySo"
    person = etree.SubElement(root, "ThongTinCaNhan")
    values = {
        **declaration.as_data(),
        "birth_date": declaration.birth_date.strftime("%d/%m/%Y"),
        "gender": _GENDER_TEXT[declaration.gender],
    }
    for name, tag in _PERSON_TAGS.items():
        etree.SubElement(person, tag).text = values[name]
    etree.SubElement(root, "Cky")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def read_mau01(root: Any, *, today: date | None = None) -> Declaration:
    """The declaration in a verified form's signed content (`VerifiedDocument.root`).

    Raises DeclarationInvalid when a field is missing or wrong, exactly as the web form would.
    """
    if root.tag != ROOT or root.findtext("ThongTinToKhai/MaToKhai") != FORM_CODE:
        raise DeclarationInvalid(
            {"form": [FieldError("DECL_FORM", _("Tài liệu đã ký không phải tờ khai Mẫu số 01."))]}
        )
    data: dict[str, object] = {
        name: root.findtext(f"ThongTinCaNhan/{tag}") or "" for name, tag in _PERSON_TAGS.items()
    }
    birth = str(data["birth_date"])
    data["birth_date"] = _iso_from_vn(birth) or birth
    data["gender"] = _GENDER_VALUE.get(str(data["gender"]), str(data["gender"]))
    return validate_declaration(data, today=today)


def _iso_from_vn(text: str) -> str | None:
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date().isoformat()  # noqa: DTZ007
    except ValueError:
        return None
