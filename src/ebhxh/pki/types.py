"""What validation yields, and the interface the XML verifier relies on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cryptography import x509


@dataclass(frozen=True)
class CertIdentity:
    """Who a Vietnamese certificate names: `UID=MST:<tax code>` for an organisation,
    `UID=CCCD:<citizen id>` (or `CMND:`) for a person."""

    common_name: str
    organization: str | None
    tax_code: str | None
    citizen_id: str | None
    subject: str  # RFC 4514 string of the whole subject


@dataclass(frozen=True)
class ValidatedCertificate:
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # leaf first, trust anchor last
    identity: CertIdentity
    fingerprint_sha256: str  # lowercase hex
    validated_at: datetime  # the (signing) time validity was checked at, aware


class CertificateChecker(Protocol):
    """Validates a signer certificate at a moment; raises CertificateError with a CRT* code."""

    def validate(
        self,
        certificate: x509.Certificate,
        *,
        intermediates: Sequence[x509.Certificate] = (),
        at: datetime | None = None,
    ) -> ValidatedCertificate: ...
