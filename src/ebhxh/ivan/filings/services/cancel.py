"""Cancelling a dossier the agency does not have yet."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from ebhxh.audit.services import actor_of, audit_record
from ebhxh.core.errors import DomainError
from ebhxh.ivan.filings.models import Filing, FilingState
from ebhxh.ivan.filings.services.common import _event, _locked, _membership, _move
from ebhxh.ivan.filings.services.hooks import _schedule_hooks
from ebhxh.ivan.permissions import Capability


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
