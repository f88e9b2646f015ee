"""SMS through an HTTP gateway: POST JSON {to, text, sender, reference} to SMS_GATEWAY_URL.

Most Vietnamese brandname-SMS providers accept a JSON POST of this shape behind their own
field names; an adapter for a specific provider subclasses `HttpSmsGateway.payload`.
"""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings

from ebhxh.notifications.ports import DeliveryError, PermanentDeliveryError


class SmsNotConfigured(DeliveryError):
    pass


class HttpSmsGateway:
    def payload(self, *, to: str, text: str, reference: str) -> dict[str, Any]:
        return {"to": to, "text": text, "sender": settings.SMS_SENDER_NAME, "reference": reference}

    def send(self, *, to: str, text: str, reference: str) -> str:
        url = settings.SMS_GATEWAY_URL
        if not url:
            raise SmsNotConfigured(
                "Chưa cấu hình cổng SMS (SMS_GATEWAY_URL); tin nhắn được giữ lại để gửi sau."
            )
        headers = {"Idempotency-Key": reference}
        if settings.SMS_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.SMS_GATEWAY_TOKEN}"
        try:
            response = httpx.post(
                url,
                json=self.payload(to=to, text=text, reference=reference),
                headers=headers,
                timeout=settings.SMS_GATEWAY_TIMEOUT,
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"Cổng SMS: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code >= 300:
            detail = f"Cổng SMS trả lời HTTP {response.status_code}: {response.text[:200]}"
            # 4xx: the gateway refuses this message (bad number, bad payload) for good;
            # 408 and 429 are about time and load, and are worth another try.
            if 400 <= response.status_code < 500 and response.status_code not in {408, 429}:
                raise PermanentDeliveryError(detail)
            raise DeliveryError(detail)
        try:
            body = response.json()
        except ValueError:
            body = {}
        return str(body.get("id", "")) if isinstance(body, dict) else ""
