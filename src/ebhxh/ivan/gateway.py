"""The I-VAN's port to the BHXH gateway: every exchange with the agency goes through here.

The I-VAN app never reads agency tables (DESIGN.md §1); it calls the gateway's HTTP API as
one connected I-VAN, signing each request with its own certificate
(`ebhxh.dossiers.transport.GatewayClient`). Chosen by `IVAN_GATEWAY_*`: the gateway's base
URL, this I-VAN's five-digit code and name, and its key (a PKCS#12 file with its password).
In the demo without a key, the demo PKI's certificate of the I-VAN whose code is configured
(00110 by default).

`gateway_client()` opens a client per use case (`with gateway_client() as client: …`).
Tests that do not run a live server call `use_transport(...)` with an httpx transport that
reaches the gateway in-process (`httpx.WSGITransport` over the project's WSGI app), so the
real gateway answers without a socket.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings

from ebhxh.core.errors import DomainError
from ebhxh.dossiers.envelope import IvanInfo
from ebhxh.dossiers.transport import GatewayClient, GatewayRejection
from ebhxh.pki.demo import load_if_complete, p12_password
from ebhxh.signers.errors import SignerError
from ebhxh.signers.ports import DigestSigner
from ebhxh.signers.software import Pkcs12Signer

__all__ = [
    "GatewayNotConfigured",
    "GatewayRejection",
    "GatewayUnavailable",
    "gateway_client",
    "ivan_info",
    "use_transport",
]


class GatewayNotConfigured(DomainError):
    """No key for this I-VAN: the operator must set `IVAN_GATEWAY_PKCS12`."""

    code = "IVAN_GATEWAY_NOT_CONFIGURED"


class GatewayUnavailable(DomainError):
    """The gateway could not be reached or answered something that is not the API."""

    code = "IVAN_GATEWAY_UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class _Held:
    key: tuple[object, ...]
    signer: DigestSigner


_lock = threading.Lock()
_held: _Held | None = None
_transport: httpx.BaseTransport | None = None


def _settings_key() -> tuple[object, ...]:
    return (
        settings.IVAN_GATEWAY_PKCS12,
        settings.IVAN_GATEWAY_PASSWORD,
        settings.IVAN_CODE,
        settings.DEMO,
        str(settings.DEMO_PKI_DIR),
    )


def _open_signer() -> DigestSigner:
    if settings.IVAN_GATEWAY_PKCS12:
        return Pkcs12Signer.from_file(
            settings.IVAN_GATEWAY_PKCS12, settings.IVAN_GATEWAY_PASSWORD or None
        )
    pki = load_if_complete(Path(settings.DEMO_PKI_DIR)) if settings.DEMO else None
    if pki is not None:
        for entity in pki.with_role("ivan"):
            if entity.ivan_code == settings.IVAN_CODE:
                return Pkcs12Signer.from_file(
                    pki.path(entity.files.pkcs12), p12_password(entity.slug)
                )
    raise GatewayNotConfigured(
        "Chưa cấu hình khoá ký của I-VAN để gọi cổng BHXH (IVAN_GATEWAY_PKCS12)."
    )


def _signer() -> DigestSigner:
    global _held
    key = _settings_key()
    held = _held
    if held is not None and held.key == key:
        return held.signer
    with _lock:
        if _held is None or _held.key != key:
            try:
                _held = _Held(key, _open_signer())
            except SignerError as error:
                raise GatewayNotConfigured(f"Không mở được khoá ký của I-VAN: {error}") from None
        return _held.signer


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Route gateway calls through `transport` (tests); None restores the network."""
    global _transport
    _transport = transport


def reset() -> None:
    """Forget the opened key (tests that change `IVAN_GATEWAY_*`)."""
    global _held
    with _lock:
        _held = None


def gateway_client() -> GatewayClient:
    """A client signing as this I-VAN; close it (use `with`)."""
    return _Client(
        settings.IVAN_GATEWAY_URL,
        settings.IVAN_CODE,
        _signer(),
        timeout=settings.IVAN_GATEWAY_TIMEOUT,
        transport=_transport,
    )


class _Client(GatewayClient):
    """Transport failures become `GatewayUnavailable`, with a message a user can act on."""

    def request(
        self,
        method: str,
        path: str,
        *,
        content: bytes = b"",
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        try:
            return super().request(method, path, content=content, headers=headers, params=params)
        except httpx.TransportError:
            raise GatewayUnavailable(
                "Không kết nối được cổng giao dịch của BHXH. Vui lòng thử lại sau ít phút."
            ) from None


def ivan_info() -> IvanInfo:
    """`ThongTinIVAN` of every envelope this app builds."""
    return IvanInfo(code=settings.IVAN_CODE, name=settings.IVAN_NAME)
