"""Queue and deliver notifications.

`queue_email`/`queue_sms` are called by other services inside their transaction: the message
row commits with the state change or not at all, and delivery starts only after commit.
Delivery claims a message with a lease (a conditional UPDATE, no long transaction), so a
worker killed mid-send leaves the message to be claimed again once the lease runs out.
"""

from __future__ import annotations

import logging
import random
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from ebhxh.audit.services import SYSTEM_ACTOR, audit_record
from ebhxh.identifiers import parse_phone
from ebhxh.notifications.models import (
    MESSAGE_TRANSITIONS,
    REDACTED_BODY,
    Channel,
    MessageStatus,
    OutboxMessage,
)
from ebhxh.notifications.ports import (
    DeliveryError,
    PermanentDeliveryError,
    email_sender,
    sms_gateway,
)

logger = logging.getLogger(__name__)


def _related(related: models.Model | None) -> dict[str, str]:
    if related is None:
        return {"related_type": "", "related_id": ""}
    return {"related_type": related._meta.label_lower, "related_id": str(related.pk)}


def _schedule_delivery(message: OutboxMessage) -> None:
    from ebhxh.notifications.tasks import deliver_message

    pk = message.pk
    transaction.on_commit(lambda: deliver_message.enqueue(pk))


def queue_email(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    related: models.Model | None = None,
    secret: bool = False,
) -> OutboxMessage:
    """Render `notifications/email/<template>.{subject.txt,txt,html}` now and queue it.
    `secret`: the body carries a password or a one-time code; `erase_sent_secrets` erases it
    once it has been sent (after `OUTBOX_SECRET_RETENTION_SECONDS`)."""
    subject = " ".join(
        render_to_string(f"notifications/email/{template}.subject.txt", context).split()
    )
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    with transaction.atomic():
        message = OutboxMessage.objects.create(
            channel=Channel.EMAIL,
            recipient=to.strip(),
            template=template,
            subject=subject,
            body_text=text,
            body_html=html,
            secret=secret,
            next_attempt_at=timezone.now(),
            **_related(related),
        )
        _schedule_delivery(message)
    return message


def queue_sms(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    related: models.Model | None = None,
    secret: bool = False,
) -> OutboxMessage:
    """Render `notifications/sms/<template>.txt` and queue it to the normalised +84 number."""
    phone = parse_phone(to)
    text = " ".join(render_to_string(f"notifications/sms/{template}.txt", context).split())
    with transaction.atomic():
        message = OutboxMessage.objects.create(
            channel=Channel.SMS,
            recipient=phone.e164,
            template=template,
            body_text=text,
            secret=secret,
            next_attempt_at=timezone.now(),
            **_related(related),
        )
        _schedule_delivery(message)
    return message


def _schedule_retry(message_id: int, when: datetime) -> None:
    """Enqueue the retry for later; a backend that cannot defer leaves it to the sweeper."""
    from ebhxh.notifications.tasks import deliver_message

    if deliver_message.get_backend().supports_defer:
        deferred = deliver_message.using(run_after=when)
        transaction.on_commit(lambda: deferred.enqueue(message_id))


