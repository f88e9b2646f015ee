"""Pkcs12Signer: signatures that verify, and each way a PKCS#12 file can be unusable."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

from ebhxh.signers.errors import SignerError, SignerErrorCode
from ebhxh.signers.ports import DigestSigner
from ebhxh.signers.software import Pkcs12Signer, read_pkcs12
from tests.signers.conftest import P12_PASSWORD, SigningPki

DIGEST = hashlib.sha256(b"<SignedInfo>to-khai-bhxh</SignedInfo>").digest()


def verify(signature: bytes, public_key: object, digest: bytes = DIGEST) -> None:
    """What a verifier does with a SignedInfo digest: PKCS#1 v1.5 over SHA-256."""
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))


def test_signature_verifies_with_the_certificates_public_key(pki: SigningPki) -> None:
    signer: DigestSigner = Pkcs12Signer.from_bytes(pki.p12(pki.unit), P12_PASSWORD)
    signature = signer.sign_digest(DIGEST)
    assert len(signature) == 256
    verify(signature, signer.certificate.public_key())
    with pytest.raises(InvalidSignature):
        verify(signature, signer.certificate.public_key(), hashlib.sha256(b"other").digest())


def test_certificate_is_the_leaf_and_chain_leaves_out_the_root(pki: SigningPki) -> None:
    signer = Pkcs12Signer.from_bytes(pki.p12(pki.unit), P12_PASSWORD.decode())
    assert signer.certificate == pki.unit.certificate
    assert signer.chain == (pki.issuing.certificate,)


def test_chain_ignores_certificates_that_did_not_issue_the_leaf(pki: SigningPki) -> None:
    data = pkcs12.serialize_key_and_certificates(
        b"signer",
        pki.unit.key,
        pki.unit.certificate,
        [pki.person.certificate, pki.root.certificate, pki.issuing.certificate],
        BestAvailableEncryption(P12_PASSWORD),
    )
    assert read_pkcs12(data, P12_PASSWORD).chain == (pki.issuing.certificate,)


def test_from_file(pki: SigningPki, tmp_path: Path) -> None:
    path = tmp_path / "don-vi.pfx"
    path.write_bytes(pki.p12(pki.person))
    signer = Pkcs12Signer.from_file(path, P12_PASSWORD)
    verify(signer.sign_digest(DIGEST), pki.person.certificate.public_key())


def test_file_without_a_password_opens_with_none_or_empty(pki: SigningPki) -> None:
    data = pki.p12(pki.unit, password=None)
    for password in (None, b"", ""):
        assert Pkcs12Signer.from_bytes(data, password).certificate == pki.unit.certificate


def test_wrong_password(pki: SigningPki) -> None:
    with pytest.raises(SignerError) as caught:
        Pkcs12Signer.from_bytes(pki.p12(pki.unit), b"sai-mat-khau")
    assert caught.value.code is SignerErrorCode.P12_PASSWORD_INCORRECT
    assert "Mật khẩu" in caught.value.message_vi


def test_not_a_pkcs12_file() -> None:
    with pytest.raises(SignerError) as caught:
        read_pkcs12(b"-----BEGIN CERTIFICATE-----\n", P12_PASSWORD)
    assert caught.value.code is SignerErrorCode.P12_INVALID


def test_file_without_a_key(pki: SigningPki) -> None:
    data = pkcs12.serialize_key_and_certificates(
        None, None, None, [pki.unit.certificate], BestAvailableEncryption(P12_PASSWORD)
    )
    with pytest.raises(SignerError) as caught:
        read_pkcs12(data, P12_PASSWORD)
    assert caught.value.code is SignerErrorCode.P12_NO_KEY


def test_file_whose_certificates_do_not_match_the_key(pki: SigningPki) -> None:
    data = pkcs12.serialize_key_and_certificates(
        b"signer", pki.unit.key, None, [pki.person.certificate], BestAvailableEncryption(b"pw")
    )
    with pytest.raises(SignerError) as caught:
        read_pkcs12(data, b"pw")
    assert caught.value.code is SignerErrorCode.P12_NO_CERTIFICATE


def test_key_found_among_additional_certificates(pki: SigningPki) -> None:
    """Some exporters drop the key–certificate link; the public key still pairs them."""
    data = pkcs12.serialize_key_and_certificates(
        b"signer",
        pki.unit.key,
        None,
        [pki.root.certificate, pki.unit.certificate, pki.issuing.certificate],
        BestAvailableEncryption(b"pw"),
    )
    contents = read_pkcs12(data, b"pw")
    assert contents.certificate == pki.unit.certificate
    assert contents.chain == (pki.issuing.certificate,)


def test_non_rsa_key(pki: SigningPki) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    data = pkcs12.serialize_key_and_certificates(
        b"ec", key, None, None, BestAvailableEncryption(b"pw")
    )
    with pytest.raises(SignerError) as caught:
        read_pkcs12(data, b"pw")
    assert caught.value.code is SignerErrorCode.KEY_NOT_RSA


def test_key_and_certificate_that_do_not_match(pki: SigningPki) -> None:
    with pytest.raises(SignerError) as caught:
        Pkcs12Signer(pki.unit.key, pki.person.certificate)
    assert caught.value.code is SignerErrorCode.KEY_CERTIFICATE_MISMATCH


@pytest.mark.parametrize("digest", [b"", DIGEST[:20], DIGEST + b"\x00", DIGEST * 2])
def test_digest_must_be_32_bytes(pki: SigningPki, digest: bytes) -> None:
    signer = Pkcs12Signer(pki.unit.key, pki.unit.certificate)
    with pytest.raises(SignerError) as caught:
        signer.sign_digest(digest)
    assert caught.value.code is SignerErrorCode.DIGEST_LENGTH
    assert f"nhận {len(digest)} byte" in caught.value.detail
