"""Use cases of the dossier engine: create, sign, submit, track, cancel.

A dossier is checked with the gateway's own readers when it is created, so nobody signs
what the agency would refuse for its format. Signing follows the unit's configured method:
with a USB token the browser's signer agent signs one digest per request
(`filing_token_start` → `filing_token_continue` … until done); with remote signing one
`RemoteSigner` signs every form and then the envelope (`filing_remote_sign`), so the holder
confirms on the device as the procedure requires. Submission calls the gateway after the
dossier is marked SENDING and committed (no HTTP inside a transaction); the answer is then
recorded in its own transaction. Procedures react to outcomes through hooks
(`register_outcome_hook`), run after commit.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ebhxh.audit.services import SYSTEM_ACTOR, actor_of, audit_record
from ebhxh.core.errors import DomainError
from ebhxh.dossiers.envelope import (
    Envelope,
    FormFile,
    UnitInfo,
    build_envelope,
    parse_envelope,
)
from ebhxh.dossiers.errors import DossierFormatError
from ebhxh.dossiers.forms import codec_for
from ebhxh.dossiers.receipt import RECEIPT, parse_receipt
from ebhxh.ivan.certificates import CertificateRefused, check_for_unit, load_der
from ebhxh.ivan.filings.models import (
    FILING_TRANSITIONS,
    Filing,
    FilingEvent,
    FilingForm,
    FilingState,
)
from ebhxh.ivan.gateway import GatewayRejection, GatewayUnavailable, gateway_client, ivan_info
from ebhxh.ivan.models import Membership, ServiceState, SignatureSetup, SigningMethod, Unit
from ebhxh.ivan.permissions import Capability, NotAllowed, require
from ebhxh.notifications.services import queue_email
from ebhxh.pki.demo import load_if_complete
from ebhxh.pki.errors import RejectionError
from ebhxh.pki.loading import fingerprint_sha256
from ebhxh.reference.errors import UnknownProcedureError
from ebhxh.reference.procedures import ProcedureKind, ProcedureSpec, get_procedure
from ebhxh.signers.errors import SignerError
from ebhxh.signers.remote import CscClient, RemoteSigner, RemoteSigningError, SigningProgress
from ebhxh.vntime import VIETNAM_TZ, today_in_vietnam
from ebhxh.xmldsig import (
    ENVELOPE,
    FORM,
    PreparedSignature,
    assemble_signature,
    sign_xml,
    verify_xml,
)
from ebhxh.xmldsig import prepare_signature as xml_prepare_signature

logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS: Final = 8
# After the n-th failed send, wait RETRY_DELAYS[n-1] (the last one repeats).
RETRY_DELAYS: Final = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
# A dossier still SENDING after this long lost its answer (a crashed worker): resend it.
STALE_SENDING: Final = timedelta(minutes=10)
# States after which outcome hooks run: the dossier left the I-VAN or ended.
_HOOK_STATES: Final = frozenset(
    {
        FilingState.SEND_FAILED,
        FilingState.RECEIVED,
        FilingState.PROCESSING,
        FilingState.ACCEPTED,
        FilingState.REFUSED,
        FilingState.CANCELLED,
    }
)
_GATEWAY_STATES: Final = {
    "received": FilingState.RECEIVED,
    "pending": FilingState.PROCESSING,
    "accepted": FilingState.ACCEPTED,
    "rejected": FilingState.REFUSED,
}


class FilingInvalid(DomainError):
    """The dossier breaks a rule the gateway checks: `code` is the catalogue code and
    `field` the XPath at fault, so the user can find and fix it before signing."""

    code = "FILING_INVALID"


class SigningRefused(DomainError):
    code = "FILING_SIGNING_REFUSED"


@dataclass(frozen=True)
class FormInput:
    """One form to file: its code (`MaToKhai`), description, file name and unsigned XML."""

    form_code: str
    description: str
    file_name: str
    xml: bytes


@dataclass(frozen=True)
class SigningStep:
    """What the token page does next: sign `digest` (document `index` of `total`), or stop
    (`done`)."""

    filing: Filing
    done: bool
    digest: bytes = b""
    description: str = ""
    index: int = 0
    total: int = 0


# --- outcome hooks ---------------------------------------------------------------------------

_HOOKS: dict[str, list[Callable[[Filing], None]]] = {}


def register_outcome_hook(procedure_code: str, hook: Callable[[Filing], None]) -> None:
    """Call `hook(filing)` after commit whenever a dossier of `procedure_code` reaches a new
    state once it left the I-VAN (SEND_FAILED, RECEIVED, PROCESSING, ACCEPTED, REFUSED) or
    is cancelled. Registering the same hook twice has no effect."""
    hooks = _HOOKS.setdefault(procedure_code, [])
    if hook not in hooks:
        hooks.append(hook)


def _schedule_hooks(filing: Filing) -> None:
    if filing.state not in _HOOK_STATES or not _HOOKS.get(filing.procedure_code):
        return
    pk = filing.pk
    transaction.on_commit(lambda: _run_hooks(pk))


def _run_hooks(filing_id: int) -> None:
    filing = Filing.objects.select_related("unit", "company").get(pk=filing_id)
    for hook in list(_HOOKS.get(filing.procedure_code, ())):
        # One procedure's failing hook must not hide the outcome from the others; the
        # dossier's state is already committed and the hook runs again on the next change.
        try:
            hook(filing)
        except Exception:
            logger.exception("Outcome hook %r failed for filing %s", hook, filing_id)


# --- helpers ---------------------------------------------------------------------------------


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


# --- create ----------------------------------------------------------------------------------


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


# --- signing with a USB token (through the signer agent, one digest per request) ---------------


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


def _prepare_step(filing: Filing, forms: Sequence[FilingForm], step: int) -> SigningStep:
    certificate, chain = _certificates(_setup(filing.unit))
    total = len(forms) + 1
    if step < len(forms):
        document, location = bytes(forms[step].xml), FORM
        description = f"Tờ khai {forms[step].form_code} ({forms[step].file_name})"
    else:
        document, location = _envelope(filing, _files(forms, signed=True)), ENVELOPE
        description = f"Hồ sơ {filing.procedure_code} – {filing.unit.name}"
    prepared = xml_prepare_signature(
        document,
        certificate=certificate,
        chain=chain,
        location=location,
        signing_time=_signing_time(),
    )
    filing.signing_prepared = prepared.to_bytes()
    filing.signing_step = step
    filing.signing_progress = {
        "stage": "waiting",
        "message": f"Đang ký {description} ({step + 1}/{total})…",
        "index": step + 1,
        "total": total,
    }
    return SigningStep(
        filing=filing,
        done=False,
        digest=prepared.digest,
        description=description,
        index=step + 1,
        total=total,
    )


def filing_token_start(
    *, actor: User, filing: Filing, certificate: bytes, chain: Sequence[bytes] = ()
) -> SigningStep:
    """The token's certificate (DER, as the agent sends it) must be the unit's configured
    one and name the unit's MST; then the first form's digest is handed out to sign."""
    membership = _membership(actor, filing.unit, Capability.SIGN)
    with transaction.atomic():
        filing = _locked(filing)
        setup = _check_signing(filing, SigningMethod.TOKEN)
        [chosen, *intermediates] = load_der([certificate, *chain])
        facts = check_for_unit(
            chosen, intermediates, unit_tax_code=filing.unit.tax_code, now=timezone.now()
        )
        _require_configured(setup, facts.fingerprint_sha256)
        forms = list(filing.forms.all())
        for form in forms:
            form.signed_xml = None
        FilingForm.objects.bulk_update(forms, ["signed_xml"])
        if filing.state == FilingState.DRAFT:
            _move(filing, FilingState.SIGNING)
        filing.signing_method = SigningMethod.TOKEN
        filing.signer_fingerprint = facts.fingerprint_sha256
        step = _prepare_step(filing, forms, 0)
        filing.save()
        _event(
            filing,
            "signing_started",
            f"Bắt đầu ký bằng USB Token, chứng thư số {facts.common_name}.",
            fingerprint=facts.fingerprint_sha256,
        )
        audit_record(
            actor=actor_of(membership.user),
            action="ivan.filing_signing_started",
            target=filing,
            data={"method": SigningMethod.TOKEN, "fingerprint": facts.fingerprint_sha256},
        )
    return step


def filing_token_continue(*, actor: User, filing: Filing, signature: bytes) -> SigningStep:
    """Put the token's signature into the document it was prepared for and hand out the
    next digest; after the envelope's signature the dossier is SIGNED (`done`)."""
    membership = _membership(actor, filing.unit, Capability.SIGN)
    with transaction.atomic():
        filing = _locked(filing)
        _check_signing(filing, SigningMethod.TOKEN)
        if filing.state != FilingState.SIGNING or not filing.signing_prepared:
            raise SigningRefused(
                "Chưa có tài liệu chờ ký. Bấm “Ký hồ sơ” lại để bắt đầu.",
                code="FILING_NOT_PREPARED",
            )
        prepared = PreparedSignature.from_bytes(bytes(filing.signing_prepared))
        try:
            signed = assemble_signature(prepared, signature)
        except RejectionError as error:
            raise SigningRefused(error.message, code=error.code) from None
        forms = list(filing.forms.all())
        step = filing.signing_step
        if step < len(forms):
            forms[step].signed_xml = signed
            forms[step].save(update_fields=["signed_xml"])
            next_step = _prepare_step(filing, forms, step + 1)
            filing.save()
            return next_step
        _finish_signing(filing, signed)
        audit_record(
            actor=actor_of(membership.user),
            action="ivan.filing_signed",
            target=filing,
            data={"method": SigningMethod.TOKEN, "sha256": filing.envelope_sha256},
        )
    return SigningStep(filing=filing, done=True, index=len(forms) + 1, total=len(forms) + 1)


