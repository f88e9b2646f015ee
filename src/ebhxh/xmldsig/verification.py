"""Verifying a signed dossier or form, and handing back only what the signature covers.

Order (docs/xmldsig.md): hardened parse (SCH00x) → one ds:Signature at the profile's location
(SIG001/SIG005) → strict structure and coverage (SIG005) → algorithm allow-list (SIG004) →
signed Object and KeyInfo (SIG005/SIG004) → RSA key check (SIG004) → libxmlsec1 (SIG003 /
SIG002) → claimed SigningTime not after the trusted time (SCH007) → signed content re-derived
and re-checked against its digest (SIG003) → certificate validation by the injected checker at
the trusted time (CRT*).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from ebhxh.pki.errors import XmlSignatureError
from ebhxh.pki.types import CertificateChecker, ValidatedCertificate
from ebhxh.xmldsig.canonical import canonical_document, remove_keeping_tail
from ebhxh.xmldsig.crypto import verify_signature
from ebhxh.xmldsig.parser import (
    DEFAULT_LIMITS,
    ParseLimits,
    hardened_parser,
    parse_xml,
    xpath_of,
)
from ebhxh.xmldsig.profile import SignatureLocation
from ebhxh.xmldsig.structure import SignatureParts, find_signature, inspect_signature


@dataclass(frozen=True)
class VerifiedDocument:
    """Only what the signature covers. `content` is the canonical (C14N 1.0, comments removed)
    document without its ds:Signature - exactly the bytes whose SHA-256 was signed - and `root`
    is parsed afresh from it; the received tree is never handed out, so nothing unsigned
    (comments, a wrapped element, the signature itself) can reach the caller."""

    content: bytes
    validated: ValidatedCertificate
    # The signed SigningTime, when the signer included one. Informational only: the signer
    # chose it, so the certificate was validated at the caller's trusted `at`, never at this.
    signing_time: datetime | None
    received_sha256: str  # lowercase hex SHA-256 of the bytes as received (for the receipt)

    @cached_property
    def root(self) -> Any:
        """The lxml root element parsed from `content`, on first use (many callers only store
        the bytes, and a parse costs as much as a tenth of a verification)."""
        return etree.fromstring(self.content, hardened_parser())


MIN_RSA_BITS = 2048
# How far a claimed SigningTime may lie after the trusted time (the signer's clock may be ahead).
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)


def check_rsa_key(parts: SignatureParts) -> None:
    """SIG004 unless the KeyInfo certificate carries an RSA key of at least 2048 bits: the
    profile is RSA-SHA256, and shorter moduli are as weak as the algorithms it refuses."""
    key = parts.certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise XmlSignatureError(
            "SIG004",
            f"the certificate's key must be RSA of at least {MIN_RSA_BITS} bits",
            xpath=xpath_of(parts.certificate_element),
        )


def check_signing_time(parts: SignatureParts, at: datetime, clock_skew: timedelta) -> None:
    """SCH007 when the claimed SigningTime is later than the trusted time `at` plus the
    tolerated clock skew: a document cannot have been signed after it was received."""
    if parts.signing_time is not None and parts.signing_time > at + clock_skew:
        raise XmlSignatureError(
            "SCH007",
            f"SigningTime {parts.signing_time.isoformat()} is later than "
            f"{at.isoformat()} (+{clock_skew})",
            xpath=xpath_of(parts.signing_time_element),
        )


def signed_content(tree: Any, parts: SignatureParts) -> bytes:
    """Remove the signature (keeping surrounding text, as the enveloped transform does) and
    canonicalise; SIG003 if that is not what the signed digest covers. Mutates the tree."""
    remove_keeping_tail(parts.signature)
    content = canonical_document(tree)
    if hashlib.sha256(content).digest() != parts.document_reference.digest_value:
        raise XmlSignatureError(
            "SIG003",
            "the content does not match the signed digest",
            xpath=xpath_of(parts.document_reference.element),
        )
    return content


def verify_xml(
    xml: bytes,
    *,
    checker: CertificateChecker,
    location: SignatureLocation,
    at: datetime | None = None,
    limits: ParseLimits = DEFAULT_LIMITS,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> VerifiedDocument:
    """Verify a document signed with the profile and return what its signature covers.

    `at` is the trusted moment the caller vouches for (the agency's receipt time recorded at
    intake; default now): the certificate is validated at `at`, never at the SigningTime in
    the document, which the signer chose and could back-date past an expiry or a revocation.
    That claimed SigningTime is only returned (`VerifiedDocument.signing_time`), and refused
    with SCH007 when it is later than `at` + `clock_skew`. Raises XmlSignatureError
    (SIG*/SCH*) or the checker's CertificateError.
    """
    if at is not None and at.utcoffset() is None:
        raise ValueError("verify_xml: `at` must be an aware datetime")
    if clock_skew < timedelta(0):
        raise ValueError("verify_xml: `clock_skew` must not be negative")
    moment = at if at is not None else datetime.now(UTC)
    tree = parse_xml(xml, limits=limits)
    received_sha256 = hashlib.sha256(xml).hexdigest()
    signature = find_signature(tree, location)
    parts = inspect_signature(tree, signature)
    check_rsa_key(parts)
    verify_signature(tree, parts)
    check_signing_time(parts, moment, clock_skew)  # before the tree loses its signature
    content = signed_content(tree, parts)
    validated = checker.validate(parts.certificate, intermediates=parts.chain, at=moment)
    return VerifiedDocument(
        content=content,
        validated=validated,
        signing_time=parts.signing_time,
        received_sha256=received_sha256,
    )
