"""Creating a dossier: checked with the gateway's own readers, so nobody signs what the agency
would refuse for its format."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from ebhxh.audit.services import actor_of, audit_record
from ebhxh.dossiers.envelope import Envelope, FormFile, build_envelope, parse_envelope
from ebhxh.dossiers.errors import DossierFormatError
from ebhxh.dossiers.forms import codec_for
from ebhxh.ivan.filings.models import Filing, FilingForm
from ebhxh.ivan.filings.services.common import (
    FilingInvalid,
    _check_certificate,
    _event,
    _format_error,
    _membership,
    _procedure,
    _setup,
    _unit_info,
    new_message_id,
)
from ebhxh.ivan.gateway import ivan_info
from ebhxh.ivan.models import ServiceState, Unit
from ebhxh.ivan.permissions import Capability
from ebhxh.reference.procedures import ProcedureKind, ProcedureSpec
from ebhxh.vntime import today_in_vietnam


@dataclass(frozen=True)
class FormInput:
    """One form to file: its code (`MaToKhai`), description, file name and unsigned XML."""

    form_code: str
    description: str
    file_name: str
    xml: bytes


def check_can_file(unit: Unit, procedure_code: str) -> ProcedureSpec:
    """Business dossiers are accepted only from the I-VAN holding the unit's active
    registration (the gateway's AUT002): refuse before anything is prepared."""
    procedure = _procedure(procedure_code)
    if procedure.kind is ProcedureKind.BUSINESS and unit.service_state != ServiceState.ACTIVE:
        raise FilingInvalid(
            f"Đơn vị {unit.name} chưa sử dụng dịch vụ giao dịch điện tử qua I-VAN này "
            f"(trạng thái: {ServiceState(unit.service_state).label}). Đăng ký dịch vụ "
            "(04/ĐK-IVAN) và kích hoạt trước khi nộp hồ sơ nghiệp vụ.",
            code="IVAN_SERVICE_NOT_ACTIVE",
            field="unit",
        )
    return procedure


def filing_create(
    *,
    actor: User,
    unit: Unit,
    procedure_code: str,
    forms: Sequence[FormInput],
    period: str = "",
    purpose: str = "",
    next_url: str = "",
    managing_agency: str = "",
    unit_kind: str = "",
) -> Filing:
    """Check the forms and the envelope with the gateway's readers and keep the dossier as a
    DRAFT ready to sign. Raises FilingInvalid with the catalogue code and the XPath of the
    first fault; nothing is stored then.

    `managing_agency` (`CoQuanQuanLy`, 5 digits) is needed for a unit without a unit code
    (HSDKLanDau); `unit_kind` fills `LoaiDoiTuong`.
    """
    membership = _membership(actor, unit, Capability.PREPARE)
    procedure = check_can_file(unit, procedure_code)
    if not forms:
        raise FilingInvalid("Hồ sơ phải có ít nhất một tờ khai.", code="SCH005", field="forms")
    setup = _setup(unit)
    _check_certificate(unit, setup)
    for form in forms:
        codec = codec_for(form.form_code)
        if codec is None:
            continue  # forms without a codec are checked only as envelope content
        try:
            codec.parse(form.xml)
        except DossierFormatError as error:
            raise _format_error(error, form_code=form.form_code) from None
    period = period or today_in_vietnam().strftime("%m/%Y")
    unsigned = build_envelope(
        Envelope(
            ivan=ivan_info(),
            unit=_unit_info(unit, setup, managing_agency=managing_agency, unit_kind=unit_kind),
            procedure_code=procedure.code,
            procedure_name=procedure.name,
            period=period,
            created_on=today_in_vietnam(),
            files=tuple(
                FormFile(
                    form_code=f.form_code,
                    description=f.description,
                    file_name=f.file_name,
                    content=f.xml,
                )
                for f in forms
            ),
        )
    )
    try:
        parse_envelope(unsigned)
    except DossierFormatError as error:
        raise _format_error(error) from None
    with transaction.atomic():
        filing = Filing.objects.create(
            company_id=unit.company_id,
            unit=unit,
            procedure_code=procedure.code,
            procedure_name=procedure.name,
            period=period,
            purpose=purpose[:200],
            message_id=new_message_id(),
            next_url=next_url[:300],
            created_by=actor,
            result={"envelope": {"managing_agency": managing_agency, "unit_kind": unit_kind}},
        )
        FilingForm.objects.bulk_create(
            FilingForm(
                filing=filing,
                position=position,
                form_code=form.form_code,
                description=form.description,
                file_name=form.file_name,
                xml=form.xml,
            )
            for position, form in enumerate(forms)
        )
        _event(
            filing,
            "created",
            f"Lập hồ sơ {procedure.code} – {purpose or procedure.name} ({len(forms)} tờ khai).",
        )
        audit_record(
            actor=actor_of(membership.user),
            action="ivan.filing_created",
            target=filing,
            data={"procedure": procedure.code, "unit": unit.tax_code, "forms": len(forms)},
        )
    return filing
