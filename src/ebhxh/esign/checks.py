"""Start-up check: production keeps its own key-encryption key, not one derived from SECRET_KEY."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register


@register()
def key_encryption_key_configured(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.ESIGN_KEY_ENCRYPTION_KEY or settings.DEMO or settings.DEBUG:
        return []
    return [
        Warning(
            "ESIGN_KEY_ENCRYPTION_KEY chưa được đặt: khoá ký của người dùng eSign đang được mã "
            "hoá bằng khoá suy ra từ SECRET_KEY; đổi SECRET_KEY sẽ làm mất mọi khoá ký.",
            hint=(
                "Đặt ESIGN_KEY_ENCRYPTION_KEY (32 byte, base64) trước khi nạp khoá; "
                "xem docs/esign.md."
            ),
            id="ebhxh.esign.W001",
        )
    ]
