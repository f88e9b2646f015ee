"""Where the holders' private keys live and how they sign.

Two ways, chosen per credential (`Credential.key_storage`):
- ENCRYPTED: the PKCS#8 DER key sealed with AES-256-GCM under the key-encryption key (KEK)
  from `ESIGN_KEY_ENCRYPTION_KEY`, the credential's id as associated data so a sealed key
  cannot be moved to another credential row. Decrypted only for the moment of signing.
- PKCS11: the key stays on a PKCS#11 token (an HSM; SoftHSM2 in tests) and signs there
  through `ebhxh.signers.Pkcs11Signer`; only the token's user PIN is sealed here.

Without `ESIGN_KEY_ENCRYPTION_KEY` the KEK is derived from SECRET_KEY with HKDF-SHA256: good
enough for the demo and tests, wrong for production (docs/esign.md).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import threading
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ebhxh.esign.errors import KeyUnavailable
from ebhxh.esign.models import Credential, KeyStorage
from ebhxh.signers.errors import SignerError
from ebhxh.signers.pkcs11 import Pkcs11Signer
from ebhxh.signers.software import Pkcs12Signer

NONCE_BYTES = 12
KEK_BYTES = 32
_HKDF_INFO = b"ebhxh esign key-encryption-key v1"
# One signing at a time per token: PKCS#11 logins are per process (TOKEN_IN_USE otherwise).
_TOKEN_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_TOKEN_LOCKS_GUARD = threading.Lock()


def key_encryption_key() -> bytes:
    """The configured 32-byte KEK, or one derived from SECRET_KEY when none is set."""
    configured = settings.ESIGN_KEY_ENCRYPTION_KEY
    if configured:
        try:
            key = base64.b64decode(configured, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured("ESIGN_KEY_ENCRYPTION_KEY phải là base64.") from exc
        if len(key) != KEK_BYTES:
            raise ImproperlyConfigured("ESIGN_KEY_ENCRYPTION_KEY phải là 32 byte (base64).")
        return key
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEK_BYTES, salt=None, info=_HKDF_INFO)
    return hkdf.derive(settings.SECRET_KEY.encode("utf-8"))


def key_encryption_key_id(kek: bytes | None = None) -> str:
    """A short public name of the KEK, kept with each sealed value to explain a mismatch."""
    return hashlib.sha256(kek if kek is not None else key_encryption_key()).hexdigest()[:16]


def _aad(purpose: str, credential_id: str) -> bytes:
    return f"ebhxh-esign:{purpose}:{credential_id}".encode()


def seal(plaintext: bytes, *, purpose: str, credential_id: str) -> bytes:
    """nonce || AES-GCM ciphertext+tag, bound to `purpose` and the credential id."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key_encryption_key()).encrypt(nonce, plaintext, _aad(purpose, credential_id))
    return nonce + sealed


def unseal(blob: bytes | memoryview, *, purpose: str, credential_id: str) -> bytes:
    """The plaintext; KeyUnavailable when the KEK differs or the value was tampered with."""
    data = bytes(blob)
    try:
        return AESGCM(key_encryption_key()).decrypt(
            data[:NONCE_BYTES], data[NONCE_BYTES:], _aad(purpose, credential_id)
        )
    except (InvalidTag, ValueError) as exc:
        raise KeyUnavailable() from exc


def seal_private_key(key: rsa.RSAPrivateKey, *, credential_id: str) -> bytes:
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return seal(der, purpose="key", credential_id=credential_id)


def certificate_of(credential: Credential) -> x509.Certificate:
    return x509.load_pem_x509_certificate(credential.certificate_pem.encode("ascii"))


def chain_of(credential: Credential) -> tuple[x509.Certificate, ...]:
    if not credential.chain_pem.strip():
        return ()
    return tuple(x509.load_pem_x509_certificates(credential.chain_pem.encode("ascii")))


def sign_digests(credential: Credential, digests: Sequence[bytes]) -> list[bytes]:
    """RSA PKCS#1 v1.5 signatures over SHA-256 digests, in order, with the credential's key."""
    try:
        if credential.key_storage == KeyStorage.ENCRYPTED:
            return _sign_encrypted(credential, digests)
        return _sign_pkcs11(credential, digests)
    except SignerError as exc:
        raise KeyUnavailable(f"{KeyUnavailable.default_message} ({exc.code})") from exc


def _sign_encrypted(credential: Credential, digests: Sequence[bytes]) -> list[bytes]:
    if credential.encrypted_key is None:
        raise KeyUnavailable()
    der = unseal(credential.encrypted_key, purpose="key", credential_id=credential.credential_id)
    key = serialization.load_der_private_key(der, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyUnavailable()
    signer = Pkcs12Signer(key, certificate_of(credential), chain_of(credential))
    return [signer.sign_digest(digest) for digest in digests]


def _token_lock(module: str, label: str) -> threading.Lock:
    with _TOKEN_LOCKS_GUARD:
        return _TOKEN_LOCKS.setdefault((module, label), threading.Lock())


def _sign_pkcs11(credential: Credential, digests: Sequence[bytes]) -> list[bytes]:
    if credential.encrypted_pkcs11_pin is None:
        raise KeyUnavailable()
    pin = unseal(
        credential.encrypted_pkcs11_pin,
        purpose="pkcs11-pin",
        credential_id=credential.credential_id,
    ).decode("utf-8")
    module = credential.pkcs11_module or None
    with (
        _token_lock(credential.pkcs11_module, credential.pkcs11_token_label),
        Pkcs11Signer.open(
            module,
            token_label=credential.pkcs11_token_label,
            pin=pin,
            certificate_id=credential.pkcs11_key_id,
        ) as signer,
    ):
        return [signer.sign_digest(digest) for digest in digests]
