"""The agent's refusals: stable codes, an HTTP status each, and a Vietnamese message.

A web page shows `message` and matches on `code`. Token failures keep the `SignerError` codes
of `ebhxh.signers` (TOKEN_PIN_INCORRECT, ...) so a page handles them the same whether the
token is behind this agent or on the server.
"""

# The codes name failures such as SESSION_INVALID; they are not secrets.

from __future__ import annotations

from enum import StrEnum
from typing import Final

from ebhxh.signers.errors import SignerError, SignerErrorCode

__all__ = ["AgentError", "AgentErrorCode", "from_signer_error"]


class AgentErrorCode(StrEnum):
    """Refusals of the agent itself (the token's own refusals keep their SignerError codes)."""

    HOST_NOT_ALLOWED = "HOST_NOT_ALLOWED"
    ORIGIN_NOT_ALLOWED = "ORIGIN_NOT_ALLOWED"
    SESSION_REQUIRED = "SESSION_REQUIRED"
    SESSION_INVALID = "SESSION_INVALID"
    PAIRING_NOT_STARTED = "PAIRING_NOT_STARTED"
    PAIRING_CODE_INCORRECT = "PAIRING_CODE_INCORRECT"
    PAIRING_LOCKED = "PAIRING_LOCKED"
    BODY_TOO_LARGE = "BODY_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    BAD_REQUEST = "BAD_REQUEST"
    DIGEST_INVALID = "DIGEST_INVALID"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


_AGENT_ERRORS: Final[dict[AgentErrorCode, tuple[int, str]]] = {
    AgentErrorCode.HOST_NOT_ALLOWED: (
        403,
        "Yêu cầu không gửi tới đúng địa chỉ của ứng dụng ký số (127.0.0.1 hoặc localhost). "
        "Ứng dụng đã từ chối để bảo vệ USB Token.",
    ),
    AgentErrorCode.ORIGIN_NOT_ALLOWED: (
        403,
        "Trang web này không được phép dùng ứng dụng ký số ebhxh. Chỉ các trang có trong danh "
        "sách cho phép (tham số --allow-origin) mới gọi được ứng dụng.",
    ),
    AgentErrorCode.SESSION_REQUIRED: (
        401,
        "Trang web chưa được ghép nối với ứng dụng ký số. Bấm “Ghép nối” rồi nhập mã 6 chữ số "
        "hiện trên cửa sổ của ứng dụng.",
    ),
    AgentErrorCode.SESSION_INVALID: (
        401,
        "Phiên ghép nối đã hết hạn hoặc không hợp lệ. Ghép nối lại với ứng dụng ký số.",
    ),
    AgentErrorCode.PAIRING_NOT_STARTED: (
        409,
        "Chưa có mã ghép nối nào đang chờ (hoặc mã đã hết hạn). Bấm “Ghép nối” để ứng dụng "
        "hiện mã mới.",
    ),
    AgentErrorCode.PAIRING_CODE_INCORRECT: (
        403,
        "Mã ghép nối không đúng. Nhập đúng mã 6 chữ số đang hiện trên cửa sổ của ứng dụng ký số.",
    ),
    AgentErrorCode.PAIRING_LOCKED: (
        429,
        "Đã nhập sai mã ghép nối quá nhiều lần. Mã cũ đã bị huỷ; chờ ít phút rồi bấm "
        "“Ghép nối” để nhận mã mới.",
    ),
    AgentErrorCode.BODY_TOO_LARGE: (413, "Yêu cầu gửi tới ứng dụng ký số quá lớn."),
    AgentErrorCode.UNSUPPORTED_MEDIA_TYPE: (
        415,
        "Yêu cầu gửi tới ứng dụng ký số phải ở dạng JSON (Content-Type: application/json).",
    ),
    AgentErrorCode.BAD_REQUEST: (400, "Yêu cầu gửi tới ứng dụng ký số không hợp lệ."),
    AgentErrorCode.DIGEST_INVALID: (
        400,
        "Giá trị băm cần ký không hợp lệ: phải là giá trị băm SHA-256 dài đúng 32 byte, mã "
        "hoá base64. Đây là lỗi của chương trình gọi ký; báo cho bộ phận hỗ trợ.",
    ),
    AgentErrorCode.NOT_FOUND: (404, "Ứng dụng ký số không có chức năng này."),
    AgentErrorCode.METHOD_NOT_ALLOWED: (405, "Ứng dụng ký số không nhận kiểu yêu cầu này."),
    AgentErrorCode.INTERNAL_ERROR: (
        500,
        "Ứng dụng ký số gặp lỗi không mong đợi. Khởi động lại ứng dụng rồi thử lại.",
    ),
}

# HTTP status for each token refusal; the message is the signer's own.
SIGNER_STATUS: Final[dict[SignerErrorCode, int]] = {
    SignerErrorCode.TOKEN_MODULE_NOT_FOUND: 503,
    SignerErrorCode.TOKEN_MODULE_INVALID: 503,
    SignerErrorCode.TOKEN_NOT_FOUND: 404,
    SignerErrorCode.TOKEN_CHOICE_REQUIRED: 409,
    SignerErrorCode.TOKEN_IN_USE: 409,
    SignerErrorCode.TOKEN_PIN_INCORRECT: 403,
    SignerErrorCode.TOKEN_PIN_LOCKED: 423,
    SignerErrorCode.TOKEN_ERROR: 502,
    SignerErrorCode.CERTIFICATE_NOT_FOUND: 404,
    SignerErrorCode.CERTIFICATE_CHOICE_REQUIRED: 409,
    SignerErrorCode.KEY_NOT_FOUND: 422,
    SignerErrorCode.KEY_CERTIFICATE_MISMATCH: 422,
    SignerErrorCode.KEY_NOT_RSA: 422,
    SignerErrorCode.DIGEST_LENGTH: 400,
}
SIGNER_DEFAULT_STATUS: Final = 422


class AgentError(Exception):
    """A refusal to answer with `status` and the JSON body `{"code", "message"}`."""

    def __init__(self, code: str, message: str, status: int) -> None:
        self.code = code
        self.message = message
        self.status = status
        super().__init__(f"{code}: {message}")

    @classmethod
    def of(cls, code: AgentErrorCode) -> AgentError:
        status, message = _AGENT_ERRORS[code]
        return cls(code.value, message, status)

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def from_signer_error(error: SignerError) -> AgentError:
    """The token's refusal as the agent answers it (message_vi never holds a PIN)."""
    status = SIGNER_STATUS.get(error.code, SIGNER_DEFAULT_STATUS)
    return AgentError(error.code.value, error.message_vi, status)
