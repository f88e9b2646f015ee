"""Remote signing (ký số từ xa) over the CSC API v2 subset that `ebhxh.esign` serves.

`CscClient` logs in to a holder account and lists its certificates (seed 002: link the
account, pick a certificate when there are several); `RemoteSigner` is a `DigestSigner`, so
`ebhxh.xmldsig.sign_xml` signs a Hoso with it exactly as with a USB token. The first
`sign_digest` of a signer asks the provider to push the request to the holder's device, polls
until the holder has confirmed as often as the procedure needs (once for register/change/stop
dossiers, twice for the others), then fetches the signature and checks it against the
certificate. Those counts are per dossier, which is signed several times (each form, then
the envelope): the later calls chain to the previous request and need no new confirmation.

Pure Python (httpx and cryptography, no Django): the I-VAN, a script or the CLI use it alike.
Refusals raise `RemoteSigningError` subclasses with a stable `code` and a Vietnamese
`message_vi`; a signature that does not match the certificate raises the signers' own
`SignerError(KEY_CERTIFICATE_MISMATCH)`, as a token would.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from ebhxh.signers.certificates import check_digest, intermediates_for, subject_summary
from ebhxh.signers.errors import SignerError, SignerErrorCode

if TYPE_CHECKING:
    from ebhxh.signers.ports import DigestSigner

__all__ = [
    "HASH_SHA256_OID",
    "SIGN_RSA_OID",
    "Authorization",
    "CscClient",
    "RemoteAuthenticationError",
    "RemoteCredential",
    "RemoteErrorCode",
    "RemoteSigner",
    "RemoteSigningDenied",
    "RemoteSigningError",
    "RemoteSigningExpired",
    "SigningProgress",
]

HASH_SHA256_OID = "2.16.840.1.101.3.4.2.1"
SIGN_RSA_OID = "1.2.840.113549.1.1.1"  # rsaEncryption: PKCS#1 v1.5 over the given hash
DEFAULT_POLL_SECONDS = 2.0
# Added to the provider's time limit before the client gives up waiting on its own.
TIMEOUT_MARGIN_SECONDS = 10.0


class RemoteErrorCode(StrEnum):
    """Every way remote signing can fail, as the client reports it."""

    LOGIN_FAILED = "REMOTE_LOGIN_FAILED"
    NOT_LOGGED_IN = "REMOTE_NOT_LOGGED_IN"
    CREDENTIAL_NOT_FOUND = "REMOTE_CREDENTIAL_NOT_FOUND"
    CREDENTIAL_DISABLED = "REMOTE_CREDENTIAL_DISABLED"
    PROCEDURE_UNKNOWN = "REMOTE_PROCEDURE_UNKNOWN"
    DEVICE_LOCKED = "REMOTE_DEVICE_LOCKED"
    DENIED = "REMOTE_DENIED"
    EXPIRED = "REMOTE_EXPIRED"
    SAD_REJECTED = "REMOTE_SAD_REJECTED"
    REQUEST_INVALID = "REMOTE_REQUEST_INVALID"
    SERVICE_UNAVAILABLE = "REMOTE_SERVICE_UNAVAILABLE"
    BAD_RESPONSE = "REMOTE_BAD_RESPONSE"


MESSAGES_VI: dict[RemoteErrorCode, str] = {
    RemoteErrorCode.LOGIN_FAILED: (
        "Đăng nhập tài khoản ký số từ xa không thành công: sai tên đăng nhập hoặc mật khẩu. "
        "Dùng tài khoản được cấp khi đăng ký chứng thư số."
    ),
    RemoteErrorCode.NOT_LOGGED_IN: (
        "Chưa đăng nhập hoặc phiên đăng nhập tài khoản ký số từ xa đã hết hạn. Đăng nhập lại."
    ),
    RemoteErrorCode.CREDENTIAL_NOT_FOUND: (
        "Không tìm thấy chứng thư số đã chọn trong tài khoản ký số từ xa. Vào Thiết lập/Chữ ký "
        "số và chọn lại chứng thư số."
    ),
    RemoteErrorCode.CREDENTIAL_DISABLED: (
        "Chứng thư số đã chọn đang bị khoá hoặc hết hiệu lực. Chọn chứng thư số khác hoặc liên "
        "hệ nhà cung cấp dịch vụ ký số."
    ),
    RemoteErrorCode.PROCEDURE_UNKNOWN: (
        "Mã thủ tục của hồ sơ không có trong danh mục nên nhà cung cấp không xác định được số "
        "lần xác nhận. Kiểm tra lại loại hồ sơ."
    ),
    RemoteErrorCode.DEVICE_LOCKED: (
        "Thiết bị xác thực ký số đã bị khoá do nhập sai mã PIN nhiều lần. Liên hệ nhà cung cấp "
        "dịch vụ ký số để mở khoá."
    ),
    RemoteErrorCode.DENIED: (
        "Yêu cầu ký đã bị từ chối trên thiết bị xác thực. Hồ sơ chưa được ký; ký lại nếu cần."
    ),
    RemoteErrorCode.EXPIRED: (
        "Đã hết thời gian xác nhận ký trên thiết bị. Ký lại và xác nhận trên thiết bị ngay khi "
        "nhận được yêu cầu."
    ),
    RemoteErrorCode.SAD_REJECTED: (
        "Nhà cung cấp không chấp nhận lần ký này (mã kích hoạt chữ ký đã dùng, hết hạn hoặc "
        "không khớp hồ sơ). Ký lại từ đầu."
    ),
    RemoteErrorCode.REQUEST_INVALID: (
        "Yêu cầu ký gửi tới nhà cung cấp không hợp lệ. Đây là lỗi của phần mềm gọi ký; báo cho "
        "bộ phận hỗ trợ."
    ),
    RemoteErrorCode.SERVICE_UNAVAILABLE: (
        "Không kết nối được dịch vụ ký số từ xa. Kiểm tra kết nối mạng rồi thử lại sau ít phút."
    ),
    RemoteErrorCode.BAD_RESPONSE: (
        "Dịch vụ ký số từ xa trả lời không đúng định dạng. Thử lại; nếu vẫn lỗi, báo cho bộ "
        "phận hỗ trợ."
    ),
}


class RemoteSigningError(Exception):
    """Remote signing refused or failed: stable `code`, Vietnamese `message_vi`.

    `service_error` is the provider's own error code (`access_denied`, `expired_request`, …)
    and `detail` its description, when the provider answered at all.
    """

    def __init__(
        self,
        code: RemoteErrorCode | str,
        *,
        detail: str = "",
        service_error: str = "",
        status: int | None = None,
    ) -> None:
        self.code = RemoteErrorCode(code)
        self.message_vi = MESSAGES_VI[self.code]
        self.detail = detail
        self.service_error = service_error
        self.status = status
        super().__init__(self.code, detail, service_error, status)

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild,
            (type(self), self.code, self.detail, self.service_error, self.status),
        )

    def __str__(self) -> str:
        text = f"{self.code}: {self.message_vi}"
        return f"{text} ({self.detail})" if self.detail else text


def _rebuild(
    cls: type[RemoteSigningError], code: str, detail: str, service_error: str, status: int | None
) -> RemoteSigningError:
    return cls(code, detail=detail, service_error=service_error, status=status)


class RemoteAuthenticationError(RemoteSigningError):
    """Login refused, or the bearer token is missing or expired."""


class RemoteSigningDenied(RemoteSigningError):
    """The holder pressed "Từ chối" on the device."""


class RemoteSigningExpired(RemoteSigningError):
    """Not confirmed within the time limit (the provider's, or the client's own timeout)."""


# The provider's codes (docs/esign.md) → what the client reports.
_SERVICE_ERRORS: dict[str, tuple[type[RemoteSigningError], RemoteErrorCode]] = {
    "invalid_grant": (RemoteAuthenticationError, RemoteErrorCode.LOGIN_FAILED),
    "invalid_token": (RemoteAuthenticationError, RemoteErrorCode.NOT_LOGGED_IN),
    "invalid_credential": (RemoteSigningError, RemoteErrorCode.CREDENTIAL_NOT_FOUND),
    "credential_disabled": (RemoteSigningError, RemoteErrorCode.CREDENTIAL_DISABLED),
    "unknown_procedure": (RemoteSigningError, RemoteErrorCode.PROCEDURE_UNKNOWN),
    "device_locked": (RemoteSigningError, RemoteErrorCode.DEVICE_LOCKED),
    "access_denied": (RemoteSigningDenied, RemoteErrorCode.DENIED),
    "expired_request": (RemoteSigningExpired, RemoteErrorCode.EXPIRED),
    "sad_expired": (RemoteSigningExpired, RemoteErrorCode.EXPIRED),
    "invalid_sad": (RemoteSigningError, RemoteErrorCode.SAD_REJECTED),
    "sad_used": (RemoteSigningError, RemoteErrorCode.SAD_REJECTED),
    "sad_already_issued": (RemoteSigningError, RemoteErrorCode.SAD_REJECTED),
    "hash_mismatch": (RemoteSigningError, RemoteErrorCode.SAD_REJECTED),
    "key_unavailable": (RemoteSigningError, RemoteErrorCode.SERVICE_UNAVAILABLE),
}


def _service_error(response: httpx.Response) -> RemoteSigningError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        code = (
            RemoteErrorCode.SERVICE_UNAVAILABLE
            if response.status_code >= 500
            else RemoteErrorCode.BAD_RESPONSE
        )
        return RemoteSigningError(code, detail=f"HTTP {response.status_code}")
    error = body["error"]
    description = body.get("error_description")
    cls, code = _SERVICE_ERRORS.get(error, (RemoteSigningError, RemoteErrorCode.REQUEST_INVALID))
    return cls(
        code,
        detail=description if isinstance(description, str) else "",
        service_error=error,
        status=response.status_code,
    )


# --- what the provider returns ------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteCredential:
    """A certificate in the holder's account, for the "chọn chứng thư số" list."""

    id: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # intermediates, nearest first, no root
    description: str
    status: str  # the provider's cert.status: valid, expired, …
    key_enabled: bool
    multisign: int

    @property
    def subject(self) -> str:
        """CN, O and UID (MST/CCCD): what a person recognises."""
        return subject_summary(self.certificate.subject)

    @property
    def valid_from(self) -> datetime:
        return self.certificate.not_valid_before_utc

    @property
    def valid_to(self) -> datetime:
        return self.certificate.not_valid_after_utc


