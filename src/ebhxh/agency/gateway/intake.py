"""The checks a submitted envelope passes before it gets a number, in this order:

1. the unit's signature (`verify_xml` at the receipt time: SCH001–004, SIG*, SCH007, CRT*);
2. the envelope's own format on what that signature covers (`read_envelope`: SCH005–007);
3. the envelope names the I-VAN that carries it (AUT002);
4. the procedure is one a unit files through an I-VAN (SCH007);
5. the certificate is the unit's: its MST equals `MaSoThue` (IDN001);
6. the unit and its managing agency: a known unit code whose registered MST matches
   (REG001, IDN001), or for a first registration (HSDKLanDau) a local agency named in
   `CoQuanQuanLy` (SCH007);
7. for business procedures, the eligibility port (AUT002; fails closed).

Reads only: nothing is written until every check has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ebhxh.agency.gateway import eligibility, trust
from ebhxh.agency.gateway.errors import GatewayError
from ebhxh.agency.registry.models import IvanConnection, Unit
from ebhxh.core.queries import unique_or_none
from ebhxh.dossiers.envelope import (
    IVAN_CODE_XPATH,
    MANAGING_AGENCY_XPATH,
    PROCEDURE_XPATH,
    TAX_CODE_XPATH,
    UNIT_CODE_XPATH,
    Envelope,
    read_envelope,
)
from ebhxh.pki.identity import require_tax_code
from ebhxh.reference.models import Agency
from ebhxh.reference.procedures import Applicant, ProcedureKind
from ebhxh.xmldsig import ENVELOPE, VerifiedDocument, verify_xml


@dataclass(frozen=True)
class Admission:
    """A submission that passed every check: what was signed, and who will decide it."""

    envelope: Envelope
    verified: VerifiedDocument
    agency: Agency


def admit(*, ivan: IvanConnection, envelope_bytes: bytes, received_at: datetime) -> Admission:
    """Run the checks above; raises GatewayError, DossierFormatError, XmlSignatureError or
    CertificateError at the first that fails."""
    verified = verify_xml(
        envelope_bytes, checker=trust.validator(), location=ENVELOPE, at=received_at
    )
    envelope = read_envelope(verified.root)
    if envelope.ivan.code != ivan.provider_id:
        raise GatewayError(
            "AUT002",
            f"hồ sơ ghi I-VAN {envelope.ivan.code} nhưng được gửi bởi I-VAN {ivan.provider_id}",
            xpath=IVAN_CODE_XPATH,
        )
    procedure = envelope.procedure
    if procedure.applicant is not Applicant.UNIT:
        raise GatewayError(
            "SCH007",
            f"thủ tục {procedure.code} do cá nhân nộp tại Cổng dịch vụ công, không qua I-VAN",
            xpath=PROCEDURE_XPATH,
        )
    require_tax_code(verified.validated, envelope.unit.tax_code, xpath=TAX_CODE_XPATH)
    agency = managing_agency(envelope)
    if procedure.kind is ProcedureKind.BUSINESS:
        eligibility.require_eligible(ivan, envelope)
    return Admission(envelope=envelope, verified=verified, agency=agency)


def managing_agency(envelope: Envelope) -> Agency:
    """The agency that numbers and decides the dossier."""
    unit_code = envelope.unit.unit_code
    if unit_code:
        unit = unique_or_none(
            Unit.objects.select_related("managing_agency").filter(unit_code=unit_code)
        )
        if unit is None:
            raise GatewayError(
                "REG001", f"mã đơn vị {unit_code} chưa có trong dữ liệu", xpath=UNIT_CODE_XPATH
            )
        if unit.tax_code != envelope.unit.tax_code:
            raise GatewayError(
                "IDN001",
                f"đơn vị {unit_code} có MST {unit.tax_code} trong dữ liệu của cơ quan BHXH",
                xpath=TAX_CODE_XPATH,
            )
        return unit.managing_agency
    code = envelope.unit.managing_agency
    agency = unique_or_none(
        Agency.objects.filter(code=code, level=Agency.Level.LOCAL, is_active=True)
    )
    if agency is None:
        raise GatewayError(
            "SCH007",
            f"{code} không phải mã một cơ quan BHXH cơ sở đang hoạt động",
            xpath=MANAGING_AGENCY_XPATH,
        )
    return agency
