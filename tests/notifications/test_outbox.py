from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from ebhxh.audit.models import AuditRecord
from ebhxh.identifiers import IdentifierError
from ebhxh.notifications import services
from ebhxh.notifications.models import MessageStatus, OutboxMessage

pytestmark = pytest.mark.django_db

CTX = {"requested_by": "kiểm thử", "requested_at": timezone.now(), "sequence": 1}


def make_due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_email_is_sent_over_smtp_after_commit(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = services.queue_email(to="ketoan@congty.vn", template="test_message", context=CTX)
        assert smtp_server.messages == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1
    (received,) = smtp_server.messages
    assert received["Message-ID"] == message.message_id_header
    assert received["To"] == "ketoan@congty.vn"
    assert "Thư kiểm tra cấu hình gửi email" in str(received["Subject"])
    assert received.get_body(preferencelist=("html",)) is not None
    assert "kiểm thử" in received.get_body(preferencelist=("plain",)).get_content()
    assert AuditRecord.objects.filter(
        action="notification.sent", object_id=str(message.pk)
    ).exists()


def test_rolled_back_transaction_queues_nothing(smtp_server, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.queue_email(to="a@b.vn", template="test_message", context=CTX)
        raise RuntimeError("service failed after queueing")
    assert OutboxMessage.objects.count() == 0
    assert smtp_server.messages == []


def test_smtp_down_keeps_the_message_and_retries_later(smtp_server):
    smtp_server.stop()
    message = services.queue_email(to="a@b.vn", template="test_message", context=CTX)
    assert services.deliver(message_id=message.pk) == MessageStatus.PENDING
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.last_error.startswith("SMTP")
    assert message.next_attempt_at > timezone.now()
    # Not due yet: a second delivery attempt does nothing.
    assert services.deliver(message_id=message.pk) is None
    smtp_server.start()
    make_due(message)
    assert services.deliver(message_id=message.pk) == MessageStatus.SENT
    assert smtp_server.message_ids() == [message.message_id_header]
    message.refresh_from_db()
    assert message.attempts == 2 and message.last_error == ""


def test_a_sent_message_is_never_sent_again(smtp_server):
    message = services.queue_email(to="a@b.vn", template="test_message", context=CTX)
    assert services.deliver(message_id=message.pk) == MessageStatus.SENT
    make_due(message)
    assert services.deliver(message_id=message.pk) is None
    assert len(smtp_server.messages) == 1


def test_out_of_attempts_fails_then_operator_requeues(smtp_server, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    smtp_server.stop()
    message = services.queue_email(to="a@b.vn", template="test_message", context=CTX)
    assert services.deliver(message_id=message.pk) == MessageStatus.PENDING
    make_due(message)
    assert services.deliver(message_id=message.pk) == MessageStatus.FAILED
    assert AuditRecord.objects.filter(action="notification.failed").count() == 1
    make_due(message)
    assert services.deliver(message_id=message.pk) is None  # failed is terminal until requeued
    smtp_server.start()
    assert services.requeue_failed(actor="operator:test") == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING and message.attempts == 0
    assert services.deliver(message_id=message.pk) == MessageStatus.SENT


def test_claim_is_exclusive_until_the_lease_expires(settings):
    message = services.queue_email(to="a@b.vn", template="test_message", context=CTX)
    now = timezone.now()
    first = services._claim(message.pk, now)
    assert first is not None and first.status == MessageStatus.SENDING
    assert services._claim(message.pk, now) is None
    later = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    second = services._claim(message.pk, later)
    assert second is not None and second.claim_token != first.claim_token
    # The first (presumed dead) worker can no longer record an outcome.
    services._record_success(first)
    second.refresh_from_db()
    assert second.status == MessageStatus.SENDING


def test_sweeper_redelivers_messages_whose_task_was_lost(smtp_server):
    message = services.queue_email(to="a@b.vn", template="test_message", context=CTX)
    # No on_commit callback ran (as if the process died right after commit).
    assert services.sweep_outbox() == 0  # not yet overdue by the grace period
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    assert services.sweep_outbox() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert len(smtp_server.messages) == 1


def test_backoff_grows_and_is_capped(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 10
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 100
    d1 = services.backoff_delay(1).total_seconds()
    d3 = services.backoff_delay(3).total_seconds()
    d10 = services.backoff_delay(10).total_seconds()
    assert 8 <= d1 <= 12
    assert 32 <= d3 <= 48
    assert 80 <= d10 <= 120


def test_sms_goes_to_the_http_gateway(sms_gateway):
    message = services.queue_sms(to="091 234 5678", template="test_message", context=CTX)
    assert message.recipient == "+84912345678"
    assert services.deliver(message_id=message.pk) == MessageStatus.SENT
    (req,) = sms_gateway.requests
    assert req["json"]["to"] == "+84912345678"
    assert req["json"]["reference"] == str(message.public_id)
    assert req["headers"]["Authorization"] == "Bearer test-token"
    assert req["headers"]["Idempotency-Key"] == str(message.public_id)


def test_sms_gateway_error_is_retried(sms_gateway):
    sms_gateway.statuses = [503]
    message = services.queue_sms(to="0912345678", template="test_message", context=CTX)
    assert services.deliver(message_id=message.pk) == MessageStatus.PENDING
    message.refresh_from_db()
    assert "503" in message.last_error
    make_due(message)
    assert services.deliver(message_id=message.pk) == MessageStatus.SENT
    assert len(sms_gateway.requests) == 2


def test_sms_without_gateway_is_kept_with_a_clear_reason(settings):
    settings.SMS_GATEWAY_URL = ""
    message = services.queue_sms(to="0912345678", template="test_message", context=CTX)
    assert services.deliver(message_id=message.pk) == MessageStatus.PENDING
    message.refresh_from_db()
    assert "SMS_GATEWAY_URL" in message.last_error


def test_invalid_phone_is_refused_before_anything_is_written():
    with pytest.raises(IdentifierError):
        services.queue_sms(to="12345", template="test_message", context=CTX)
    assert OutboxMessage.objects.count() == 0


@pytest.mark.parametrize("status", [400, 404, 422])
def test_sms_refused_for_good_fails_at_once(sms_gateway, status):
    sms_gateway.statuses = [status]
    message = services.queue_sms(to="0912345678", template="test_message", context=CTX)
    assert services.deliver(message_id=message.pk) == MessageStatus.FAILED
    record = AuditRecord.objects.get(action="notification.failed", object_id=str(message.pk))
    assert record.data["permanent"] is True


@pytest.mark.parametrize("status", [408, 429, 500, 503])
def test_sms_load_and_server_errors_are_retried(sms_gateway, status):
    sms_gateway.statuses = [status]
    message = services.queue_sms(to="0912345678", template="test_message", context=CTX)
    assert services.deliver(message_id=message.pk) == MessageStatus.PENDING


def test_smtp_recipient_refused_fails_at_once(smtp_server, monkeypatch):
    import smtplib

    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"khong-ton-tai@congty.vn": (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.message.EmailMessage.send", refuse)
    message = services.queue_email(
        to="khong-ton-tai@congty.vn", template="test_message", context=CTX
    )
    assert services.deliver(message_id=message.pk) == MessageStatus.FAILED


def test_success_after_a_lost_lease_is_not_recorded(settings, smtp_server):
    message = services.queue_email(to="a@b.vn", template="test_message", context=CTX)
    now = timezone.now()
    slow = services._claim(message.pk, now)
    later = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    services._claim(message.pk, later)  # another worker took over
    assert services._record_success(slow) is None
    assert not AuditRecord.objects.filter(action="notification.sent").exists()


def test_operator_test_messages_are_queued_and_audited(smtp_server):
    assert (
        services.notification_test_queue(actor="operator:t", to="a@b.vn", channel="email", count=3)
        == 3
    )
    assert OutboxMessage.objects.filter(template="test_message").count() == 3
    assert AuditRecord.objects.filter(action="notification.test_queued").count() == 3


def test_lease_shorter_than_a_send_is_a_startup_error(settings):
    from ebhxh.notifications.checks import lease_outlasts_a_send

    assert lease_outlasts_a_send() == []
    settings.OUTBOX_LEASE_SECONDS = 30
    settings.EMAIL_TIMEOUT = 10
    (error,) = lease_outlasts_a_send()
    assert error.id == "ebhxh.notifications.E001"


def test_admin_cannot_add_or_delete_outbox_messages(admin_client):
    message = services.queue_email(to="a@b.vn", template="test_message", context=CTX)
    assert admin_client.get("/admin/notifications/outboxmessage/add/").status_code == 403
    url = f"/admin/notifications/outboxmessage/{message.pk}/delete/"
    assert admin_client.get(url).status_code == 403