@dataclass(frozen=True)
class Authorization:
    """The state of a credentials/authorize request: pending, or its SAD."""

    request_id: str
    pending: bool
    expires_in: int
    required_confirmations: int = 0
    confirmations_received: int = 0
    interval: float = DEFAULT_POLL_SECONDS
    sad: str | None = None
    # "confirmed" when the provider granted the request as a continuation of `chained_to`
    # (the previous request of the same dossier): no device confirmation is awaited.
    status: str = "pending"
    chained_to: str | None = None

    @property
    def granted(self) -> bool:
        """Already confirmed: the SAD is one authorizeCheck away."""
        return self.status == "confirmed"


@dataclass(frozen=True)
class SigningProgress:
    """What a signing screen shows while the holder confirms on the device."""

    stage: str  # "waiting" (for confirmation n/m), "signing", "signed"
    message: str  # Vietnamese, ready to show
    confirmations_received: int = 0
    confirmations_required: int = 0
    seconds_left: int | None = None

    @property
    def status(self) -> str:
        """Short machine-readable form: `waiting 1/2`, `signing`, `signed`."""
        if self.stage == "waiting":
            return f"waiting {self.confirmations_received + 1}/{self.confirmations_required}"
        return self.stage

    def __str__(self) -> str:
        return self.message


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _field(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise RemoteSigningError(RemoteErrorCode.BAD_RESPONSE, detail=f"({name})")
    return value


def _certificates(values: Any) -> list[x509.Certificate]:
    if not isinstance(values, list) or not values:
        raise RemoteSigningError(RemoteErrorCode.BAD_RESPONSE, detail="(cert.certificates)")
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(v, validate=True)) for v in values]
    except (TypeError, ValueError, binascii.Error):
        raise RemoteSigningError(
            RemoteErrorCode.BAD_RESPONSE, detail="(cert.certificates)"
        ) from None


