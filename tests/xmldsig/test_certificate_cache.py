"""KeyInfo certificates: size-capped before decoding, cached by the SHA-256 of their DER.

The X509Certificate text is the sender's and KeyInfo is not covered by the signature, so
anything can be put there before any cryptography runs: the caches must not grow with it.
"""

from __future__ import annotations

import hashlib
import re
from base64 import b64encode
from collections import OrderedDict
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from ebhxh.pki.errors import XmlSignatureError
from ebhxh.xmldsig import ENVELOPE, sign_xml, structure, verify_xml
from tests.xmldsig.support import KeySigner, PinnedCertificateChecker, TinyPki, envelope

SIGNATURE = "/Hoso/CKy_Dvi/ds:Signature"
CERTIFICATE = re.compile(rb"<X509Certificate>(.*?)</X509Certificate>")


@pytest.fixture
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> OrderedDict[bytes, object]:
    cache: OrderedDict[bytes, object] = OrderedDict()
    monkeypatch.setattr(structure, "_certificate_cache", cache)
    return cache


@pytest.fixture
def signed(signer: KeySigner) -> bytes:
    return sign_xml(envelope(), signer, location=ENVELOPE)


def padded_certificate(pki: TinyPki, padding: int) -> x509.Certificate:
    """A genuine CA-signed certificate made large by a non-critical private extension."""
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(pki.ca.subject)
        .issuer_name(pki.ca.subject)
        .public_key(pki.other_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.UnrecognizedExtension(
                x509.ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"x" * padding
            ),
            critical=False,
        )
        .sign(pki.ca_key, hashes.SHA256())
    )


def with_extra_certificate(signed: bytes, text: str) -> bytes:
    """`text` as a second X509Certificate (KeyInfo is outside what the signature covers)."""
    first = CERTIFICATE.search(signed)
    assert first is not None
    extra = b"<X509Certificate>" + text.encode() + b"</X509Certificate>"
    return signed.replace(first.group(0), first.group(0) + extra)


def wrapped(text: str, width: int = 64, indent: str = "\n        ") -> str:
    return indent + indent.join(text[i : i + width] for i in range(0, len(text), width)) + indent


def test_certificate_over_16_kib_of_base64_is_refused_before_decoding(
    signed: bytes,
    pki: TinyPki,
    checker: PinnedCertificateChecker,
    fresh_cache: OrderedDict[bytes, object],
) -> None:
    big = b64encode(padded_certificate(pki, 13_000).public_bytes(Encoding.DER)).decode()
    assert len(big) > structure.MAX_CERTIFICATE_BASE64
    with pytest.raises(XmlSignatureError) as caught:
        verify_xml(with_extra_certificate(signed, big), checker=checker, location=ENVELOPE)
    xpath = f"{SIGNATURE}/ds:KeyInfo/ds:X509Data/ds:X509Certificate[2]"
    assert (caught.value.code, caught.value.xpath) == ("SCH007", xpath)
    assert not checker.calls
    assert len(fresh_cache) == 1  # the signer's certificate only; the big one never got in


def test_the_cap_counts_base64_characters_not_whitespace(
    signed: bytes, pki: TinyPki, checker: PinnedCertificateChecker
) -> None:
    near = b64encode(padded_certificate(pki, 11_000).public_bytes(Encoding.DER)).decode()
    assert len(near) <= structure.MAX_CERTIFICATE_BASE64 < len(wrapped(near))
    verify_xml(with_extra_certificate(signed, wrapped(near)), checker=checker, location=ENVELOPE)


def test_whitespace_variants_of_a_certificate_share_one_cache_entry(
    signed: bytes,
    pki: TinyPki,
    checker: PinnedCertificateChecker,
    fresh_cache: OrderedDict[bytes, object],
) -> None:
    verify_xml(signed, checker=checker, location=ENVELOPE)
    text = CERTIFICATE.search(signed)
    assert text is not None
    for indent in ("\n", "\r\n  ", "\t "):
        variant = signed.replace(
            text.group(1), wrapped(text.group(1).decode(), 76, indent).encode()
        )
        assert variant != signed
        verify_xml(variant, checker=checker, location=ENVELOPE)
    leaf_der = pki.leaf.public_bytes(Encoding.DER)
    assert list(fresh_cache) == [hashlib.sha256(leaf_der).digest()]


def test_certificate_cache_is_bounded_oldest_out_first(
    pki: TinyPki, monkeypatch: pytest.MonkeyPatch, fresh_cache: OrderedDict[bytes, object]
) -> None:
    monkeypatch.setattr(structure, "CERTIFICATE_CACHE_SIZE", 2)
    leaf, other, intermediate = (
        certificate.public_bytes(Encoding.DER)
        for certificate in (pki.leaf, pki.other, pki.intermediate)
    )
    first = structure.load_certificate(leaf)
    assert structure.load_certificate(bytes(leaf)) is first
    structure.load_certificate(other)
    structure.load_certificate(intermediate)
    assert list(fresh_cache) == [
        hashlib.sha256(other).digest(),
        hashlib.sha256(intermediate).digest(),
    ]
    assert structure.load_certificate(leaf) == pki.leaf
