"""The outside world for notifications: an email sender and an SMS gateway, chosen by settings."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class DeliveryError(Exception):
    """A send failed in a way worth retrying (server down, timeout, 5xx)."""


class PermanentDeliveryError(DeliveryError):
    """A send the other side refused for good (recipient refused, HTTP 4xx): retrying the
    same message cannot succeed, so it fails at once for an operator to look at."""


class EmailSender(Protocol):
    def send(
        self, *, to: str, subject: str, text: str, html: str, message_id: str, reference: str
    ) -> None: ...


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str, reference: str) -> str:
        """Send one SMS; return the gateway's message id."""
        ...


def email_sender() -> EmailSender:
    cls = import_string(
        getattr(settings, "EMAIL_SENDER", "ebhxh.notifications.email.DjangoSmtpSender")
    )
    sender: EmailSender = cls()
    return sender


def sms_gateway() -> SmsGateway:
    cls = import_string(getattr(settings, "SMS_BACKEND", "ebhxh.notifications.sms.HttpSmsGateway"))
    gateway: SmsGateway = cls()
    return gateway
