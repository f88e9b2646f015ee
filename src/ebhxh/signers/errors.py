"""The one error type of the signers and its catalogue of stable codes.

A signing screen, the CLI and an API all catch `SignerError`, match on `code` (which never
changes once published) and show `message_vi`, which tells the user what to do next. `detail`
adds what was found (token labels, certificate names) and never holds a PIN or a password.
"""

# The codes name failures such as TOKEN_PIN_INCORRECT; they are not secrets.
# ruff: noqa: S105

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ebhxh.signers.types import TokenCertificate

__all__ = ["MESSAGES_VI", "SignerError", "SignerErrorCode"]


class SignerErrorCode(StrEnum):
    """Every way a signer can refuse; the values are the published codes."""

    TOKEN_MODULE_NOT_FOUND = "TOKEN_MODULE_NOT_FOUND"
    TOKEN_MODULE_INVALID = "TOKEN_MODULE_INVALID"
    TOKEN_NOT_FOUND = "TOKEN_NOT_FOUND"
    TOKEN_CHOICE_REQUIRED = "TOKEN_CHOICE_REQUIRED"
    TOKEN_IN_USE = "TOKEN_IN_USE"
    TOKEN_PIN_INCORRECT = "TOKEN_PIN_INCORRECT"
    TOKEN_PIN_LOCKED = "TOKEN_PIN_LOCKED"
    TOKEN_ERROR = "TOKEN_ERROR"
    TOKEN_INIT_FAILED = "TOKEN_INIT_FAILED"
    TOKEN_LABEL_IN_USE = "TOKEN_LABEL_IN_USE"
    CERTIFICATE_NOT_FOUND = "CERTIFICATE_NOT_FOUND"
    CERTIFICATE_CHOICE_REQUIRED = "CERTIFICATE_CHOICE_REQUIRED"
    CERTIFICATE_EXISTS = "CERTIFICATE_EXISTS"
    KEY_NOT_FOUND = "KEY_NOT_FOUND"
    KEY_ID_IN_USE = "KEY_ID_IN_USE"
    KEY_CERTIFICATE_MISMATCH = "KEY_CERTIFICATE_MISMATCH"
    KEY_NOT_RSA = "KEY_NOT_RSA"
    P12_INVALID = "P12_INVALID"
    P12_PASSWORD_INCORRECT = "P12_PASSWORD_INCORRECT"
    P12_NO_KEY = "P12_NO_KEY"
    P12_NO_CERTIFICATE = "P12_NO_CERTIFICATE"
    DIGEST_LENGTH = "DIGEST_LENGTH"
    SIGNER_CLOSED = "SIGNER_CLOSED"


