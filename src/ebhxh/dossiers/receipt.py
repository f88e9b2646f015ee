"""The agency's receipt (biên nhận, `BienNhan`): the dossier number and what was received.

The gateway builds it, signs it in `ChuKy` (`RECEIPT`) and answers it at once; the I-VAN keeps
it as proof of submission and verifies it with `verify_xml(..., location=RECEIPT)`. Pure
Python, so both sides read it with this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from ebhxh.dossiers.errors import DossierFormatError
from ebhxh.dossiers.reading import ElementReader, add_text
from ebhxh.vntime import VIETNAM_TZ
from ebhxh.xmldsig import DEFAULT_LIMITS, ParseLimits, SignatureLocation, parse_xml

RECEIPT_ROOT = "BienNhan"
RECEIPT = SignatureLocation(parent="ChuKy", root=RECEIPT_ROOT)
_FIELDS = (
    "SoHoSo",
    "MaThongDiep",
    "MaIVAN",
    "ThoiDiemTiepNhan",
    "MaThuTuc",
    "MaSoThue",
    "MaDonVi",
    "CoQuanTiepNhan",
    "TenCoQuanTiepNhan",
    "MaBamHoSo",
    "ChuKy",
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def format_number(sequence: int, year: int, agency_code: str) -> str:
    """`NNNNN/YYYY/AAAAA`: the sequence zero-padded to 5 digits (more once past 99999)."""
    return f"{sequence:05d}/{year:04d}/{agency_code}"


def receipt_time(moment: datetime) -> str:
    """Vietnam time with its offset, to the millisecond (`2026-11-22T10:15:30.123+07:00`)."""
    return moment.astimezone(VIETNAM_TZ).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class Receipt:
    number: str
    message_id: str
    ivan_code: str
    received_at: datetime
    procedure_code: str
    tax_code: str
    unit_code: str
    agency_code: str
    agency_name: str
    envelope_sha256: str


def build_receipt(receipt: Receipt) -> bytes:
    """The unsigned receipt with an empty `ChuKy` for the agency's signature."""
    root = etree.Element(RECEIPT_ROOT)
    add_text(root, "SoHoSo", receipt.number)
    add_text(root, "MaThongDiep", receipt.message_id)
    add_text(root, "MaIVAN", receipt.ivan_code)
    add_text(root, "ThoiDiemTiepNhan", receipt_time(receipt.received_at))
    add_text(root, "MaThuTuc", receipt.procedure_code)
    add_text(root, "MaSoThue", receipt.tax_code)
    add_text(root, "MaDonVi", receipt.unit_code)
    add_text(root, "CoQuanTiepNhan", receipt.agency_code)
    add_text(root, "TenCoQuanTiepNhan", receipt.agency_name)
    digest = add_text(root, "MaBamHoSo", receipt.envelope_sha256)
    digest.set("ThuatToan", "SHA-256")
    etree.SubElement(root, RECEIPT.parent)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def read_receipt(root: object) -> Receipt:
    """Read a receipt's root element (from `VerifiedDocument.root` once verified)."""
    reader = ElementReader(root, f"/{RECEIPT_ROOT}", _FIELDS, optional=("MaDonVi", "ChuKy"))
    path = f"/{RECEIPT_ROOT}"
    try:
        received_at = datetime.fromisoformat(reader.text("ThoiDiemTiepNhan"))
    except ValueError:
        raise DossierFormatError(
            "SCH007", "Thời điểm tiếp nhận không hợp lệ.", xpath=f"{path}/ThoiDiemTiepNhan"
        ) from None
    if received_at.utcoffset() is None:
        raise DossierFormatError(
            "SCH007", "Thời điểm tiếp nhận phải có múi giờ.", xpath=f"{path}/ThoiDiemTiepNhan"
        )
    sha256 = reader.text("MaBamHoSo")
    if not _SHA256.match(sha256):
        raise DossierFormatError(
            "SCH007", "Mã băm hồ sơ phải là SHA-256 dạng hex.", xpath=f"{path}/MaBamHoSo"
        )
    return Receipt(
        number=reader.text("SoHoSo"),
        message_id=reader.text("MaThongDiep"),
        ivan_code=reader.text("MaIVAN"),
        received_at=received_at,
        procedure_code=reader.text("MaThuTuc"),
        tax_code=reader.text("MaSoThue"),
        unit_code=reader.text("MaDonVi"),
        agency_code=reader.text("CoQuanTiepNhan"),
        agency_name=reader.text("TenCoQuanTiepNhan"),
        envelope_sha256=sha256,
    )


def parse_receipt(xml: bytes, *, limits: ParseLimits = DEFAULT_LIMITS) -> Receipt:
    """Read a receipt (signed or not) without verifying it."""
    root = parse_xml(xml, limits=limits).getroot()
    if root.tag != RECEIPT_ROOT:
        raise DossierFormatError(
            "SCH006", f"Phần tử gốc phải là <{RECEIPT_ROOT}>, không phải <{root.tag}>.", xpath="/*"
        )
    return read_receipt(root)
