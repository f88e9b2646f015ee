"""Signed HTTP requests between an I-VAN and the BHXH gateway, and a small client for I-VANs.

Both directions use one scheme (docs/gateway.md): the sender signs the canonical string

    METHOD \\n path?query \\n timestamp \\n nonce \\n sha256hex(body)

with its certificate's RSA key (PKCS#1 v1.5, SHA-256) and sends it in four headers,
`<prefix>-Code`, `<prefix>-Timestamp`, `<prefix>-Nonce`, `<prefix>-Signature`. An I-VAN uses the
prefix `X-IVAN` towards the gateway; the agency uses `X-BHXH` on its callbacks. The signer is a
`DigestSigner`, so the key may sit in a PKCS#12 file or on a token. Pure Python (no Django):
the gateway verifies with `verify_request`, an I-VAN verifies callbacks with the same function.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ebhxh.signers.ports import DigestSigner

IVAN_PREFIX = "X-IVAN"
AGENCY_PREFIX = "X-BHXH"
MESSAGE_ID_HEADER = "X-Message-ID"
SIGNATURE_WINDOW = timedelta(seconds=300)
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
MESSAGE_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
IVAN_CODE_PATTERN = re.compile(r"^\d{5}$")
# A dossier number `00001/2026/01001` is written `00001-2026-01001` in URLs.
NUMBER_PATTERN = re.compile(r"^(\d{5,7})/(\d{4})/(\d{5})$")
URL_NUMBER_PATTERN = re.compile(r"^(\d{5,7})-(\d{4})-(\d{5})$")


class RequestSignatureError(ValueError):
    """A signed request that does not verify; `reason` says why, in Vietnamese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What a verified request's headers said."""

    code: str
    timestamp: datetime
    nonce: str


