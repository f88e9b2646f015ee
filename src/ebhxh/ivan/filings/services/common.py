"""What every use case of the dossier engine shares: its refusals, the caller's membership,
the timeline and state moves, the unit's signature setup and certificate, the envelope built
from the forms, and the checks both signing methods make before and after signing."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cryptography import x509
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from ebhxh.core.errors import DomainError
from ebhxh.dossiers.envelope import Envelope, FormFile, UnitInfo, build_envelope
from ebhxh.dossiers.errors import DossierFormatError
from ebhxh.ivan.certificates import CertificateRefused, check_for_unit
from ebhxh.ivan.filings.models import (
    FILING_TRANSITIONS,
    Filing,
    FilingEvent,
    FilingForm,
    FilingState,
)
from ebhxh.ivan.gateway import ivan_info
from ebhxh.ivan.models import Membership, SignatureSetup, SigningMethod, Unit
from ebhxh.ivan.permissions import Capability, NotAllowed, require
from ebhxh.reference.errors import UnknownProcedureError
from ebhxh.reference.procedures import ProcedureSpec, get_procedure
from ebhxh.vntime import VIETNAM_TZ, today_in_vietnam


class FilingInvalid(DomainError):
    """The dossier breaks a rule the gateway checks: `code` is the catalogue code and
    `field` the XPath at fault, so the user can find and fix it before signing."""

    code = "FILING_INVALID"


class SigningRefused(DomainError):
    code = "FILING_SIGNING_REFUSED"


def _membership(actor: AbstractBaseUser | None, unit: Unit, capability: Capability) -> Membership:
    if actor is None or actor.pk is None:
        raise NotAllowed("Bạn cần đăng nhập.", code="IVAN_NOT_ALLOWED")
    membership = (
        Membership.objects.filter(company_id=unit.company_id, user_id=actor.pk)
        .select_related("company")
        .first()
    )
    if membership is None:
        raise NotAllowed("Bạn không thuộc công ty của đơn vị này.", code="IVAN_NOT_ALLOWED")
    require(membership, capability)
    return membership


def _event(filing: Filing, kind: str, message: str, **detail: Any) -> FilingEvent:
    return FilingEvent.objects.create(filing=filing, kind=kind, message=message, detail=detail)


def _move(filing: Filing, target: FilingState) -> None:
    FILING_TRANSITIONS.check(filing.state, target)
    filing.state = target


def _locked(filing: Filing) -> Filing:
    return Filing.objects.select_for_update().select_related("unit", "company").get(pk=filing.pk)


def _setup(unit: Unit) -> SignatureSetup:
    setup = SignatureSetup.objects.filter(unit=unit).first()
    if setup is None:
        raise SigningRefused(
            f"Đơn vị {unit.name} chưa thiết lập chữ ký số. Vào Thiết lập → Chữ ký số của đơn "
            "vị để chọn chứng thư số trước khi lập hồ sơ.",
            code="IVAN_SIGNATURE_MISSING",
            field="unit",
        )
    return setup


def signing_setup(filing: Filing) -> SignatureSetup:
    """The unit's signature setup the dossier is signed with (refused when there is none)."""
    return _setup(filing.unit)


def _certificates(setup: SignatureSetup) -> tuple[x509.Certificate, tuple[x509.Certificate, ...]]:
    certificate = x509.load_pem_x509_certificate(setup.certificate_pem.encode("ascii"))
    chain = (
        tuple(x509.load_pem_x509_certificates(setup.chain_pem.encode("ascii")))
        if setup.chain_pem.strip()
        else ()
    )
    return certificate, chain


def _procedure(code: str) -> ProcedureSpec:
    try:
        return get_procedure(code)
    except UnknownProcedureError:
        raise FilingInvalid(
            f"Mã thủ tục '{code}' không có trong danh mục thủ tục.",
            code="SCH007",
            field="procedure_code",
        ) from None


def _format_error(error: DossierFormatError, *, form_code: str = "") -> FilingInvalid:
    where = f"Tờ khai {form_code}: " if form_code else ""
    return FilingInvalid(f"{where}{error.detail}", code=error.code, field=error.xpath)


