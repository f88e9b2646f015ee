"""Checks on a certificate a unit chooses to sign with, before it is saved.

The agency will refuse a dossier signed with a certificate that names another MST (IDN001),
has expired (CRT002) or is not for signing (CRT006); catching that at setup saves the unit a
refused dossier. Chain and revocation are checked by the gateway at each submission, when
they matter, with the same validator. Codes and messages come from the one catalogue.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from ebhxh.core.errors import DomainError
from ebhxh.identifiers import IdentifierError, parse_tax_code
from ebhxh.pki.identity import identity_of, uid_values
from ebhxh.pki.loading import fingerprint_sha256
from ebhxh.reference.rejections import get_rejection
from ebhxh.signers.certificates import subject_summary

MAX_CHAIN = 7


class CertificateRefused(DomainError):
    """The certificate cannot sign for this unit; `code` is a catalogue code."""


def refusal(code: str, detail: str = "") -> CertificateRefused:
    message = get_rejection(code).message("vi")
    if detail:
        message = f"{message} ({detail})"
    return CertificateRefused(message, code=code, field="certificate")


@dataclass(frozen=True)
class CertificateFacts:
    """What the setup page shows and the setup row stores."""

    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    subject: str
    summary: str
    common_name: str
    tax_code: str
    issuer: str
    serial_number: str
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def chain_pem(self) -> str:
        return "".join(
            c.public_bytes(serialization.Encoding.PEM).decode("ascii") for c in self.chain
        )


@dataclass(frozen=True)
class CertificateSummary:
    """What a person choosing among certificates needs to tell them apart."""

    summary: str
    common_name: str
    tax_code: str
    issuer: str
    not_before: datetime
    not_after: datetime
    fingerprint_sha256: str


def summarise(certificate: x509.Certificate) -> CertificateSummary:
    codes = uid_values(certificate).get("tax_code", ())
    return CertificateSummary(
        summary=subject_summary(certificate.subject),
        common_name=identity_of(certificate).common_name,
        tax_code=codes[0] if len(codes) == 1 else "",
        issuer=subject_summary(certificate.issuer),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        fingerprint_sha256=fingerprint_sha256(certificate),
    )


def new_challenge() -> bytes:
    """32 fresh random bytes for the token to sign as if they were a SHA-256 digest."""
    return secrets.token_bytes(32)


def load_der(values: Sequence[bytes]) -> tuple[x509.Certificate, ...]:
    """Certificates as the agent or the provider sent them (DER); CERT_UNREADABLE if not."""
    if len(values) > MAX_CHAIN + 1:
        raise CertificateRefused(
            "Chuỗi chứng thư số gửi lên quá dài.", code="CERT_UNREADABLE", field="certificate"
        )
    try:
        return tuple(x509.load_der_x509_certificate(value) for value in values)
    except ValueError:
        raise CertificateRefused(
            "Không đọc được chứng thư số gửi lên. Chọn lại chứng thư số trên USB Token hoặc "
            "tài khoản ký từ xa.",
            code="CERT_UNREADABLE",
            field="certificate",
        ) from None


def _signs(certificate: x509.Certificate) -> bool:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True  # no restriction written in the certificate
    return bool(usage.digital_signature or usage.content_commitment)


def check_for_unit(
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate],
    *,
    unit_tax_code: str,
    now: datetime,
) -> CertificateFacts:
    """The certificate's facts if it can sign this unit's dossiers now; else refuse.

    The MST must match exactly, as the gateway's IDN001 rule does: a parent company's
    certificate does not sign for its branch, which is a unit of its own.
    """
    if now < certificate.not_valid_before_utc:
        raise refusal("CRT003", f"có hiệu lực từ {certificate.not_valid_before_utc:%d/%m/%Y}")
    if now > certificate.not_valid_after_utc:
        raise refusal("CRT002", f"hết hạn ngày {certificate.not_valid_after_utc:%d/%m/%Y}")
    if not _signs(certificate) or not isinstance(certificate.public_key(), rsa.RSAPublicKey):
        raise refusal("CRT006")
    codes = uid_values(certificate).get("tax_code", ())
    try:
        wanted = parse_tax_code(unit_tax_code).value
    except IdentifierError:
        wanted = unit_tax_code
    if not codes:
        raise refusal("IDN001", "chứng thư số không ghi mã số thuế (UID=MST:)")
    if len(codes) > 1:
        raise refusal("IDN001", f"chứng thư số ghi nhiều mã số thuế: {', '.join(codes)}")
    if codes[0] != wanted:
        raise refusal("IDN001", f"chứng thư số ghi MST {codes[0]}, đơn vị có MST {wanted}")
    identity = identity_of(certificate)
    return CertificateFacts(
        certificate=certificate,
        chain=tuple(chain),
        subject=identity.subject,
        summary=subject_summary(certificate.subject),
        common_name=identity.common_name,
        tax_code=codes[0],
        issuer=subject_summary(certificate.issuer),
        serial_number=format(certificate.serial_number, "x"),
        fingerprint_sha256=fingerprint_sha256(certificate),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


def verify_possession(certificate: x509.Certificate, digest: bytes, signature: bytes) -> None:
    """SIG002 unless `signature` is the certificate's key signing `digest` (PKCS#1 v1.5).

    Anyone can send a certificate (it is public); only the token's holder, with the PIN,
    can sign the server's fresh challenge with the matching key.
    """
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise refusal("CRT006")
    try:
        key.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    except InvalidSignature:
        raise refusal("SIG002", "chữ ký xác nhận không khớp với chứng thư số đã chọn") from None
