"""Signed callbacks to the I-VAN when a dossier's status changes.

The same outbox pattern as `ebhxh.notifications` (that package sends email and SMS only, so
it is mirrored here rather than bent): `schedule` writes a `CallbackDelivery` row in the
caller's transaction, delivery starts after commit. A worker claims a due row with one
conditional UPDATE and a lease, so two workers never send the same attempt; a worker that dies
mid-send leaves the row to be claimed again when the lease runs out. Each attempt POSTs the
stored JSON, signed by the agency with the request-signature scheme (`X-BHXH-*` headers), and
anything but a 2xx is retried with exponential backoff up to GATEWAY_CALLBACK_MAX_ATTEMPTS.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import uuid
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from ebhxh.agency.gateway.models import (
    CALLBACK_TRANSITIONS,
    CallbackDelivery,
    CallbackStatus,
    Dossier,
)
from ebhxh.agency.gateway.selectors import dossier_status
from ebhxh.agency.gateway.signing import agency_certificate_fingerprint, agency_signer
from ebhxh.audit.services import SYSTEM_ACTOR, audit_record
from ebhxh.dossiers.transport import AGENCY_PREFIX, sign_request

logger = logging.getLogger(__name__)

EVENT_TYPE = "dossier.status"
DELIVERY_HEADER = f"{AGENCY_PREFIX}-Delivery"
CERTIFICATE_HEADER = f"{AGENCY_PREFIX}-Certificate"

# A claim moves PENDING (due) or SENDING (lease expired) to SENDING; the table must allow it.
_CLAIMABLE = (CallbackStatus.PENDING, CallbackStatus.SENDING)
for _source in _CLAIMABLE:
    CALLBACK_TRANSITIONS.check(_source, CallbackStatus.SENDING)


def schedule(*, dossier: Dossier) -> CallbackDelivery | None:
    """Queue a callback with the dossier's current status, sent after the caller's
    transaction commits; None when the I-VAN registered no callback URL."""
    url = dossier.ivan.callback_url
    if not url:
        return None
    public_id = uuid.uuid4()
    payload = {
        "type": EVENT_TYPE,
        "delivery_id": str(public_id),
        "dossier": dossier_status(dossier),
    }
    delivery = CallbackDelivery.objects.create(
        public_id=public_id,
        dossier=dossier,
        url=url,
        payload=json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        next_attempt_at=timezone.now(),
    )
    pk = delivery.pk
    transaction.on_commit(lambda: _enqueue(pk))
    return delivery


def _enqueue(delivery_id: int, *, when: datetime | None = None) -> None:
    from ebhxh.agency.gateway.tasks import deliver_callback

    if when is None:
        deliver_callback.enqueue(delivery_id)
    elif deliver_callback.get_backend().supports_defer:
        deliver_callback.using(run_after=when).enqueue(delivery_id)
    # else: a backend that cannot defer leaves the retry to the sweeper


def backoff_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter, capped; attempt 1 waits about the base delay."""
    base = settings.GATEWAY_CALLBACK_BACKOFF_BASE_SECONDS
    cap = settings.GATEWAY_CALLBACK_BACKOFF_MAX_SECONDS
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=delay * random.uniform(0.8, 1.2))


