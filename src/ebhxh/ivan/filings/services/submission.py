"""Submitting a signed dossier: marked SENDING and committed before the gateway is called (no
HTTP inside a transaction); the answer, a refusal or a failure to send is recorded in its own
transaction. Failed sends are retried with the same message id."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ebhxh.audit.services import SYSTEM_ACTOR, actor_of, audit_record
from ebhxh.core.errors import DomainError
from ebhxh.dossiers.errors import DossierFormatError
from ebhxh.dossiers.receipt import RECEIPT, parse_receipt
from ebhxh.ivan.filings.models import Filing, FilingState
from ebhxh.ivan.filings.services.common import _event, _locked, _membership, _move
from ebhxh.ivan.filings.services.hooks import _schedule_hooks
from ebhxh.ivan.filings.services.notify import _notify
from ebhxh.ivan.gateway import GatewayRejection, GatewayUnavailable, gateway_client
from ebhxh.ivan.permissions import Capability
from ebhxh.pki.demo import load_if_complete
from ebhxh.xmldsig import verify_xml

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
_GATEWAY_STATES: Final = {
    "received": FilingState.RECEIVED,
    "pending": FilingState.PROCESSING,
    "accepted": FilingState.ACCEPTED,
    "rejected": FilingState.REFUSED,
}


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
