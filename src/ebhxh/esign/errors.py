"""The refusals of the remote-signing service: one stable code each, a Vietnamese message,
and the HTTP status the CSC API answers with.

The codes are published (docs/esign.md) and the client (`ebhxh.signers.remote`) matches on
them, so they never change once released; the messages may be reworded.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ebhxh.core.errors import DomainError


class EsignError(DomainError):
    """Base of every esign refusal; `http_status` is what the CSC API answers with."""

    code = "invalid_request"
    http_status = 400
    default_message: str | Promise = _("Yêu cầu không hợp lệ.")

    def __init__(self, message: str | Promise | None = None, *, field: str | None = None) -> None:
        super().__init__(str(message if message is not None else self.default_message), field=field)


class InvalidRequest(EsignError):
    code = "invalid_request"


class InvalidToken(EsignError):
    code = "invalid_token"
    http_status = 401
    default_message = _(
        "Phiên đăng nhập tài khoản ký số từ xa không hợp lệ hoặc đã hết hạn. Đăng nhập lại."
    )


class InvalidGrant(EsignError):
    code = "invalid_grant"
    default_message = _(
        "Tên đăng nhập hoặc mật khẩu tài khoản ký số từ xa không đúng. Kiểm tra lại tài khoản "
        "được cấp khi đăng ký chứng thư số."
    )


class UnsupportedGrantType(EsignError):
    code = "unsupported_grant_type"
    default_message = _("Chỉ hỗ trợ grant_type=password.")


class InvalidCredential(EsignError):
    """Unknown credential or another holder's: the two are not told apart on purpose."""

    code = "invalid_credential"
    default_message = _(
        "Không tìm thấy chứng thư số này trong tài khoản ký số từ xa. Chọn lại chứng thư số."
    )


class CredentialDisabled(EsignError):
    code = "credential_disabled"
    default_message = _(
        "Chứng thư số này đang bị tạm khoá hoặc đã hết hiệu lực nên không ký được. Liên hệ nhà "
        "cung cấp dịch vụ ký số."
    )


class UnknownProcedure(EsignError):
    code = "unknown_procedure"
    default_message = _(
        "Mã thủ tục không có trong danh mục thủ tục BHXH nên không xác định được số lần xác nhận "
        "trên thiết bị."
    )


class UnsupportedAlgorithm(EsignError):
    code = "unsupported_algorithm"
    default_message = _(
        "Thuật toán không được hỗ trợ: chỉ ký giá trị băm SHA-256 bằng khoá RSA (PKCS#1 v1.5)."
    )


class DeviceLocked(EsignError):
    code = "device_locked"
    http_status = 403
    default_message = _(
        "Xác thực ký số trên thiết bị đã bị khoá do nhập sai mã PIN nhiều lần. Liên hệ nhà cung "
        "cấp dịch vụ ký số để mở khoá."
    )


class PinIncorrect(EsignError):
    code = "pin_incorrect"
    http_status = 403
    default_message = _("Mã PIN không đúng. Yêu cầu ký chưa được xác nhận.")


class RequestNotFound(EsignError):
    code = "unknown_request"
    http_status = 404
    default_message = _("Không tìm thấy yêu cầu ký này.")


class RequestNotPending(EsignError):
    code = "request_not_pending"
    http_status = 409
    default_message = _("Yêu cầu ký này đã được xử lý xong, không cần xác nhận nữa.")


class AccessDenied(EsignError):
    code = "access_denied"
    http_status = 403
    default_message = _(
        "Người giữ chứng thư số đã từ chối yêu cầu ký trên thiết bị. Hồ sơ chưa được ký."
    )


class RequestExpired(EsignError):
    code = "expired_request"
    default_message = _(
        "Yêu cầu ký đã hết thời gian xác nhận trên thiết bị. Ký lại và xác nhận nhanh hơn."
    )


class SadAlreadyIssued(EsignError):
    code = "sad_already_issued"
    http_status = 409
    default_message = _(
        "Mã kích hoạt chữ ký (SAD) của yêu cầu này đã được cấp một lần. Gửi yêu cầu ký mới."
    )


class InvalidSad(EsignError):
    code = "invalid_sad"
    default_message = _("Mã kích hoạt chữ ký (SAD) không hợp lệ cho chứng thư số này.")


class SadUsed(EsignError):
    code = "sad_used"
    default_message = _(
        "Mã kích hoạt chữ ký (SAD) đã được dùng. Mỗi lần ký cần xác nhận lại trên thiết bị."
    )


class SadExpired(EsignError):
    code = "sad_expired"
    default_message = _("Mã kích hoạt chữ ký (SAD) đã hết hạn. Gửi lại yêu cầu ký.")


class HashMismatch(EsignError):
    code = "hash_mismatch"
    default_message = _(
        "Giá trị băm cần ký khác với giá trị đã được xác nhận trên thiết bị nên không ký."
    )


class KeyUnavailable(EsignError):
    code = "key_unavailable"
    http_status = 503
    default_message = _(
        "Không dùng được khoá ký của chứng thư số lúc này. Thử lại sau ít phút; nếu vẫn lỗi, "
        "liên hệ nhà cung cấp dịch vụ ký số."
    )