def _claim(delivery_id: int, now: datetime) -> CallbackDelivery | None:
    token = secrets.token_hex(16)
    due = Q(status=CallbackStatus.PENDING, next_attempt_at__lte=now)
    lease_expired = Q(status=CallbackStatus.SENDING, lease_until__lt=now)
    claimed = CallbackDelivery.objects.filter(Q(pk=delivery_id) & (due | lease_expired)).update(
        status=CallbackStatus.SENDING,
        claim_token=token,
        lease_until=now + timedelta(seconds=settings.GATEWAY_CALLBACK_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return CallbackDelivery.objects.get(pk=delivery_id)


def signed_headers(delivery: CallbackDelivery, body: bytes) -> dict[str, str]:
    """Content type, delivery id, agency certificate and the `X-BHXH-*` signature."""
    path = httpx.URL(delivery.url).raw_path.decode("ascii")
    return {
        "Content-Type": "application/json; charset=utf-8",
        DELIVERY_HEADER: str(delivery.public_id),
        CERTIFICATE_HEADER: agency_certificate_fingerprint(),
        **sign_request("POST", path, body, agency_signer(), prefix=AGENCY_PREFIX),
    }


def _send(delivery: CallbackDelivery) -> None:
    body = delivery.payload.encode("utf-8")
    response = httpx.post(
        delivery.url,
        content=body,
        headers=signed_headers(delivery, body),
        timeout=settings.GATEWAY_CALLBACK_TIMEOUT,
        follow_redirects=False,
    )
    if not 200 <= response.status_code < 300:
        raise httpx.HTTPStatusError(
            f"HTTP {response.status_code}", request=response.request, response=response
        )


def deliver(*, delivery_id: int) -> CallbackStatus | None:
    """Try one attempt; the resulting status, or None when the row is not ours to send
    (not due, already delivered, claimed by a live worker)."""
    delivery = _claim(delivery_id, timezone.now())
    if delivery is None:
        return None
    try:
        _send(delivery)
    except httpx.HTTPError as error:
        return _record_failure(delivery, f"{error.__class__.__name__}: {error}")
    except Exception as error:  # a bug must not lose the callback either
        logger.exception("Lỗi không lường trước khi gửi callback %s", delivery.pk)
        return _record_failure(delivery, f"{error.__class__.__name__}: {error}")
    return _record_success(delivery)


def _owned(delivery: CallbackDelivery) -> models.QuerySet[CallbackDelivery]:
    return CallbackDelivery.objects.filter(
        pk=delivery.pk, status=CallbackStatus.SENDING, claim_token=delivery.claim_token
    )


def _record_success(delivery: CallbackDelivery) -> CallbackStatus | None:
    CALLBACK_TRANSITIONS.check(delivery.status, CallbackStatus.DELIVERED)
    with transaction.atomic():
        updated = _owned(delivery).update(
            status=CallbackStatus.DELIVERED,
            delivered_at=timezone.now(),
            lease_until=None,
            last_error="",
        )
        if not updated:
            logger.warning("Callback %s gửi xong sau khi hết hạn giữ", delivery.pk)
            return None
        audit_record(
            actor=SYSTEM_ACTOR,
            action="gateway.callback_delivered",
            target=delivery,
            data={"dossier": delivery.dossier_id, "attempts": delivery.attempts},
        )
    return CallbackStatus.DELIVERED


def _record_failure(delivery: CallbackDelivery, error: str) -> CallbackStatus:
    exhausted = delivery.attempts >= settings.GATEWAY_CALLBACK_MAX_ATTEMPTS
    target = CallbackStatus.FAILED if exhausted else CallbackStatus.PENDING
    CALLBACK_TRANSITIONS.check(delivery.status, target)
    next_at = timezone.now() + backoff_delay(delivery.attempts)
    with transaction.atomic():
        updated = _owned(delivery).update(
            status=target, last_error=error[:2000], lease_until=None, next_attempt_at=next_at
        )
        if updated and exhausted:
            audit_record(
                actor=SYSTEM_ACTOR,
                action="gateway.callback_failed",
                target=delivery,
                data={
                    "dossier": delivery.dossier_id,
                    "attempts": delivery.attempts,
                    "error": error,
                },
            )
        if updated and not exhausted:
            pk = delivery.pk
            transaction.on_commit(lambda: _enqueue(pk, when=next_at))
    logger.warning("Callback %s lần %s thất bại: %s", delivery.pk, delivery.attempts, error)
    return target


def sweep_callbacks(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue again callbacks whose task was lost (or whose backend cannot defer a retry):
    due ones, and ones whose worker's lease ran out. Only one claim can win, so a duplicate
    task is harmless."""
    now = now or timezone.now()
    ids = list(
        CallbackDelivery.objects.filter(
            Q(status=CallbackStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=CallbackStatus.SENDING, lease_until__lt=now)
        ).values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        _enqueue(pk)
    return len(ids)
