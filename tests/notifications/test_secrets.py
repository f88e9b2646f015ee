"""A message carrying a password or a one-time code keeps its body only briefly after it is
sent; the sweep erases it. Unsent secrets stay (a retry needs them), others are untouched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ebhxh.audit.models import AuditRecord
from ebhxh.notifications import services
from ebhxh.notifications.models import REDACTED_BODY, MessageStatus, OutboxMessage

pytestmark = pytest.mark.django_db

CTX = {"requested_by": "kiểm thử", "requested_at": timezone.now(), "sequence": 1}


def sent(message: OutboxMessage, *, ago: timedelta) -> OutboxMessage:
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENT, sent_at=timezone.now() - ago
    )
    message.refresh_from_db()
    return message


def test_a_sent_secret_is_erased_after_the_retention_time(settings) -> None:
    settings.OUTBOX_SECRET_RETENTION_SECONDS = 600
    secret = services.queue_email(
        to="ketoan@congty.vn", template="test_message", context=CTX, secret=True
    )
    plain = services.queue_email(to="ketoan@congty.vn", template="test_message", context=CTX)
    recent = services.queue_sms(to="0912345678", template="test_message", context=CTX, secret=True)
    unsent = services.queue_sms(to="0912345678", template="test_message", context=CTX, secret=True)
    sent(secret, ago=timedelta(seconds=601))
    sent(plain, ago=timedelta(hours=1))
    sent(recent, ago=timedelta(seconds=599))

    assert services.erase_sent_secrets() == 1

    bodies = {m.pk: (m.body_text, m.body_html) for m in OutboxMessage.objects.all()}
    assert bodies[secret.pk] == (REDACTED_BODY, "")
    assert "kiểm thử" in bodies[plain.pk][0]  # not secret: kept
    assert "kiểm thử" in bodies[recent.pk][0]  # within the retention time
    assert "kiểm thử" in bodies[unsent.pk][0]  # not sent yet: a retry needs it
    record = AuditRecord.objects.get(action="notification.secrets_erased")
    assert record.data["count"] == 1
    assert services.erase_sent_secrets() == 0  # nothing twice
