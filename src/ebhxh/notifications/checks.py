"""Start-up check: a lease shorter than a send lets a second worker send the message again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

# An SMTP send is a handful of round trips, each bounded by EMAIL_TIMEOUT.
SMTP_ROUND_TRIPS = 6


@register()
def lease_outlasts_a_send(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    longest_send = max(settings.EMAIL_TIMEOUT * SMTP_ROUND_TRIPS, settings.SMS_GATEWAY_TIMEOUT * 2)
    if longest_send < settings.OUTBOX_LEASE_SECONDS:
        return []
    return [
        Error(
            f"OUTBOX_LEASE_SECONDS ({settings.OUTBOX_LEASE_SECONDS}) phải lớn hơn thời gian "
            f"gửi dài nhất ({longest_send:g} s từ EMAIL_TIMEOUT và SMS_GATEWAY_TIMEOUT), nếu "
            "không một thư đang gửi chậm có thể bị tiến trình khác gửi lại.",
            hint="Tăng OUTBOX_LEASE_SECONDS hoặc giảm EMAIL_TIMEOUT/SMS_GATEWAY_TIMEOUT.",
            id="ebhxh.notifications.E001",
        )
    ]
