"""Following a dossier once the agency has it: one status request at a time, and the periodic
jobs that refresh undecided dossiers and resend failed sends."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from ebhxh.audit.services import SYSTEM_ACTOR, audit_record
from ebhxh.core.errors import DomainError
from ebhxh.ivan.filings.models import Filing, FilingState
from ebhxh.ivan.filings.selectors import due_for_resend, open_filings
from ebhxh.ivan.filings.services.common import _event, _locked, _move
from ebhxh.ivan.filings.services.hooks import _schedule_hooks
from ebhxh.ivan.filings.services.notify import _notify
from ebhxh.ivan.filings.services.submission import _GATEWAY_STATES, STALE_SENDING, filing_submit
from ebhxh.ivan.gateway import GatewayRejection, gateway_client

logger = logging.getLogger(__name__)


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
    count = 0
    for filing in due_for_resend(timezone.now(), stale=STALE_SENDING)[:limit]:
        try:
            filing_submit(actor=None, filing=filing)
        except DomainError as error:
            logger.warning("Resending filing %s failed: %s", filing.pk, error.message)
            continue
        count += 1
    return count