def _finish_signing(filing: Filing, envelope: bytes) -> None:
    _move(filing, FilingState.SIGNED)
    filing.signed_envelope = envelope
    filing.envelope_sha256 = hashlib.sha256(envelope).hexdigest()
    filing.signing_prepared = None
    filing.signing_progress = {"stage": "signed", "message": "Đã ký xong hồ sơ."}
    filing.save()
    _event(filing, "signed", "Đã ký hồ sơ.", sha256=filing.envelope_sha256)


# --- remote signing ------------------------------------------------------------------------


def filing_remote_begin(*, actor: User, filing: Filing) -> Filing:
    """Mark the dossier SIGNING before the (long) remote signing starts, so the page can
    show progress and a second click does not start another one."""
    membership = _membership(actor, filing.unit, Capability.SIGN)
    with transaction.atomic():
        filing = _locked(filing)
        setup = _check_signing(filing, SigningMethod.REMOTE)
        if filing.state == FilingState.SIGNING and filing.signing_progress.get("stage") in (
            "connecting",
            "waiting",
            "signing",
        ):
            raise SigningRefused(
                "Hồ sơ đang được ký từ xa; chờ xác nhận trên thiết bị.",
                code="FILING_SIGNING_IN_PROGRESS",
            )
        if filing.state == FilingState.DRAFT:
            _move(filing, FilingState.SIGNING)
        filing.signing_method = SigningMethod.REMOTE
        filing.signer_fingerprint = setup.fingerprint_sha256
        filing.signing_prepared = None
        filing.signing_progress = {
            "stage": "connecting",
            "message": "Đang gửi yêu cầu ký tới dịch vụ ký số từ xa…",
        }
        filing.save()
        _event(
            filing,
            "signing_started",
            f"Bắt đầu ký số từ xa với tài khoản {setup.remote_username}.",
            fingerprint=setup.fingerprint_sha256,
        )
        audit_record(
            actor=actor_of(membership.user),
            action="ivan.filing_signing_started",
            target=filing,
            data={"method": SigningMethod.REMOTE, "account": setup.remote_username},
        )
    return filing


