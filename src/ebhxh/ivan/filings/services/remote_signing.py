"""Remote signing: one `RemoteSigner` signs every form and then the envelope, so the holder
confirms on the device as the procedure requires for the whole dossier. It waits for a
person, so it runs outside any transaction and reports progress on the dossier."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ebhxh.audit.services import actor_of, audit_record
from ebhxh.core.errors import DomainError
from ebhxh.ivan.certificates import check_for_unit
from ebhxh.ivan.filings.models import Filing, FilingForm, FilingState
from ebhxh.ivan.filings.services.common import (
    SigningRefused,
    _check_signing,
    _envelope,
    _event,
    _files,
    _finish_signing,
    _locked,
    _membership,
    _move,
    _require_configured,
    _setup,
    _signing_time,
)
from ebhxh.ivan.models import Membership, SigningMethod
from ebhxh.ivan.permissions import Capability
from ebhxh.pki.errors import RejectionError
from ebhxh.pki.loading import fingerprint_sha256
from ebhxh.signers.errors import SignerError
from ebhxh.signers.remote import CscClient, RemoteSigner, RemoteSigningError, SigningProgress
from ebhxh.xmldsig import ENVELOPE, FORM, sign_xml


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
