"""The transactional outbox: a message is a row written with the state change that caused it."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from ebhxh.core.state_machine import Transitions


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi thất bại")


MESSAGE_TRANSITIONS = Transitions(
    "message",
    {
        MessageStatus.PENDING: [MessageStatus.SENDING],
        # A failed attempt goes back to PENDING with a later next_attempt_at; a message whose
        # worker's lease ran out (presumed dead) is claimed again by another worker.
        MessageStatus.SENDING: [
            MessageStatus.SENT,
            MessageStatus.PENDING,
            MessageStatus.FAILED,
            MessageStatus.SENDING,
        ],
        # An operator may requeue a message that ran out of attempts.
        MessageStatus.FAILED: [MessageStatus.PENDING],
    },
)


REDACTED_BODY = "[Nội dung có mật khẩu hoặc mã bí mật, đã xoá sau khi gửi.]"


class OutboxMessage(models.Model):
    public_id = models.UUIDField(
        _("mã tham chiếu"), default=uuid.uuid4, unique=True, editable=False
    )
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("người nhận"), max_length=254)
    template = models.CharField(_("mẫu"), max_length=100)
    subject = models.CharField(_("tiêu đề"), max_length=255, blank=True)
    body_text = models.TextField(_("nội dung"))
    body_html = models.TextField(_("nội dung HTML"), blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("số lần thử"), default=0)
    next_attempt_at = models.DateTimeField(_("lần thử tới"))
    lease_until = models.DateTimeField(_("giữ đến"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    # A password or a one-time code: the body is replaced by REDACTED_BODY once sent, so the
    # secret lives in the database only until it has left for the recipient.
    secret = models.BooleanField(_("có thông tin bí mật"), default=False)
    related_type = models.CharField(_("loại đối tượng liên quan"), max_length=100, blank=True)
    related_id = models.CharField(_("mã đối tượng liên quan"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("thư/tin nhắn chờ gửi")
        verbose_name_plural = _("hàng đợi thông báo")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["related_type", "related_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}: {self.subject or self.template}"

    @property
    def message_id_header(self) -> str:
        """Stable across retries, so a receiver can drop a copy re-sent after a crash."""
        return f"<{self.public_id}@ebhxh.outbox>"