def _save_progress(filing_id: int, progress: dict[str, Any]) -> None:
    Filing.objects.filter(pk=filing_id, state=FilingState.SIGNING).update(
        signing_progress=progress, updated_at=timezone.now()
    )


def _progress_of(
    progress: SigningProgress, document: str, index: int, total: int
) -> dict[str, Any]:
    return {
        "stage": progress.stage,
        "message": progress.message,
        "status": progress.status,
        "document": document,
        "index": index,
        "total": total,
        "confirmations_received": progress.confirmations_received,
        "confirmations_required": progress.confirmations_required,
        "seconds_left": progress.seconds_left,
    }


def filing_remote_sign(
    *,
    actor: User,
    filing: Filing,
    client: CscClient,
    poll_interval: float | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Filing:
    """Sign every form and then the envelope with ONE `RemoteSigner` on `client` (already
    logged in with the holder's account), reporting progress on the dossier while the holder
    confirms on the device. Failures put the dossier back to DRAFT with the reason.

    Runs outside any transaction (it waits for a person); each step commits on its own.
    """
    membership = _membership(actor, filing.unit, Capability.SIGN)
    filing = Filing.objects.select_related("unit", "company").get(pk=filing.pk)
    if filing.state != FilingState.SIGNING or filing.signing_method != SigningMethod.REMOTE:
        raise SigningRefused("Hồ sơ chưa được chuyển sang ký từ xa.", code="FILING_NOT_PREPARED")
    setup = _setup(filing.unit)
    forms = list(filing.forms.all())
    total = len(forms) + 1
    current: dict[str, Any] = {"document": "", "index": 0}

    def report(progress: SigningProgress) -> None:
        _save_progress(
            filing.pk, _progress_of(progress, current["document"], current["index"], total)
        )

    extra: dict[str, Any] = {}
    if sleep is not None:
        extra["sleep"] = sleep
    try:
        signer = RemoteSigner(
            client,
            setup.remote_credential_id,
            procedure_code=filing.procedure_code,
            unit_name=filing.unit.name,
            unit_tax_code=filing.unit.tax_code,
            description=f"Hồ sơ {filing.procedure_code} – "
            f"{filing.purpose or filing.procedure_name}",
            on_progress=report,
            poll_interval=poll_interval,
            **extra,
        )
        check_for_unit(
            signer.certificate,
            signer.chain,
            unit_tax_code=filing.unit.tax_code,
            now=timezone.now(),
        )
        _require_configured(setup, fingerprint_sha256(signer.certificate))
        for index, form in enumerate(forms):
            current.update(document=f"Tờ khai {form.form_code}", index=index + 1)
            form.signed_xml = sign_xml(
                bytes(form.xml), signer, location=FORM, signing_time=_signing_time()
            )
        current.update(document="Hồ sơ", index=total)
        envelope = _envelope(filing, _files(forms, signed=True))
        signed = sign_xml(envelope, signer, location=ENVELOPE, signing_time=_signing_time())
    except (RemoteSigningError, SignerError, DomainError, RejectionError, ValueError) as error:
        return _remote_failed(filing, membership, error)
    with transaction.atomic():
        filing = _locked(filing)
        if filing.state != FilingState.SIGNING:
            return filing  # cancelled meanwhile: the signatures are not used
        FilingForm.objects.bulk_update(forms, ["signed_xml"])
        _finish_signing(filing, signed)
        audit_record(
            actor=actor_of(membership.user),
            action="ivan.filing_signed",
            target=filing,
            data={"method": SigningMethod.REMOTE, "sha256": filing.envelope_sha256},
        )
    return filing


def _remote_message(error: Exception) -> tuple[str, str]:
    if isinstance(error, RemoteSigningError):
        return str(error.code), error.message_vi
    if isinstance(error, DomainError | RejectionError):
        return error.code, error.message
    if isinstance(error, SignerError):
        return str(error.code), str(error)
    return "FILING_SIGNING_FAILED", f"Không ký được hồ sơ: {error}"


def _remote_failed(filing: Filing, membership: Membership, error: Exception) -> Filing:
    code, message = _remote_message(error)
    with transaction.atomic():
        filing = _locked(filing)
        if filing.state != FilingState.SIGNING:
            return filing
        _move(filing, FilingState.DRAFT)
        filing.signing_progress = {"stage": "failed", "message": message, "code": code}
        filing.save()
        _event(filing, "signing_failed", f"Ký số từ xa không thành công: {message}", code=code)
        audit_record(
            actor=actor_of(membership.user),
            action="ivan.filing_signing_failed",
            target=filing,
            data={"code": code},
        )
    return filing


# --- submission ----------------------------------------------------------------------------


def filing_submit(*, actor: User | None, filing: Filing) -> Filing:
    """Send a signed dossier (or resend one that failed to send, with the same message id)
    and record the gateway's answer. `actor` None: the retry job."""
    membership = _membership(actor, filing.unit, Capability.SIGN) if actor is not None else None
    with transaction.atomic():
        filing = _locked(filing)
        stale = (
            filing.state == FilingState.SENDING
            and filing.updated_at < timezone.now() - STALE_SENDING
        )
        if filing.state not in (FilingState.SIGNED, FilingState.SEND_FAILED) and not stale:
            raise DomainError(
                f"Hồ sơ đang ở trạng thái “{FilingState(filing.state).label}”, không nộp được.",
                code="FILING_NOT_SENDABLE",
            )
        if not stale:
            _move(filing, FilingState.SENDING)
        filing.send_attempts += 1
        filing.next_retry_at = None
        if membership is not None:
            filing.submitted_by = membership.user
        filing.save()
        _event(
            filing,
            "sending",
            "Đang gửi hồ sơ tới cổng giao dịch của BHXH"
            + (f" (lần {filing.send_attempts})." if filing.send_attempts > 1 else "."),
        )
        audit_record(
            actor=actor_of(membership.user) if membership else SYSTEM_ACTOR,
            action="ivan.filing_sending",
            target=filing,
            data={"message_id": filing.message_id, "attempt": filing.send_attempts},
        )
    return _send(filing)


def _send(filing: Filing) -> Filing:
    envelope = bytes(filing.signed_envelope or b"")
    try:
        with gateway_client() as client:
            answer = client.submit(envelope, message_id=filing.message_id)
    except GatewayUnavailable as error:
        return _send_failed(filing, error.code, error.message)
    except GatewayRejection as rejection:
        if rejection.status >= 500 or rejection.code.startswith("SYS001"):
            return _send_failed(filing, rejection.code or "SYS001", rejection.message)
        return _refused_at_intake(filing, rejection)
    try:
        _check_receipt(filing, answer.receipt, answer.sha256)
    except DomainError as error:
        return _send_failed(filing, error.code, error.message)
    with transaction.atomic():
        filing = _locked(filing)
        filing.number = answer.number
        filing.received_at = answer.received_at
        filing.receipt = answer.receipt
        _move(filing, FilingState.RECEIVED)
        filing.gateway_status = answer.status
        filing.save()
        _event(
            filing,
            "received",
            f"BHXH đã tiếp nhận hồ sơ, số hồ sơ {answer.number}"
            + ("" if answer.created else " (nộp lại, BHXH trả lại biên nhận đã cấp)")
            + ".",
            number=answer.number,
            created=answer.created,
        )
        target = _GATEWAY_STATES.get(answer.status)
        if target is not None and target != FilingState.RECEIVED:
            _move(filing, target)
            filing.save()
        audit_record(
            actor=SYSTEM_ACTOR,
            action="ivan.filing_received",
            target=filing,
            data={"number": answer.number, "created": answer.created},
        )
        _notify(filing, "ivan_filing_received")
        _schedule_hooks(filing)
    return filing


def _receipt_checker() -> Any:
    """The demo PKI's validator when the demo runs; in production the receipt's hash and
    content are checked, and its signature is kept for whoever audits it later."""
    if settings.DEMO:
        pki = load_if_complete(Path(settings.DEMO_PKI_DIR))
        if pki is not None:
            return pki.validator()
    return None


def _check_receipt(filing: Filing, receipt_xml: bytes, sha256: str) -> None:
    """The receipt must be about exactly what we sent: same hash, same message id."""
    refused = DomainError(
        "Biên nhận của BHXH không khớp với hồ sơ đã gửi; hồ sơ sẽ được gửi lại.",
        code="IVAN_RECEIPT_MISMATCH",
    )
    try:
        receipt = parse_receipt(receipt_xml)
    except DossierFormatError:
        raise refused from None
    if (
        sha256 != filing.envelope_sha256
        or receipt.envelope_sha256 != filing.envelope_sha256
        or receipt.message_id != filing.message_id
    ):
        raise refused
    checker = _receipt_checker()
    if checker is not None:
        try:
            verify_xml(receipt_xml, checker=checker, location=RECEIPT, at=receipt.received_at)
        except Exception:
            raise DomainError(
                "Chữ ký của BHXH trên biên nhận không hợp lệ; hồ sơ sẽ được gửi lại.",
                code="IVAN_RECEIPT_SIGNATURE",
            ) from None


def _retry_delay(attempts: int) -> timedelta:
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def _send_failed(filing: Filing, code: str, message: str) -> Filing:
    with transaction.atomic():
        filing = _locked(filing)
        _move(filing, FilingState.SEND_FAILED)
        filing.result_code = code
        filing.result_message = message
        filing.result_xpath = ""
        retry = filing.send_attempts < MAX_SEND_ATTEMPTS
        filing.next_retry_at = (
            timezone.now() + _retry_delay(filing.send_attempts) if retry else None
        )
        filing.save()
        _event(
            filing,
            "send_failed",
            f"Gửi không thành công: {message}"
            + (
                f" Hệ thống sẽ tự gửi lại lúc {timezone.localtime(filing.next_retry_at):%H:%M}."
                if filing.next_retry_at
                else " Đã thử nhiều lần; bấm “Gửi lại” khi cổng BHXH hoạt động trở lại."
            ),
            code=code,
        )
        audit_record(
            actor=SYSTEM_ACTOR,
            action="ivan.filing_send_failed",
            target=filing,
            data={"code": code, "attempt": filing.send_attempts},
        )
        _schedule_hooks(filing)
    return filing


def _refused_at_intake(filing: Filing, rejection: GatewayRejection) -> Filing:
    with transaction.atomic():
        filing = _locked(filing)
        _move(filing, FilingState.REFUSED)
        filing.result_code = rejection.code
        filing.result_message = rejection.message
        filing.result_xpath = rejection.xpath
        filing.gateway_status = "rejected"
        filing.save()
        _event(
            filing,
            "refused",
            f"BHXH từ chối tiếp nhận hồ sơ ({rejection.code}): {rejection.message}",
            code=rejection.code,
            xpath=rejection.xpath,
            detail=rejection.detail,
        )
        audit_record(
            actor=SYSTEM_ACTOR,
            action="ivan.filing_refused",
            target=filing,
            data={"code": rejection.code, "xpath": rejection.xpath},
        )
        _notify(filing, "ivan_filing_refused")
        _schedule_hooks(filing)
    return filing


# --- tracking ------------------------------------------------------------------------------


def filing_refresh(*, filing: Filing) -> Filing:
    """Ask the gateway once for the dossier's status and record what changed. A dossier
    that never got its answer (SENDING) is looked up by its message id."""
    filing = Filing.objects.select_related("unit", "company").get(pk=filing.pk)
    if not filing.number and filing.state not in (FilingState.SENDING, FilingState.SEND_FAILED):
        return filing
    try:
        with gateway_client() as client:
            document = (
                client.status(filing.number)
                if filing.number
                else client.status_by_message(filing.message_id)
            )
    except GatewayRejection as rejection:
        if rejection.status == 404 and not filing.number:
            return filing  # the agency never got it: the retry job sends it again
        raise DomainError(
            f"Không lấy được trạng thái hồ sơ: {rejection.message}", code=rejection.code
        ) from None
    return _apply_status(filing, document)


def _apply_status(filing: Filing, document: dict[str, Any]) -> Filing:
    status = str(document.get("status", ""))
    target = _GATEWAY_STATES.get(status)
    result = document.get("result") if isinstance(document.get("result"), dict) else {}
    assert isinstance(result, dict)
    with transaction.atomic():
        filing = _locked(filing)
        if (
            not filing.number
            and document.get("number")
            and filing.state in (FilingState.SENDING, FilingState.SEND_FAILED)
        ):
            return _adopt(filing, document)
        before = filing.state
        filing.gateway_status = status
        filing.result = {**filing.result, "status": status, **result}  # code, message, data
        if target is not None and target != filing.state:
            _move(filing, target)
        if filing.state == FilingState.REFUSED:
            filing.result_code = str(result.get("code", ""))
            filing.result_message = str(result.get("message", ""))
            filing.result_xpath = str(result.get("xpath", ""))
        elif filing.state == FilingState.ACCEPTED:
            filing.result_message = str(result.get("message", ""))
        filing.save()
        if filing.state != before:
            label = str(document.get("status_label") or FilingState(filing.state).label)
            message = str(result.get("message", ""))
            text = f"BHXH: {label}."
            if filing.state == FilingState.REFUSED:
                text = f"BHXH từ chối hồ sơ ({filing.result_code}): {filing.result_message}"
            elif message:
                text = f"BHXH: {label}. {message}"
            _event(filing, status or filing.state, text, code=filing.result_code)
            audit_record(
                actor=SYSTEM_ACTOR,
                action="ivan.filing_status",
                target=filing,
                data={"from": before, "to": filing.state, "code": filing.result_code},
            )
            if filing.state == FilingState.REFUSED:
                _notify(filing, "ivan_filing_refused")
            _schedule_hooks(filing)
    return filing


def _adopt(filing: Filing, document: dict[str, Any]) -> Filing:
    """The gateway has the dossier though we never saw its answer: fetch the receipt by
    resending (idempotent, same bytes) after this transaction."""
    filing.state = FilingState.SEND_FAILED
    filing.next_retry_at = timezone.now()
    filing.save()
    transaction.on_commit(lambda: _resend_quietly(filing.pk))
    return filing


def _resend_quietly(filing_id: int) -> None:
    filing = Filing.objects.get(pk=filing_id)
    if filing.state == FilingState.SEND_FAILED:
        filing_submit(actor=None, filing=filing)


def refresh_open_filings(*, limit: int = 200) -> int:
    """The periodic job: refresh dossiers the agency has not decided yet."""
    from ebhxh.ivan.filings.selectors import open_filings

    count = 0
    for filing in open_filings()[:limit]:
        try:
            filing_refresh(filing=filing)
        except DomainError as error:
            logger.warning("Refreshing filing %s failed: %s", filing.pk, error.message)
            continue
        count += 1
    return count


def resend_due_filings(*, limit: int = 50) -> int:
    """The periodic job: resend dossiers whose send failed, when their retry time is due,
    and those stuck in SENDING (same message id: the gateway does not record them twice)."""
    from ebhxh.ivan.filings.selectors import due_for_resend

    count = 0
    for filing in due_for_resend(timezone.now(), stale=STALE_SENDING)[:limit]:
        try:
            filing_submit(actor=None, filing=filing)
        except DomainError as error:
            logger.warning("Resending filing %s failed: %s", filing.pk, error.message)
            continue
        count += 1
    return count


# --- cancel --------------------------------------------------------------------------------


def filing_cancel(*, actor: User, filing: Filing) -> Filing:
    """A dossier the agency does not have yet may be dropped (kept, marked CANCELLED)."""
    membership = _membership(actor, filing.unit, Capability.PREPARE)
    with transaction.atomic():
        filing = _locked(filing)
        if not filing.is_cancellable:
            raise DomainError(
                f"Hồ sơ đang ở trạng thái “{FilingState(filing.state).label}”, không huỷ được.",
                code="FILING_NOT_CANCELLABLE",
            )
        _move(filing, FilingState.CANCELLED)
        filing.signing_prepared = None
        filing.next_retry_at = None
        filing.save()
        _event(filing, "cancelled", f"{membership.user.get_username()} đã huỷ hồ sơ.")
        audit_record(actor=actor_of(membership.user), action="ivan.filing_cancelled", target=filing)
        _schedule_hooks(filing)
    return filing


# --- emails --------------------------------------------------------------------------------


def _notify(filing: Filing, template: str) -> None:
    """The company's contact email and the user who submitted (deduplicated)."""
    recipients: list[str] = []
    for address in (
        filing.company.contact_email,
        filing.submitted_by.email if filing.submitted_by else "",
        filing.created_by.email if filing.created_by and not filing.submitted_by else "",
    ):
        if address and address.lower() not in {r.lower() for r in recipients}:
            recipients.append(address)
    base = getattr(settings, "IVAN_BASE_URL", settings.PORTAL_BASE_URL)
    link = base.rstrip("/") + reverse("ivan:filing_detail", args=[filing.pk])
    context = {"filing": filing, "unit": filing.unit, "company": filing.company, "link": link}
    for address in recipients:
        queue_email(to=address, template=template, context=context, related=filing)