def _unit_info(
    unit: Unit, setup: SignatureSetup, *, managing_agency: str, unit_kind: str
) -> UnitInfo:
    return UnitInfo(
        name=unit.name,
        unit_code=unit.unit_code,
        tax_code=unit.tax_code,
        signer_name=setup.common_name,
        phone=unit.company.contact_phone,
        managing_agency=managing_agency,
        kind=unit_kind,
    )


def _envelope(filing: Filing, files: Sequence[FormFile]) -> bytes:
    setup = _setup(filing.unit)
    info = filing.result.get("envelope", {}) if isinstance(filing.result, dict) else {}
    return build_envelope(
        Envelope(
            ivan=ivan_info(),
            unit=_unit_info(
                filing.unit,
                setup,
                managing_agency=str(info.get("managing_agency", "")),
                unit_kind=str(info.get("unit_kind", "")),
            ),
            procedure_code=filing.procedure_code,
            procedure_name=filing.procedure_name,
            period=filing.period,
            created_on=today_in_vietnam(),
            files=tuple(files),
        )
    )


def _files(forms: Sequence[FilingForm], *, signed: bool) -> list[FormFile]:
    return [
        FormFile(
            form_code=form.form_code,
            description=form.description,
            file_name=form.file_name,
            content=bytes((form.signed_xml if signed else form.xml) or b""),
        )
        for form in forms
    ]


def _check_certificate(unit: Unit, setup: SignatureSetup) -> None:
    """The configured certificate must still be able to sign for the unit (expiry, MST)."""
    certificate, chain = _certificates(setup)
    check_for_unit(certificate, chain, unit_tax_code=unit.tax_code, now=timezone.now())


def device_confirmations(filing: Filing) -> int:
    """How many confirmations the holder gives on the device for this procedure (seed 002)."""
    return _procedure(filing.procedure_code).device_confirmations


def new_message_id() -> str:
    """`X-Message-ID` of a dossier: this I-VAN's code and a random UUID."""
    return f"{settings.IVAN_CODE}-{uuid.uuid4().hex}"


# --- checks both signing methods make ------------------------------------------------------


def _check_signing(filing: Filing, method: SigningMethod) -> SignatureSetup:
    setup = _setup(filing.unit)
    if setup.method != method:
        raise SigningRefused(
            f"Đơn vị {filing.unit.name} được thiết lập ký bằng "
            f"{SigningMethod(setup.method).label}, không phải {method.label}.",
            code="IVAN_SIGNING_METHOD",
            field="method",
        )
    if filing.state not in (FilingState.DRAFT, FilingState.SIGNING):
        raise SigningRefused(
            f"Hồ sơ đang ở trạng thái “{FilingState(filing.state).label}”, không ký được nữa.",
            code="FILING_NOT_SIGNABLE",
        )
    return setup


def _require_configured(setup: SignatureSetup, fingerprint: str) -> None:
    if fingerprint != setup.fingerprint_sha256:
        raise CertificateRefused(
            "Chứng thư số đã chọn không phải chứng thư số đã thiết lập cho đơn vị "
            f"(đã thiết lập: {setup.common_name}, số hiệu {setup.serial_number}). Chọn đúng "
            "chứng thư số, hoặc thiết lập lại tại Thiết lập → Chữ ký số.",
            code="IDN001",
            field="certificate",
        )


def _signing_time() -> datetime:
    return datetime.now(VIETNAM_TZ).replace(microsecond=0)


def _finish_signing(filing: Filing, envelope: bytes) -> None:
    _move(filing, FilingState.SIGNED)
    filing.signed_envelope = envelope
    filing.envelope_sha256 = hashlib.sha256(envelope).hexdigest()
    filing.signing_prepared = None
    filing.signing_progress = {"stage": "signed", "message": "Đã ký xong hồ sơ."}
    filing.save()
    _event(filing, "signed", "Đã ký hồ sơ.", sha256=filing.envelope_sha256)
