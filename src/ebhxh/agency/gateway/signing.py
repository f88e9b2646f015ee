"""The agency's own signer: it signs every receipt and every callback.

Chosen by `AGENCY_SIGNER_*`: a PKCS#12 file with its password, or a PKCS#11 token (module,
token label, PIN, certificate label). In the demo without configuration, the demo PKI's
`bhxh-vn` certificate. Opened once per process and shared by its threads (the PKCS#11
signer serialises calls into the module itself).
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from ebhxh.agency.gateway.errors import GatewayError
from ebhxh.pki.demo import load_if_complete, p12_password
from ebhxh.pki.loading import fingerprint_sha256
from ebhxh.signers.errors import SignerError
from ebhxh.signers.ports import DigestSigner
from ebhxh.signers.software import Pkcs12Signer

DEMO_AGENCY_SLUG = "bhxh-vn"

_lock = threading.Lock()
_signer: tuple[tuple[object, ...], DigestSigner, str] | None = None


def _settings_key() -> tuple[object, ...]:
    return (
        settings.AGENCY_SIGNER_PKCS12,
        settings.AGENCY_SIGNER_PASSWORD,
        settings.AGENCY_SIGNER_PKCS11_MODULE,
        settings.AGENCY_SIGNER_TOKEN_LABEL,
        settings.AGENCY_SIGNER_PIN,
        settings.AGENCY_SIGNER_CERTIFICATE_LABEL,
        settings.DEMO,
        str(settings.DEMO_PKI_DIR),
    )


def _open() -> DigestSigner:
    if settings.AGENCY_SIGNER_PKCS12:
        return Pkcs12Signer.from_file(
            settings.AGENCY_SIGNER_PKCS12, settings.AGENCY_SIGNER_PASSWORD or None
        )
    if settings.AGENCY_SIGNER_PKCS11_MODULE or settings.AGENCY_SIGNER_TOKEN_LABEL:
        from ebhxh.signers.pkcs11 import Pkcs11Signer

        return Pkcs11Signer.open(
            settings.AGENCY_SIGNER_PKCS11_MODULE or None,
            token_label=settings.AGENCY_SIGNER_TOKEN_LABEL or None,
            pin=settings.AGENCY_SIGNER_PIN,
            certificate_label=settings.AGENCY_SIGNER_CERTIFICATE_LABEL or None,
        )
    pki = load_if_complete(Path(settings.DEMO_PKI_DIR)) if settings.DEMO else None
    if pki is None:
        raise GatewayError(
            "SYS001", "chưa cấu hình khoá ký của cơ quan BHXH (AGENCY_SIGNER_PKCS12)"
        )
    entity = pki.entity(DEMO_AGENCY_SLUG)
    return Pkcs12Signer.from_file(pki.path(entity.files.pkcs12), p12_password(DEMO_AGENCY_SLUG))


def _current() -> tuple[DigestSigner, str]:
    global _signer
    key = _settings_key()
    held = _signer
    if held is not None and held[0] == key:
        return held[1], held[2]
    with _lock:
        if _signer is None or _signer[0] != key:
            try:
                signer = _open()
            except SignerError as error:
                raise GatewayError(
                    "SYS001", f"không mở được khoá ký của cơ quan: {error}"
                ) from None
            _signer = (key, signer, fingerprint_sha256(signer.certificate))
        return _signer[1], _signer[2]


def agency_signer() -> DigestSigner:
    """The signer for receipts and callbacks; GatewayError SYS001 when none is configured."""
    return _current()[0]


def agency_certificate_fingerprint() -> str:
    """SHA-256 (hex) of the agency certificate, sent with callbacks as `X-BHXH-Certificate`."""
    return _current()[1]


def reset() -> None:
    global _signer
    with _lock:
        _signer = None
