"""JSON answers of the gateway: one error shape for every refusal (docs/gateway.md)."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse

from ebhxh.reference.errors import UnknownRejectionError
from ebhxh.reference.rejections import get_rejection

# Answered with codes outside the rejection catalogue: they are about the HTTP request, not
# about a dossier (see docs/gateway.md).
NOT_FOUND = "NOT_FOUND"
_NOT_FOUND_MESSAGE = (
    "Không tìm thấy hồ sơ này trong các hồ sơ do tổ chức I-VAN của bạn gửi. "
    "Vui lòng kiểm tra lại số hồ sơ hoặc mã thông điệp."
)
RETRY_AFTER_SECONDS = 60


def json_response(data: dict[str, Any], *, status: int = 200) -> JsonResponse:
    """UTF-8 JSON with Vietnamese text as is (not \\u-escaped)."""
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def error_response(
    code: str,
    *,
    detail: str = "",
    xpath: str = "",
    status: int | None = None,
    message: str | None = None,
) -> JsonResponse:
    """`{"code", "message", "xpath", "detail"}` with the catalogue's message and HTTP status
    for `code`; retryable codes add `Retry-After`."""
    retryable = False
    if code == NOT_FOUND:
        message = message or _NOT_FOUND_MESSAGE
        status = status or 404
    else:
        try:
            rejection = get_rejection(code)
        except UnknownRejectionError:
            message = message or code
            status = status or 400
        else:
            message = message or rejection.message_vi
            status = status or rejection.http_status
            retryable = rejection.retryable
    response = json_response(
        {"code": code, "message": message, "xpath": xpath or "", "detail": detail or ""},
        status=status,
    )
    if retryable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
