"""What the token functions report: a token in a slot, and a certificate on a token."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding


@dataclass(frozen=True)
class TokenInfo:
    """A token as its PKCS#11 module describes it, with the flags a signing screen needs.

    The PIN flags let a screen warn before asking for the PIN (count low, final try) and
    refuse to ask at all when the PIN is locked.
    """

    slot_id: int
    label: str
    serial: str
    manufacturer: str
    model: str
    initialized: bool
    login_required: bool
    user_pin_initialized: bool
    pin_count_low: bool
    pin_final_try: bool
    pin_locked: bool
    protected_authentication_path: bool  # a PIN pad on the device


@dataclass(frozen=True)
class TokenCertificate:
    """An X.509 certificate object on a token, with what identifies it there.

    `id_hex` is the CKA_ID that ties the certificate to its private key; `has_private_key`
    is None when it could not be known because the listing ran without the PIN.
    """

    token_label: str
    token_serial: str
    label: str
    id_hex: str
    certificate: x509.Certificate
    subject: str  # RFC 4514 string of the whole subject
    subject_summary: str  # the parts a person recognises: CN, O, UID (MST/CCCD)
    issuer_summary: str
    serial_number_hex: str
    fingerprint_sha256: str  # lowercase hex, no separators
    not_before: datetime  # aware, UTC
    not_after: datetime  # aware, UTC
    has_private_key: bool | None

    def describe(self) -> str:
        """One line for lists and messages (Vietnamese)."""
        return (
            f"nhãn '{self.label}', ID {self.id_hex or '(trống)'}: {self.subject_summary}; "
            f"hiệu lực {self.not_before:%d/%m/%Y}–{self.not_after:%d/%m/%Y}; "
            f"SHA-256 {self.fingerprint_sha256}"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the certificate as DER (cryptography's objects do not pickle), so errors
        carrying candidates can cross a worker queue."""
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        values["certificate"] = self.certificate.public_bytes(Encoding.DER)
        return (_restore_token_certificate, (values,))


def _restore_token_certificate(values: dict[str, Any]) -> TokenCertificate:
    der = values.pop("certificate")
    return TokenCertificate(certificate=x509.load_der_x509_certificate(der), **values)
