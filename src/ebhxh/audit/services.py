"""Writing to the audit log. Every service calls `audit_record` inside its own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from ebhxh.audit.hashing import normalise_data, record_hash
from ebhxh.audit.models import AuditChainHead, AuditRecord

SYSTEM_ACTOR = "system"


def actor_of(user: Any) -> str:
    """A stable, readable actor label for a Django user (or the system when there is none)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return SYSTEM_ACTOR
    return f"user:{user.pk}:{user.get_username()}"


def audit_record(
    *,
    actor: str,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    data: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one record to the chain, in the caller's transaction.

    Calling outside a transaction is a programming error: the record must commit or roll
    back together with the change it describes.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record phải được gọi trong transaction của dịch vụ.")
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    clean = normalise_data(data or {})
    seq = head.last_seq + 1
    occurred_at = timezone.now()
    digest = record_hash(
        seq=seq,
        occurred_at=occurred_at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=clean,
        prev_hash=head.last_hash,
    )
    record = AuditRecord.objects.create(
        seq=seq,
        occurred_at=occurred_at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=clean,
        prev_hash=head.last_hash,
        hash=digest,
    )
    AuditChainHead.objects.filter(id=1).update(last_seq=seq, last_hash=digest)
    return record
