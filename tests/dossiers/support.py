"""Builders for dossiers signed with the demo PKI: D02-TS forms, `Hoso` envelopes, signers.

Pure (no Django), shared by tests/dossiers, tests/agency/gateway and bench/gateway_intake.py.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from datetime import date

from ebhxh.dossiers.envelope import Envelope, FormFile, IvanInfo, UnitInfo, build_envelope
from ebhxh.dossiers.forms.business import D02Employee, D02Report, Plan, build_d02
from ebhxh.pki.demo import DemoPki
from ebhxh.signers.software import Pkcs12Signer
from ebhxh.xmldsig import ENVELOPE, FORM, sign_xml

PERIOD = "11/2026"
# Demo units (docs/pki.md): slug -> (unit code, MST, name)
DEMO_UNITS = {
    "sao-mai-vnpt": ("TA0123K", "0109234567", "CÔNG TY TNHH CÔNG NGHỆ SAO MAI (DEMO)"),
    "sao-mai-hcm": ("YN0456B", "0109234567-001", "CN CÔNG TY TNHH CÔNG NGHỆ SAO MAI (DEMO)"),
    "song-hau": ("1800123450DNA03", "1800123450", "CÔNG TY TNHH THỰC PHẨM SÔNG HẬU (DEMO)"),
    "phu-thinh": ("HP0789C", "0200123457", "CÔNG TY TNHH XÂY DỰNG PHÚ THỊNH (DEMO)"),
    "hoa-binh": ("", "0109123458", "CÔNG TY CỔ PHẦN ĐẦU TƯ THƯƠNG MẠI HOÀ BÌNH (DEMO)"),
}
IVANS = {"00110": "ivan-misa", "00020": "ivan-vnpt", "00050": "ivan-viettel"}


@functools.cache
def signer(pki: DemoPki, slug: str) -> Pkcs12Signer:
    """Loaded once per PKI and slug: parsing and checking an RSA key costs tens of ms."""
    return Pkcs12Signer(pki.private_key(slug), pki.certificate(slug), pki.chain(slug))


def employee(index: int, **changes: object) -> D02Employee:
    base = D02Employee(
        full_name=f"Nguyễn Văn Bình {index}",
        insurance_number=f"{7900000000 + index}",
        citizen_id=f"0010900{index:05d}",
        birth_date=date(1990, 2, 1),
        gender="male",
        plan=Plan.NEW,
        from_month=PERIOD,
        position="Nhân viên kế toán",
        salary=8_000_000 + index * 1000,
    )
    return replace(base, **changes)


def d02_report(unit_code: str, *, rows: int = 3, period: str = PERIOD) -> D02Report:
    return D02Report(
        period=period,
        unit_code=unit_code,
        employees=tuple(employee(i) for i in range(1, rows + 1)),
    )


def signed_d02(pki: DemoPki, slug: str, report: D02Report) -> bytes:
    return sign_xml(build_d02(report), signer(pki, slug), location=FORM)


def envelope_of(
    *,
    slug: str,
    ivan_code: str = "00110",
    procedure_code: str = "600",
    files: tuple[FormFile, ...] = (),
    unit_code: str | None = None,
    tax_code: str | None = None,
    managing_agency: str = "",
    period: str = PERIOD,
) -> Envelope:
    demo_code, demo_tax, name = DEMO_UNITS[slug]
    return Envelope(
        ivan=IvanInfo(code=ivan_code, name="CÔNG TY CỔ PHẦN MISA"),
        unit=UnitInfo(
            name=name,
            unit_code=demo_code if unit_code is None else unit_code,
            tax_code=demo_tax if tax_code is None else tax_code,
            signer_name="Nguyễn Thị Hương",
            phone="0912345678",
            managing_agency=managing_agency,
            kind="1",
        ),
        procedure_code=procedure_code,
        procedure_name="Báo tăng, báo giảm, điều chỉnh đóng BHXH, BHYT, BHTN",
        period=period,
        created_on=date(2026, 11, 21),
        files=files,
    )


def d02_file(content: bytes) -> FormFile:
    return FormFile(
        form_code="D02-TS",
        description="Báo cáo tình hình sử dụng lao động",
        file_name="D02-TS.xml",
        content=content,
    )


def business_envelope(
    pki: DemoPki,
    slug: str,
    *,
    ivan_code: str = "00110",
    rows: int = 3,
    report: D02Report | None = None,
    form_signer: str | None = None,
    **changes: object,
) -> bytes:
    """A signed 600 dossier of a demo unit with one signed D02-TS form."""
    unit_code = DEMO_UNITS[slug][0]
    form = signed_d02(pki, form_signer or slug, report or d02_report(unit_code, rows=rows))
    envelope = envelope_of(slug=slug, ivan_code=ivan_code, files=(d02_file(form),), **changes)
    return sign_xml(build_envelope(envelope), signer(pki, slug), location=ENVELOPE)


def sign_envelope(pki: DemoPki, slug: str, envelope: Envelope) -> bytes:
    return sign_xml(build_envelope(envelope), signer(pki, slug), location=ENVELOPE)
