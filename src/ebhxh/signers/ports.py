"""The signer port: everything that can produce an RSA PKCS#1 v1.5 signature over a digest.

XML signing computes the SHA-256 digest of the canonical SignedInfo itself and hands only
that digest to the signer, so a USB token, a remote-signing service (CSC signHash) and a
software key all fit behind the same method.
"""

from __future__ import annotations

from typing import Protocol

from cryptography import x509


class DigestSigner(Protocol):
    @property
    def certificate(self) -> x509.Certificate:
        """The signer's end-entity certificate (goes into KeyInfo)."""
        ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """Intermediate certificates to send along (may be empty); not the trust anchor."""
        ...

    def sign_digest(self, digest: bytes) -> bytes:
        """RSA PKCS#1 v1.5 signature over a SHA-256 digest (32 bytes), as raw bytes."""
        ...
