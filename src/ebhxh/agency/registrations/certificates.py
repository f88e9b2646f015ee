"""The certificate that signed a dossier, and whether it names the unit in BHXH's registry.

The gateway has already verified the envelope signature and that the certificate's MST is
the envelope's `MaSoThue`; what it cannot know is whether that MST is the one BHXH holds for
the unit code the dossier names. That check (IDN001) is this module's.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ebhxh.agency.registrations.errors import RegistrationRefused
from ebhxh.identifiers import IdentifierError, parse_tax_code
from ebhxh.pki.identity import identity_of, uid_values
from ebhxh.pki.loading import fingerprint_sha256

SIGNATURE_XPATH = "/Hoso/CKy_Dvi"  # where the unit's envelope signature sits


@dataclass(frozen=True)
class CertificateInfo:
    """What a registration keeps of a certificate."""

    certificate: x509.Certificate
    pem: str
    fingerprint: str
    serial: str
    subject: str
    tax_codes: tuple[str, ...]

    @classmethod
    def of(cls, certificate: x509.Certificate) -> CertificateInfo:
        return cls(
            certificate=certificate,
            pem=certificate.public_bytes(Encoding.PEM).decode("ascii"),
            fingerprint=fingerprint_sha256(certificate),
            serial=format(certificate.serial_number, "X"),
            subject=identity_of(certificate).subject[:1000],
            tax_codes=uid_values(certificate).get("tax_code", ()),
        )

    @classmethod
    def from_der(cls, der: bytes) -> CertificateInfo:
        return cls.of(x509.load_der_x509_certificate(der))


def _normalised(tax_code: str) -> str:
    try:
        return parse_tax_code(tax_code).value
    except IdentifierError:
        return tax_code.strip().upper()


def require_unit_certificate(
    info: CertificateInfo, unit_tax_code: str, *, xpath: str = SIGNATURE_XPATH
) -> None:
    """IDN001 unless the certificate names exactly this MST (a parent company's certificate
    does not sign for its branch, nor the other way round)."""
    wanted = _normalised(unit_tax_code)
    if info.tax_codes != (wanted,):
        found = ", ".join(info.tax_codes) or "không có"
        raise RegistrationRefused(
            "IDN001",
            f"Chứng thư số ghi MST {found}; đơn vị có MST {wanted} trong dữ liệu BHXH.",
            xpath=xpath,
        )
