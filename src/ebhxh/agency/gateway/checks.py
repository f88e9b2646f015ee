"""Start-up checks: a production gateway needs its trust store and its own signing key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register()
def gateway_configured(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    if settings.GATEWAY_CALLBACK_LEASE_SECONDS <= 2 * settings.GATEWAY_CALLBACK_TIMEOUT:
        messages.append(
            Error(
                f"GATEWAY_CALLBACK_LEASE_SECONDS ({settings.GATEWAY_CALLBACK_LEASE_SECONDS}) "
                f"phải lớn hơn hai lần GATEWAY_CALLBACK_TIMEOUT "
                f"({settings.GATEWAY_CALLBACK_TIMEOUT:g}), nếu không một callback đang gửi chậm "
                "có thể bị tiến trình khác gửi lại.",
                id="ebhxh.gateway.E001",
            )
        )
    if settings.DEMO:
        return messages
    if not settings.GATEWAY_TRUST_ANCHORS:
        messages.append(
            Warning(
                "GATEWAY_TRUST_ANCHORS chưa được đặt: cổng tiếp nhận sẽ từ chối mọi hồ sơ "
                "(SYS001) vì không có chứng thư gốc tin cậy.",
                id="ebhxh.gateway.W001",
            )
        )
    if not (
        settings.AGENCY_SIGNER_PKCS12
        or settings.AGENCY_SIGNER_PKCS11_MODULE
        or settings.AGENCY_SIGNER_TOKEN_LABEL
    ):
        messages.append(
            Warning(
                "AGENCY_SIGNER_PKCS12 hoặc AGENCY_SIGNER_PKCS11_MODULE chưa được đặt: cổng "
                "tiếp nhận không ký được biên nhận (SYS001).",
                id="ebhxh.gateway.W002",
            )
        )
    return messages
