"""A software key: a PKCS#12 (.p12/.pfx) file with its password.

Used by the demo, tests and servers that hold their key in a file (the gateway's own
signature, a CA's test units). `read_pkcs12` is shared with `load_into_token`, so a file
that signs here loads onto a token with the same checks and the same error codes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from ebhxh.signers.certificates import check_digest, intermediates_for
from ebhxh.signers.errors import SignerError, SignerErrorCode

if TYPE_CHECKING:
    from ebhxh.signers.ports import DigestSigner

__all__ = ["Pkcs12Contents", "Pkcs12Signer", "read_pkcs12"]

PFX_VERSION = 3  # RFC 7292: PFX ::= SEQUENCE { version INTEGER {v3(3)}, ... }


@dataclass(frozen=True)
class Pkcs12Contents:
    """The RSA key of a PKCS#12 file, the certificate that matches it, and the rest."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    additional_certificates: tuple[x509.Certificate, ...]

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """The certificate's issuers among the additional certificates, roots left out."""
        return intermediates_for(self.certificate, self.additional_certificates)


def read_pkcs12(data: bytes, password: bytes | str | None) -> Pkcs12Contents:
    """Open a PKCS#12 file and insist on an RSA key with its certificate.

    Raises SignerError: P12_INVALID, P12_PASSWORD_INCORRECT, P12_NO_KEY, KEY_NOT_RSA,
    P12_NO_CERTIFICATE.
    """
    key, certificate, additional = _load(data, password)
    if key is None:
        raise SignerError(SignerErrorCode.P12_NO_KEY)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignerError(
            SignerErrorCode.KEY_NOT_RSA, detail=f"(khoá trong tệp là {type(key).__name__})"
        )
    pool = ([certificate] if certificate is not None else []) + list(additional)
    matching = [cert for cert in pool if _same_public_key(cert, key)]
    if not matching:
        raise SignerError(SignerErrorCode.P12_NO_CERTIFICATE)
    chosen = matching[0]
    others = tuple(cert for cert in pool if cert != chosen)
    return Pkcs12Contents(private_key=key, certificate=chosen, additional_certificates=others)


def _load(
    data: bytes, password: bytes | str | None
) -> tuple[PrivateKeyTypes | None, x509.Certificate | None, list[x509.Certificate]]:
    """Decrypt with the password; "no password" tries both conventions (absent and empty)."""
    secret = password.encode("utf-8") if isinstance(password, str) else password
    attempts = [secret] if secret else [None, b""]
    for attempt in attempts:
        try:
            return pkcs12.load_key_and_certificates(data, attempt)
        except ValueError:
            continue
    # cryptography gives one error for "wrong password" and "corrupt MAC"; a file that is
    # not even a PFX structure is told apart so the user is not sent after a password.
    if not _looks_like_pfx(data):
        raise SignerError(SignerErrorCode.P12_INVALID)
    raise SignerError(SignerErrorCode.P12_PASSWORD_INCORRECT)


class Pkcs12Signer:
    """A DigestSigner over an RSA key held in memory, loaded from a PKCS#12 file."""

    def __init__(
        self,
        private_key: rsa.RSAPrivateKey,
        certificate: x509.Certificate,
        chain: tuple[x509.Certificate, ...] = (),
    ) -> None:
        if not _same_public_key(certificate, private_key):
            raise SignerError(SignerErrorCode.KEY_CERTIFICATE_MISMATCH)
        self._private_key = private_key
        self._certificate = certificate
        self._chain = chain

    @classmethod
    def from_bytes(cls, data: bytes, password: bytes | str | None) -> Pkcs12Signer:
        """Build from the bytes of a .p12/.pfx (an upload, a secret store)."""
        contents = read_pkcs12(data, password)
        return cls(contents.private_key, contents.certificate, contents.chain)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], password: bytes | str | None) -> Pkcs12Signer:
        """Build from a .p12/.pfx file on disk."""
        return cls.from_bytes(Path(path).read_bytes(), password)

    @property
    def certificate(self) -> x509.Certificate:
        """The signer's certificate, the one whose public key matches the private key."""
        return self._certificate

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """Intermediates from the file, nearest first; self-signed roots are left out."""
        return self._chain

    def sign_digest(self, digest: bytes) -> bytes:
        """RSA PKCS#1 v1.5 over an already computed SHA-256 digest."""
        check_digest(digest)
        return self._private_key.sign(
            bytes(digest), padding.PKCS1v15(), utils.Prehashed(hashes.SHA256())
        )

    def __repr__(self) -> str:
        return f"<Pkcs12Signer {self._certificate.subject.rfc4514_string()}>"


def _same_public_key(certificate: x509.Certificate, key: rsa.RSAPrivateKey) -> bool:
    public = certificate.public_key()
    return (
        isinstance(public, rsa.RSAPublicKey)
        and public.public_numbers() == key.public_key().public_numbers()
    )


def _looks_like_pfx(data: bytes) -> bool:
    """DER SEQUENCE whose first element is INTEGER 3: the outer shape of every PFX."""
    if len(data) < 5 or data[0] != 0x30:
        return False
    length_octet = data[1]
    offset = 2
    if length_octet & 0x80:
        offset += length_octet & 0x7F
    return data[offset : offset + 3] == bytes((0x02, 0x01, PFX_VERSION))


if TYPE_CHECKING:

    def _fits_the_port(signer: Pkcs12Signer) -> DigestSigner:
        """Never called: makes `mypy src/` prove Pkcs12Signer satisfies DigestSigner."""
        return signer