def body_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def canonical_request(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """The bytes that are signed: five lines joined by LF, no trailing newline."""
    return "\n".join((method.upper(), path, timestamp, nonce, body_sha256(body))).encode("utf-8")


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with a `Z`, to the second (`2026-11-22T03:04:05Z`)."""
    if moment.utcoffset() is None:
        raise ValueError("format_timestamp needs an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> datetime:
    """An RFC 3339 date-time with an offset (`Z` or `±hh:mm`); ValueError otherwise."""
    if not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})", text
    ):
        raise ValueError("thời điểm phải theo RFC 3339, ví dụ 2026-11-22T03:04:05Z")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(UTC)


def new_nonce() -> str:
    """24 URL-safe characters from 18 random bytes."""
    return secrets.token_urlsafe(18)


def sign_request(
    method: str,
    path: str,
    body: bytes,
    signer: DigestSigner,
    *,
    code: str | None = None,
    prefix: str = IVAN_PREFIX,
    now: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The signature headers for one request. `path` is the path as sent, with `?query` when
    there is one (`/gateway/v1/messages/M-1`); `code` adds `<prefix>-Code`."""
    timestamp = format_timestamp(now or datetime.now(UTC))
    nonce = nonce or new_nonce()
    digest = hashlib.sha256(canonical_request(method, path, timestamp, nonce, body)).digest()
    signature = base64.b64encode(signer.sign_digest(digest)).decode("ascii")
    headers = {
        f"{prefix}-Timestamp": timestamp,
        f"{prefix}-Nonce": nonce,
        f"{prefix}-Signature": signature,
    }
    if code is not None:
        headers = {f"{prefix}-Code": code, **headers}
    return headers


def header(headers: Mapping[str, str], name: str) -> str:
    """A header by name, whatever the case of the mapping's keys; empty when absent."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), "")
    return value.strip()


def read_code(headers: Mapping[str, str], *, prefix: str = IVAN_PREFIX) -> str:
    """The sender's code (`<prefix>-Code`); RequestSignatureError when absent or malformed."""
    code = header(headers, f"{prefix}-Code")
    if not IVAN_CODE_PATTERN.match(code):
        raise RequestSignatureError(f"thiếu tiêu đề {prefix}-Code gồm đúng 5 chữ số")
    return code


def verify_request(
    *,
    key: rsa.RSAPublicKey | x509.Certificate,
    method: str,
    path: str,
    body: bytes,
    headers: Mapping[str, str],
    prefix: str = IVAN_PREFIX,
    now: datetime | None = None,
    window: timedelta = SIGNATURE_WINDOW,
) -> SignedRequest:
    """Check a signed request against the sender's key: headers present and well formed,
    timestamp within `window` of `now`, signature valid. Nonce reuse is the caller's to
    check (it needs shared storage). Raises RequestSignatureError."""
    public_key = key.public_key() if isinstance(key, x509.Certificate) else key
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise RequestSignatureError("chứng thư số của bên gửi không dùng khoá RSA")
    timestamp_text = header(headers, f"{prefix}-Timestamp")
    nonce = header(headers, f"{prefix}-Nonce")
    signature_text = header(headers, f"{prefix}-Signature")
    for name, value in (("Timestamp", timestamp_text), ("Nonce", nonce)):
        if not value:
            raise RequestSignatureError(f"thiếu tiêu đề {prefix}-{name}")
    if not signature_text:
        raise RequestSignatureError(f"thiếu tiêu đề {prefix}-Signature")
    try:
        timestamp = parse_timestamp(timestamp_text)
    except ValueError as error:
        raise RequestSignatureError(f"{prefix}-Timestamp không hợp lệ: {error}") from None
    moment = now or datetime.now(UTC)
    if abs(moment - timestamp) > window:
        raise RequestSignatureError(
            f"{prefix}-Timestamp {timestamp_text} lệch quá {int(window.total_seconds())} giây "
            f"so với giờ máy chủ {format_timestamp(moment)}"
        )
    if not NONCE_PATTERN.match(nonce):
        raise RequestSignatureError(
            f"{prefix}-Nonce phải gồm 16–128 ký tự A-Z, a-z, 0-9, '-' hoặc '_'"
        )
    try:
        signature = base64.b64decode(signature_text, validate=True)
    except (binascii.Error, ValueError):
        raise RequestSignatureError(f"{prefix}-Signature không phải base64") from None
    signed = canonical_request(method, path, timestamp_text, nonce, body)
    try:
        public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise RequestSignatureError(
            "chữ ký không khớp với chuỗi chuẩn hoá của yêu cầu hoặc với chứng thư số đã đăng ký"
        ) from None
    return SignedRequest(code=header(headers, f"{prefix}-Code"), timestamp=timestamp, nonce=nonce)


def number_to_url(number: str) -> str:
    """`00001/2026/01001` → `00001-2026-01001` (slashes cannot sit in a path segment)."""
    if not NUMBER_PATTERN.match(number):
        raise ValueError(f"số hồ sơ không hợp lệ: {number!r}")
    return number.replace("/", "-")


def number_from_url(text: str) -> str:
    """`00001-2026-01001` → `00001/2026/01001`; ValueError for anything else."""
    if not URL_NUMBER_PATTERN.match(text):
        raise ValueError(f"số hồ sơ trong đường dẫn không hợp lệ: {text!r}")
    return text.replace("-", "/")


# --- the client an I-VAN uses ----------------------------------------------------------------


class GatewayRejection(Exception):
    """The gateway refused a request: catalogue `code`, Vietnamese `message`, `xpath`."""

    def __init__(
        self, status: int, code: str, message: str, *, xpath: str = "", detail: str = ""
    ) -> None:
        super().__init__(f"{status} {code}: {message}" + (f" ({xpath})" if xpath else ""))
        self.status = status
        self.code = code
        self.message = message
        self.xpath = xpath
        self.detail = detail

    @classmethod
    def from_response(cls, response: httpx.Response) -> GatewayRejection:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        return cls(
            response.status_code,
            str(body.get("code", "")),
            str(body.get("message", response.text[:500])),
            xpath=str(body.get("xpath", "")),
            detail=str(body.get("detail", "")),
        )


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """The gateway's answer to a submission; `created` is False for an idempotent resend."""

    created: bool
    number: str
    message_id: str
    received_at: datetime
    sha256: str
    status: str
    receipt: bytes


class GatewayClient:
    """Calls the agency gateway as one I-VAN, signing every request.

    `base_url` is the gateway's root (`https://gateway.example/gateway/v1`); paths given to
    the methods are relative to it. Pass `http` to share a connection pool, or `transport`
    to reach the gateway some other way than the network (in-process in tests).
    """

    def __init__(
        self,
        base_url: str,
        ivan_code: str,
        signer: DigestSigner,
        *,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not IVAN_CODE_PATTERN.match(ivan_code):
            raise ValueError("mã I-VAN gồm đúng 5 chữ số")
        self.base_url = base_url.rstrip("/")
        self.ivan_code = ivan_code
        self._signer = signer
        self._owns_http = http is None
        self._http = (
            http if http is not None else httpx.Client(timeout=timeout, transport=transport)
        )

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        content: bytes = b"",
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One signed request; the signature covers the path exactly as it goes on the wire."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        request = self._http.build_request(
            method, url, content=content, headers=dict(headers or {}), params=params
        )
        signed_path = request.url.raw_path.decode("ascii")
        request.headers.update(
            sign_request(method, signed_path, content, self._signer, code=self.ivan_code)
        )
        return self._http.send(request)

    def get(self, path: str, *, params: Mapping[str, str] | None = None) -> httpx.Response:
        return self.request("GET", path, params=params)

    def post(
        self,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """POST raw `content`, or `json_body` serialised as UTF-8 JSON."""
        sent_headers = dict(headers or {})
        if json_body is not None:
            content = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            sent_headers.setdefault("Content-Type", "application/json")
        return self.request("POST", path, content=content or b"", headers=sent_headers)

    def submit(self, envelope: bytes, *, message_id: str) -> SubmitResult:
        """Submit a signed `Hoso`; GatewayRejection when refused. A resend with the same
        message id answers the stored receipt (`created` False)."""
        response = self.post(
            "dossiers",
            content=envelope,
            headers={"Content-Type": "application/xml", MESSAGE_ID_HEADER: message_id},
        )
        body = self._json(response, expected=(200, 201))
        return SubmitResult(
            created=response.status_code == 201,
            number=body["number"],
            message_id=body["message_id"],
            received_at=datetime.fromisoformat(body["received_at"]),
            sha256=body["sha256"],
            status=body["status"],
            receipt=base64.b64decode(body["receipt_base64"]),
        )

    def status(self, number: str) -> dict[str, Any]:
        """Status, result and timeline of a dossier this I-VAN submitted."""
        return self._json(self.get(f"dossiers/{number_to_url(number)}"))

    def status_by_message(self, message_id: str) -> dict[str, Any]:
        return self._json(self.get(f"messages/{message_id}"))

    def receipt(self, number: str) -> bytes:
        """The signed receipt (`BienNhan`) of a dossier, as XML."""
        response = self.get(f"dossiers/{number_to_url(number)}/receipt")
        if response.status_code != 200:
            raise GatewayRejection.from_response(response)
        return response.content

    @staticmethod
    def _json(response: httpx.Response, *, expected: tuple[int, ...] = (200,)) -> Any:
        if response.status_code not in expected:
            raise GatewayRejection.from_response(response)
        return response.json()