def _credential(credential_id: str, info: dict[str, Any]) -> RemoteCredential:
    cert = info.get("cert")
    key = info.get("key")
    if not isinstance(cert, dict) or not isinstance(key, dict):
        raise RemoteSigningError(RemoteErrorCode.BAD_RESPONSE, detail="(cert/key)")
    leaf, *others = _certificates(cert.get("certificates"))
    multisign = info.get("multisign", 1)
    return RemoteCredential(
        id=credential_id,
        certificate=leaf,
        chain=intermediates_for(leaf, others),
        description=str(info.get("description") or subject_summary(leaf.subject)),
        status=str(cert.get("status", "")),
        key_enabled=key.get("status") == "enabled",
        multisign=multisign if isinstance(multisign, int) else 1,
    )


def _authorization(body: dict[str, Any], request_id: str, pending: bool) -> Authorization:
    if not pending:
        return Authorization(
            request_id=request_id,
            pending=False,
            expires_in=_field(body, "expiresIn", int),
            sad=_field(body, "SAD", str),
        )
    interval = body.get("interval", DEFAULT_POLL_SECONDS)
    status = body.get("status", "pending")
    chained_to = body.get("chainedTo")
    return Authorization(
        request_id=_field(body, "requestID", str),
        pending=True,
        expires_in=_field(body, "expiresIn", int),
        required_confirmations=_field(body, "requiredConfirmations", int),
        confirmations_received=_field(body, "confirmationsReceived", int),
        interval=float(interval) if isinstance(interval, int | float) else DEFAULT_POLL_SECONDS,
        status=status if isinstance(status, str) else "pending",
        chained_to=chained_to if isinstance(chained_to, str) else None,
    )


