"""Email over SMTP through Django's mail backend (configured by EMAIL_URL)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from ebhxh.notifications.ports import DeliveryError, PermanentDeliveryError


class DjangoSmtpSender:
    def send(
        self, *, to: str, subject: str, text: str, html: str, message_id: str, reference: str
    ) -> None:
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            headers={"Message-ID": message_id, "X-Ebhxh-Reference": reference},
            connection=get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT),
        )
        if html:
            message.attach_alternative(html, "text/html")
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentDeliveryError(f"SMTP từ chối người nhận: {exc.recipients}") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP: {exc.__class__.__name__}: {exc}") from exc
