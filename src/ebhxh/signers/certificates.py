"""Certificate helpers shared by the signers: summaries, fingerprints, chains, DigestInfo.

These are deliberately small: path validation and revocation belong to `ebhxh.pki`; the
signers only need to pick the right certificate and send its intermediates along.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from ebhxh.pki.loading import fingerprint_sha256
from ebhxh.signers.errors import SignerError, SignerErrorCode

__all__ = [
    "SHA256_DIGEST_INFO_PREFIX",
    "check_digest",
    "fingerprint_sha1",
    "fingerprint_sha256",
    "intermediates_for",
    "is_self_signed",
    "normalize_hex",
    "subject_summary",
]

# DER of DigestInfo{ AlgorithmIdentifier{ id-sha256, NULL }, OCTET STRING (32 bytes) } up to
# the digest itself (RFC 8017 §9.2, note 1). CKM_RSA_PKCS signs exactly these bytes + digest.
SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
SHA256_DIGEST_SIZE = 32

_SUMMARY_ATTRIBUTES = (
    (NameOID.COMMON_NAME, "CN"),
    (NameOID.ORGANIZATION_NAME, "O"),
    (NameOID.USER_ID, "UID"),
)
_HEX_SEPARATORS = re.compile(r"[\s:\-]")


def check_digest(digest: bytes) -> None:
    """Refuse anything but a 32-byte SHA-256 digest: a wrong length means a caller bug."""
    if not isinstance(digest, bytes | bytearray) or len(digest) != SHA256_DIGEST_SIZE:
        length = len(digest) if isinstance(digest, bytes | bytearray) else "?"
        raise SignerError(
            SignerErrorCode.DIGEST_LENGTH, detail=f"(nhận {length} byte, cần 32 byte)"
        )


def subject_summary(name: x509.Name) -> str:
    """CN, O and UID (where Vietnamese CAs put `MST:` or `CCCD:`), in that order."""
    parts: list[str] = []
    for oid, short in _SUMMARY_ATTRIBUTES:
        for attribute in name.get_attributes_for_oid(oid):
            value = attribute.value
            text = value if isinstance(value, str) else value.decode("utf-8", "replace")
            parts.append(f"{short}={text}")
    return ", ".join(parts) if parts else name.rfc4514_string()


def fingerprint_sha1(certificate: x509.Certificate) -> str:
    """Lowercase hex SHA-1, the "thumbprint" Windows shows users in its certificate dialogs."""
    return certificate.fingerprint(hashes.SHA1()).hex()  # noqa: S303 - an identifier, not security


def normalize_hex(text: str) -> str:
    """Accept hex as people copy it (`AB:CD`, spaces, upper case) and return plain lowercase."""
    return _HEX_SEPARATORS.sub("", text).lower()


def is_self_signed(certificate: x509.Certificate) -> bool:
    """A trust anchor: subject equals issuer and its own key verifies its signature."""
    if certificate.subject != certificate.issuer:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def intermediates_for(
    leaf: x509.Certificate, pool: Iterable[x509.Certificate]
) -> tuple[x509.Certificate, ...]:
    """The issuers of `leaf` found in `pool`, nearest first, stopping before a root.

    Only certificates that really issued the previous one are taken, so unrelated
    certificates sharing a token or a PKCS#12 file never end up in KeyInfo.
    """
    candidates = [cert for cert in pool if cert != leaf]
    chain: list[x509.Certificate] = []
    current = leaf
    while not is_self_signed(current):
        issuer = _issuer_in(current, candidates)
        if issuer is None or is_self_signed(issuer):
            break
        chain.append(issuer)
        candidates.remove(issuer)
        current = issuer
    return tuple(chain)


def _issuer_in(
    certificate: x509.Certificate, candidates: list[x509.Certificate]
) -> x509.Certificate | None:
    for candidate in candidates:
        if candidate.subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(candidate)
        except (InvalidSignature, ValueError, TypeError):
            continue
        return candidate
    return None