# --- the client -------------------------------------------------------------------------------


class CscClient:
    """A logged-in session with a remote-signing provider's CSC API.

    `base_url` is the API root, e.g. `https://esign.example.vn/esign/csc/v2`. `transport`
    lets a caller route requests (tests use it); `timeout` bounds each HTTP call.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 15.0,
        transport: httpx.BaseTransport | None = None,
        verify: bool = True,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            timeout=timeout,
            transport=transport,
            verify=verify,
            headers={"Accept": "application/json", "Accept-Language": "vi"},
        )
        self._token: str | None = None

    # session

    @property
    def logged_in(self) -> bool:
        return self._token is not None

    def login(self, username: str, password: str) -> None:
        """OAuth 2.0 password grant with the holder account; keeps the bearer token."""
        response = self._send(
            "oauth2/token",
            data={"grant_type": "password", "username": username, "password": password},
        )
        body = self._json(response)
        self._token = _field(body, "access_token", str)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CscClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # credentials

    def list_credentials(self) -> list[RemoteCredential]:
        """Every certificate of the account, with its chain, in the provider's order."""
        body = self._call(
            "credentials/list",
            {"credentialInfo": True, "certificates": "chain", "certInfo": True},
        )
        infos = body.get("credentialInfos")
        if not isinstance(infos, list):
            raise RemoteSigningError(RemoteErrorCode.BAD_RESPONSE, detail="(credentialInfos)")
        result = []
        for info in infos:
            if not isinstance(info, dict) or not isinstance(info.get("credentialID"), str):
                raise RemoteSigningError(RemoteErrorCode.BAD_RESPONSE, detail="(credentialID)")
            result.append(_credential(info["credentialID"], info))
        return result

    def credential(self, credential_id: str) -> RemoteCredential:
        """One certificate by its id (credentials/info)."""
        body = self._call(
            "credentials/info",
            {"credentialID": credential_id, "certificates": "chain", "certInfo": True},
        )
        return _credential(credential_id, body)

    # signing, step by step

    def authorize(
        self,
        *,
        credential_id: str,
        hashes: Sequence[bytes],
        procedure_code: str,
        unit_name: str,
        unit_tax_code: str = "",
        description: str = "",
        chained_to: str | None = None,
    ) -> Authorization:
        """Ask for the holder's confirmation; returns at once with the pending request.

        `chained_to` names the previous, used request of the same dossier: the provider then
        may grant this one without asking the device again (`Authorization.granted`).
        """
        payload: dict[str, Any] = {
            "credentialID": credential_id,
            "numSignatures": len(hashes),
            "hashes": [_b64(value) for value in hashes],
            "hashAlgorithmOID": HASH_SHA256_OID,
            "description": description,
            "procedureCode": procedure_code,
            "unitName": unit_name,
            "unitTaxCode": unit_tax_code,
        }
        if chained_to:
            payload["chainedTo"] = chained_to
        body = self._call("credentials/authorize", payload, accept=(202,))
        return _authorization(body, "", pending=True)

    def authorize_check(self, *, credential_id: str, request_id: str) -> Authorization:
        """Still pending (with confirmations so far), or the SAD, which is handed out once."""
        response = self._post(
            "credentials/authorizeCheck", {"credentialID": credential_id, "requestID": request_id}
        )
        if response.status_code not in (200, 202):
            raise _service_error(response)
        return _authorization(self._json(response), request_id, pending=response.status_code == 202)

    def sign_hash(self, *, credential_id: str, sad: str, hashes: Sequence[bytes]) -> list[bytes]:
        """RSA PKCS#1 v1.5 signatures of the confirmed hashes, in the same order."""
        body = self._call(
            "signatures/signHash",
            {
                "credentialID": credential_id,
                "SAD": sad,
                "hashes": [_b64(value) for value in hashes],
                "hashAlgorithmOID": HASH_SHA256_OID,
                "signAlgo": SIGN_RSA_OID,
            },
        )
        values = body.get("signatures")
        if not isinstance(values, list) or len(values) != len(hashes):
            raise RemoteSigningError(RemoteErrorCode.BAD_RESPONSE, detail="(signatures)")
        try:
            return [base64.b64decode(value, validate=True) for value in values]
        except (TypeError, ValueError, binascii.Error):
            raise RemoteSigningError(RemoteErrorCode.BAD_RESPONSE, detail="(signatures)") from None

    # HTTP

    def _call(
        self, path: str, payload: dict[str, Any], *, accept: tuple[int, ...] = (200,)
    ) -> dict[str, Any]:
        response = self._post(path, payload)
        if response.status_code not in accept:
            raise _service_error(response)
        return self._json(response)

    def _post(self, path: str, payload: dict[str, Any]) -> httpx.Response:
        if self._token is None:
            raise RemoteAuthenticationError(RemoteErrorCode.NOT_LOGGED_IN)
        return self._send(path, json=payload, headers={"Authorization": f"Bearer {self._token}"})

    def _send(self, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.post(path, **kwargs)
        except httpx.HTTPError as exc:
            raise RemoteSigningError(
                RemoteErrorCode.SERVICE_UNAVAILABLE, detail=type(exc).__name__
            ) from exc

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 300:
            raise _service_error(response)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise RemoteSigningError(RemoteErrorCode.BAD_RESPONSE, detail="(JSON)")
        return body


# --- the signer ---------------------------------------------------------------------------------


class RemoteSigner:
    """A `DigestSigner` whose key stays with the provider; each signature is confirmed on the
    holder's device.

    `procedure_code` (MaThuTuc) and the unit are sent with every request: the provider shows
    them on the device and takes the number of confirmations from the procedure. `on_progress`
    is called whenever the state changes (waiting for confirmation 1/2, 2/2, signing, signed).
    `timeout` bounds the whole wait; by default the provider's time limit plus a margin.

    One instance signs one dossier: the confirmations are per dossier (seed 002), so the
    second and later `sign_digest` calls name the previous request (`chainedTo`) and the
    provider grants them without the device when it may. `chain=False` asks every time.
    """

    def __init__(
        self,
        client: CscClient,
        credential: RemoteCredential | str,
        *,
        procedure_code: str,
        unit_name: str,
        unit_tax_code: str = "",
        description: str = "",
        on_progress: Callable[[SigningProgress], None] | None = None,
        poll_interval: float | None = None,
        timeout: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        chain: bool = True,
    ) -> None:
        self._client = client
        self._credential = (
            credential
            if isinstance(credential, RemoteCredential)
            else client.credential(credential)
        )
        self._procedure_code = procedure_code
        self._unit_name = unit_name
        self._unit_tax_code = unit_tax_code
        self._description = description or f"Hồ sơ {procedure_code} – {unit_name}"
        self._on_progress = on_progress
        self._poll_interval = poll_interval
        self._timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self._chain = chain
        self._previous_request_id: str | None = None

    @property
    def previous_request_id(self) -> str | None:
        """The last request this signer used, which the next `sign_digest` continues."""
        return self._previous_request_id

    @property
    def credential(self) -> RemoteCredential:
        return self._credential

    @property
    def certificate(self) -> x509.Certificate:
        """The chosen certificate (goes into KeyInfo)."""
        return self._credential.certificate

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """Its intermediates as the provider holds them, without the root."""
        return self._credential.chain

    def sign_digest(self, digest: bytes) -> bytes:
        """Authorize, wait for the device, sign; checked against the certificate's key."""
        check_digest(digest)
        digest = bytes(digest)
        pending = self._client.authorize(
            credential_id=self._credential.id,
            hashes=[digest],
            procedure_code=self._procedure_code,
            unit_name=self._unit_name,
            unit_tax_code=self._unit_tax_code,
            description=self._description,
            chained_to=self._previous_request_id if self._chain else None,
        )
        sad = self._wait_for_sad(pending)
        if pending.granted:
            message = "Tiếp nối lần xác nhận trước của hồ sơ này, đang ký…"
        else:
            message = "Đã xác nhận trên thiết bị, đang ký…"
        self._report(SigningProgress("signing", message))
        [signature] = self._client.sign_hash(
            credential_id=self._credential.id, sad=sad, hashes=[digest]
        )
        self._previous_request_id = pending.request_id
        self._check(signature, digest)
        self._report(SigningProgress("signed", "Đã ký xong."))
        return signature

    def _wait_for_sad(self, state: Authorization) -> str:
        limit = self._timeout
        if limit is None:
            limit = state.expires_in + TIMEOUT_MARGIN_SECONDS
        deadline = self._clock() + limit
        interval = self._poll_interval if self._poll_interval is not None else state.interval
        last: tuple[int, int] | None = None
        request_id = state.request_id
        while True:
            if state.sad is not None:
                return state.sad
            if not state.granted:
                seen = (state.confirmations_received, state.required_confirmations)
                if seen != last:
                    last = seen
                    self._report(_waiting(state))
            if self._clock() >= deadline:
                raise RemoteSigningExpired(
                    RemoteErrorCode.EXPIRED, detail="hết thời gian chờ phía phần mềm ký"
                )
            if not state.granted:
                self._sleep(interval)
            state = self._client.authorize_check(
                credential_id=self._credential.id, request_id=request_id
            )

    def _report(self, progress: SigningProgress) -> None:
        if self._on_progress is not None:
            self._on_progress(progress)

    def _check(self, signature: bytes, digest: bytes) -> None:
        public = self.certificate.public_key()
        try:
            if not isinstance(public, rsa.RSAPublicKey):
                raise InvalidSignature
            public.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        except InvalidSignature:
            raise SignerError(
                SignerErrorCode.KEY_CERTIFICATE_MISMATCH,
                detail=f"(ký từ xa, chứng thư số {self._credential.subject})",
            ) from None

    def __repr__(self) -> str:
        return f"<RemoteSigner {self._credential.id} {self._credential.subject!r}>"


def _waiting(state: Authorization) -> SigningProgress:
    step = state.confirmations_received + 1
    total = state.required_confirmations
    return SigningProgress(
        "waiting",
        f"Đang chờ xác nhận lần {step}/{total} trên thiết bị (còn {state.expires_in} giây).",
        confirmations_received=state.confirmations_received,
        confirmations_required=total,
        seconds_left=state.expires_in,
    )


if TYPE_CHECKING:

    def _fits_the_port(signer: RemoteSigner) -> DigestSigner:
        """Never called: makes `mypy src/` prove RemoteSigner satisfies DigestSigner."""
        return signer