MESSAGES_VI: dict[SignerErrorCode, str] = {
    SignerErrorCode.TOKEN_MODULE_NOT_FOUND: (
        "Không tìm thấy thư viện PKCS#11 của USB Token. Cài phần mềm (driver) do nhà cung cấp "
        "chữ ký số cấp, rồi chỉ đường dẫn tới tệp thư viện (.so/.dll) qua --module hoặc biến "
        "môi trường EBHXH_PKCS11_MODULE."
    ),
    SignerErrorCode.TOKEN_MODULE_INVALID: (
        "Tệp đã chỉ không phải thư viện PKCS#11 dùng được. Kiểm tra lại đường dẫn tới thư viện "
        "của USB Token (do nhà cung cấp chữ ký số cấp) và phiên bản 32/64 bit."
    ),
    SignerErrorCode.TOKEN_NOT_FOUND: (
        "Không tìm thấy USB Token. Cắm USB Token vào máy, chờ đèn sáng rồi thử lại; nếu máy có "
        "nhiều token, kiểm tra lại tên (nhãn) hoặc số sê-ri token đã chọn."
    ),
    SignerErrorCode.TOKEN_CHOICE_REQUIRED: (
        "Máy đang cắm nhiều USB Token. Chọn token cần dùng theo tên (nhãn) hoặc số sê-ri."
    ),
    SignerErrorCode.TOKEN_IN_USE: (
        "USB Token đang được một phiên ký khác trong chương trình này sử dụng. Hoàn tất hoặc "
        "đóng phiên ký đó rồi thử lại."
    ),
    SignerErrorCode.TOKEN_PIN_INCORRECT: (
        "Mã PIN không đúng. Kiểm tra lại mã PIN của USB Token; nhập sai nhiều lần sẽ khoá token."
    ),
    SignerErrorCode.TOKEN_PIN_LOCKED: (
        "Mã PIN của USB Token đã bị khoá do nhập sai nhiều lần. Liên hệ nhà cung cấp chữ ký số "
        "để mở khoá bằng mã PUK/SO PIN; không tiếp tục thử mã PIN."
    ),
    SignerErrorCode.TOKEN_ERROR: (
        "USB Token báo lỗi khi thực hiện thao tác. Rút token ra, cắm lại rồi thử lại; nếu vẫn "
        "lỗi, liên hệ nhà cung cấp chữ ký số."
    ),
    SignerErrorCode.TOKEN_INIT_FAILED: (
        "Không khởi tạo được token SoftHSM. Kiểm tra đã cài SoftHSM2, tệp cấu hình "
        "(SOFTHSM2_CONF) và độ dài mã PIN/SO PIN (từ 4 đến 255 ký tự)."
    ),
    SignerErrorCode.TOKEN_LABEL_IN_USE: (
        "Đã có token mang tên (nhãn) này. Chọn một tên khác cho token mới."
    ),
    SignerErrorCode.CERTIFICATE_NOT_FOUND: (
        "Không tìm thấy chứng thư số phù hợp trên USB Token. Kiểm tra lại token đã cắm và thông "
        "tin chứng thư số đã chọn (mã ID, nhãn hoặc dấu vân tay)."
    ),
    SignerErrorCode.CERTIFICATE_CHOICE_REQUIRED: (
        "USB Token có nhiều chứng thư số dùng để ký. Chọn chứng thư số cần dùng theo mã ID, "
        "nhãn hoặc dấu vân tay trong danh sách."
    ),
    SignerErrorCode.CERTIFICATE_EXISTS: (
        "Chứng thư số này đã có trên token. Không cần nạp lại; dùng chứng thư số sẵn có."
    ),
    SignerErrorCode.KEY_NOT_FOUND: (
        "Trên USB Token không có khoá bí mật đi kèm chứng thư số đã chọn, nên không ký được. "
        "Chọn chứng thư số khác hoặc liên hệ nhà cung cấp chữ ký số."
    ),
    SignerErrorCode.KEY_ID_IN_USE: (
        "Mã ID khoá này đã được dùng cho một đối tượng khác trên token. Chọn mã ID khác hoặc "
        "để chương trình tự sinh mã ID."
    ),
    SignerErrorCode.KEY_CERTIFICATE_MISMATCH: (
        "Khoá bí mật trên token không khớp với chứng thư số đã chọn: chữ ký tạo ra không kiểm "
        "tra được. Liên hệ nhà cung cấp chữ ký số để kiểm tra lại token."
    ),
    SignerErrorCode.KEY_NOT_RSA: (
        "Khoá của chứng thư số không phải khoá RSA. Hồ sơ BHXH điện tử chỉ ký được bằng khoá "
        "RSA; dùng chứng thư số RSA do tổ chức cung cấp dịch vụ chứng thực chữ ký số cấp."
    ),
    SignerErrorCode.P12_INVALID: (
        "Tệp chứng thư số không đọc được. Chọn đúng tệp .p12 hoặc .pfx (có kèm khoá bí mật) do "
        "nhà cung cấp chữ ký số cấp."
    ),
    SignerErrorCode.P12_PASSWORD_INCORRECT: (
        "Mật khẩu tệp chứng thư số (.p12/.pfx) không đúng. Kiểm tra lại mật khẩu, chú ý chữ "
        "hoa, chữ thường và bộ gõ tiếng Việt."
    ),
    SignerErrorCode.P12_NO_KEY: (
        "Tệp .p12/.pfx không chứa khoá bí mật nên không dùng để ký được. Xuất lại tệp kèm khoá "
        'bí mật (chọn "Export private key").'
    ),
    SignerErrorCode.P12_NO_CERTIFICATE: (
        "Tệp .p12/.pfx không chứa chứng thư số khớp với khoá bí mật. Xuất lại tệp kèm chứng "
        "thư số của người ký."
    ),
    SignerErrorCode.DIGEST_LENGTH: (
        "Giá trị băm cần ký không hợp lệ: phải là giá trị băm SHA-256 dài đúng 32 byte. Đây là "
        "lỗi của chương trình gọi ký; báo cho bộ phận hỗ trợ."
    ),
    SignerErrorCode.SIGNER_CLOSED: (
        "Phiên ký đã đóng. Mở lại phiên ký (nhập lại mã PIN) rồi ký lại."
    ),
}


class SignerError(Exception):
    """A signer refused: stable `code`, Vietnamese `message_vi`, optional `detail`.

    For CERTIFICATE_CHOICE_REQUIRED, `candidates` holds the certificates to choose from, so a
    screen can offer them without parsing text.
    """

    def __init__(
        self,
        code: SignerErrorCode | str,
        message_vi: str | None = None,
        *,
        detail: str = "",
        candidates: Sequence[TokenCertificate] = (),
    ) -> None:
        self.code = SignerErrorCode(code)
        self.message_vi = MESSAGES_VI[self.code] if message_vi is None else message_vi
        self.detail = detail
        self.candidates: tuple[TokenCertificate, ...] = tuple(candidates)
        # Every field goes to Exception so the error pickles (worker queues, logs).
        super().__init__(self.code, self.message_vi, detail, self.candidates)

    def __reduce__(self) -> tuple[object, ...]:
        """Rebuild with keywords, which Exception's default pickling would drop."""
        return (_rebuild, (self.code, self.message_vi, self.detail, self.candidates))

    def __str__(self) -> str:
        text = f"{self.code}: {self.message_vi}"
        return f"{text} {self.detail}" if self.detail else text


def _rebuild(
    code: str, message_vi: str, detail: str, candidates: tuple[TokenCertificate, ...]
) -> SignerError:
    return SignerError(code, message_vi, detail=detail, candidates=candidates)