def backoff_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter, capped; attempt 1 waits about the base delay."""
    base = settings.OUTBOX_BACKOFF_BASE_SECONDS
    cap = settings.OUTBOX_BACKOFF_MAX_SECONDS
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=delay * random.uniform(0.8, 1.2))


# A claim moves PENDING (due) or SENDING (lease expired) to SENDING; the table must allow it.
_CLAIMABLE = (MessageStatus.PENDING, MessageStatus.SENDING)
for _source in _CLAIMABLE:
    MESSAGE_TRANSITIONS.check(_source, MessageStatus.SENDING)


def _claim(message_id: int, now: datetime) -> OutboxMessage | None:
    """Take a due message (or one whose worker's lease expired) with one conditional UPDATE.

    The sources it takes from are `_CLAIMABLE`, checked against the transition table below.
    """
    token = secrets.token_hex(16)
    due = Q(status=MessageStatus.PENDING, next_attempt_at__lte=now)
    lease_expired = Q(status=MessageStatus.SENDING, lease_until__lt=now)
    claimed = OutboxMessage.objects.filter(Q(pk=message_id) & (due | lease_expired)).update(
        status=MessageStatus.SENDING,
        claim_token=token,
        lease_until=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return OutboxMessage.objects.get(pk=message_id)


def _send(message: OutboxMessage) -> None:
    reference = str(message.public_id)
    if message.channel == Channel.EMAIL:
        email_sender().send(
            to=message.recipient,
            subject=message.subject,
            text=message.body_text,
            html=message.body_html,
            message_id=message.message_id_header,
            reference=reference,
        )
    else:
        sms_gateway().send(to=message.recipient, text=message.body_text, reference=reference)


def deliver(*, message_id: int) -> MessageStatus | None:
    """Try to send one message; returns the resulting status, or None if not ours to send."""
    now = timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return None
    try:
        _send(message)
    except PermanentDeliveryError as exc:
        return _record_failure(message, str(exc), permanent=True)
    except DeliveryError as exc:
        return _record_failure(message, str(exc))
    except Exception as exc:  # an adapter bug must not lose the message either
        logger.exception("Unexpected error delivering outbox message %s", message.pk)
        return _record_failure(message, f"{exc.__class__.__name__}: {exc}")
    return _record_success(message)


def _owned(message: OutboxMessage) -> models.QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(
        pk=message.pk, status=MessageStatus.SENDING, claim_token=message.claim_token
    )


def _record_success(message: OutboxMessage) -> MessageStatus | None:
    """Mark SENT if this worker still holds the claim; None when the lease was lost meanwhile.

    Losing the lease means the send took longer than OUTBOX_LEASE_SECONDS and another worker
    may send the message too; the system check on the lease length keeps this rare.
    """
    MESSAGE_TRANSITIONS.check(message.status, MessageStatus.SENT)
    with transaction.atomic():
        updated = _owned(message).update(
            status=MessageStatus.SENT, sent_at=timezone.now(), lease_until=None, last_error=""
        )
        if not updated:
            logger.warning(
                "Outbox message %s was sent after its lease expired; another worker holds it",
                message.pk,
            )
            return None
        audit_record(
            actor=SYSTEM_ACTOR,
            action="notification.sent",
            target=message,
            data={
                "channel": message.channel,
                "template": message.template,
                "attempts": message.attempts,
            },
        )
    return MessageStatus.SENT


def _record_failure(
    message: OutboxMessage, error: str, *, permanent: bool = False
) -> MessageStatus:
    exhausted = permanent or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    target = MessageStatus.FAILED if exhausted else MessageStatus.PENDING
    MESSAGE_TRANSITIONS.check(message.status, target)
    next_at = timezone.now() + backoff_delay(message.attempts)
    with transaction.atomic():
        updated = _owned(message).update(
            status=target, last_error=error[:2000], lease_until=None, next_attempt_at=next_at
        )
        if updated and exhausted:
            audit_record(
                actor=SYSTEM_ACTOR,
                action="notification.failed",
                target=message,
                data={
                    "channel": message.channel,
                    "attempts": message.attempts,
                    "permanent": permanent,
                    "error": error,
                },
            )
        if updated and not exhausted:
            _schedule_retry(message.pk, next_at)
    logger.warning("Outbox message %s attempt %s failed: %s", message.pk, message.attempts, error)
    return target


def sweep_outbox(
    *, now: datetime | None = None, grace_seconds: float | None = None, limit: int = 500
) -> int:
    """Re-enqueue messages whose delivery task was lost (crash before enqueue, worker killed).

    Only messages overdue by `grace_seconds` are touched, so the normal path is not doubled;
    a duplicate task would be harmless anyway, since only one claim can win.
    """
    now = now or timezone.now()
    if grace_seconds is None:
        grace_seconds = settings.OUTBOX_SWEEP_GRACE_SECONDS
    cutoff = now - timedelta(seconds=grace_seconds)
    stuck = OutboxMessage.objects.filter(
        Q(status=MessageStatus.PENDING, next_attempt_at__lte=cutoff)
        | Q(status=MessageStatus.SENDING, lease_until__lt=now)
    ).values_list("pk", flat=True)[:limit]
    from ebhxh.notifications.tasks import deliver_message

    ids = list(stuck)
    for pk in ids:
        deliver_message.enqueue(pk)
    return len(ids)


def notification_test_queue(*, actor: str, to: str, channel: str, count: int = 1) -> int:
    """An operator checks email or SMS delivery end to end with test messages (audited)."""
    now = timezone.now()
    queue = queue_sms if channel == "sms" else queue_email
    with transaction.atomic():
        for sequence in range(1, count + 1):
            context = {"requested_by": actor, "requested_at": now, "sequence": sequence}
            message = queue(to=to, template="test_message", context=context)
            audit_record(actor=actor, action="notification.test_queued", target=message)
    return count


def requeue_failed(*, actor: str, message_ids: list[int] | None = None) -> int:
    """An operator sends failed messages again (after fixing SMTP credentials, say)."""
    with transaction.atomic():
        qs = OutboxMessage.objects.select_for_update().filter(status=MessageStatus.FAILED)
        if message_ids is not None:
            qs = qs.filter(pk__in=message_ids)
        messages = list(qs)
        for message in messages:
            MESSAGE_TRANSITIONS.check(message.status, MessageStatus.PENDING)
            message.status = MessageStatus.PENDING
            message.attempts = 0
            message.next_attempt_at = timezone.now()
            message.save(update_fields=["status", "attempts", "next_attempt_at"])
            audit_record(actor=actor, action="notification.requeued", target=message)
            _schedule_delivery(message)
    return len(messages)


def erase_sent_secrets(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Replace the body of secret messages sent more than `OUTBOX_SECRET_RETENTION_SECONDS`
    ago. The password or code has reached the recipient; kept only briefly (for a support
    question about a message that just left), it must not stay readable in the database."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.OUTBOX_SECRET_RETENTION_SECONDS)
    due = list(
        OutboxMessage.objects.filter(secret=True, status=MessageStatus.SENT, sent_at__lte=cutoff)
        .exclude(body_text=REDACTED_BODY)
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return 0
    with transaction.atomic():
        erased = OutboxMessage.objects.filter(pk__in=due).update(
            body_text=REDACTED_BODY, body_html=""
        )
        audit_record(
            actor=SYSTEM_ACTOR,
            action="notification.secrets_erased",
            object_type="notifications.outboxmessage",
            data={"count": erased, "before": cutoff.isoformat()},
        )
    return erased
