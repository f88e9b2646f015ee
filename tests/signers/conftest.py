"""Fixtures: a small test PKI made with cryptography, and a private SoftHSM2 per test.

Every test gets its own softhsm2.conf (tokens under its tmp_path) through SOFTHSM2_CONF, so
no test ever touches the system's token directory or sees another test's tokens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    KeySerializationEncryption,
    NoEncryption,
    pkcs12,
)
from cryptography.x509.oid import NameOID

from ebhxh.signers import pkcs11 as signer_pkcs11
from ebhxh.signers.pkcs11 import load_into_token
from ebhxh.signers.softhsm import init_softhsm_token
from ebhxh.signers.types import TokenCertificate

P12_PASSWORD = b"mat-khau-p12"
SO_PIN = "87654321"
PIN = "123456"
TOKEN_LABEL = "BHXH-TEST"
UNIT_TAX_CODE = "0100109106"
PERSON_CITIZEN_ID = "001085012345"

_NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Issued:
    """A key and its certificate."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate


@dataclass(frozen=True)
class SigningPki:
    """Root CA → issuing CA → two end-entity certificates (a unit and a person)."""

    root: Issued
    issuing: Issued
    unit: Issued  # UID=MST:0100109106
    person: Issued  # UID=CCCD:001085012345

    def p12(self, leaf: Issued, password: bytes | None = P12_PASSWORD) -> bytes:
        """The leaf with its key, the issuing CA and the root, as a CA would hand it out."""
        encryption: KeySerializationEncryption = (
            BestAvailableEncryption(password) if password else NoEncryption()
        )
        return pkcs12.serialize_key_and_certificates(
            b"signer",
            leaf.key,
            leaf.certificate,
            [self.issuing.certificate, self.root.certificate],
            encryption,
        )


def _name(common_name: str, *, uid: str | None = None, org: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "Hà Nội"),
    ]
    if org is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    if uid is not None:
        attributes.append(x509.NameAttribute(NameOID.USER_ID, uid))
    return x509.Name(attributes)


def _issue(
    subject: x509.Name,
    issuer: Issued | None,
    *,
    ca: bool,
    key: rsa.RSAPrivateKey | None = None,
) -> Issued:
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signing_key = issuer.key if issuer else key
    issuer_name = issuer.certificate.subject if issuer else subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_NOW - dt.timedelta(days=1))
        .not_valid_after(_NOW + dt.timedelta(days=365 * (10 if ca else 2)))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    return Issued(key=key, certificate=builder.sign(signing_key, hashes.SHA256()))


def make_test_pki() -> SigningPki:
    """Four RSA-2048 keys; made once per session because key generation is the slow part."""
    root = _issue(_name("eBHXH Test Root CA", org="eBHXH Test"), None, ca=True)
    issuing = _issue(_name("eBHXH Test Issuing CA", org="eBHXH Test"), root, ca=True)
    unit = _issue(
        _name(
            "CÔNG TY TNHH THỬ NGHIỆM BHXH",
            uid=f"MST:{UNIT_TAX_CODE}",
            org="CÔNG TY TNHH THỬ NGHIỆM BHXH",
        ),
        issuing,
        ca=False,
    )
    person = _issue(_name("NGUYỄN VĂN AN", uid=f"CCCD:{PERSON_CITIZEN_ID}"), issuing, ca=False)
    return SigningPki(root=root, issuing=issuing, unit=unit, person=person)


@pytest.fixture(scope="session")
def pki() -> SigningPki:
    return make_test_pki()


@pytest.fixture
def empty_token(softhsm_conf: Path) -> str:
    """An initialised token with a PIN and nothing on it; returns its label."""
    init_softhsm_token(token_label=TOKEN_LABEL, so_pin=SO_PIN, pin=PIN)
    return TOKEN_LABEL


@pytest.fixture
def unit_on_token(empty_token: str, module_path: Path, pki: SigningPki) -> TokenCertificate:
    """The unit's PKCS#12 (key, certificate, chain) loaded onto the test token."""
    return load_into_token(
        module_path,
        token_label=empty_token,
        pin=PIN,
        p12=pki.p12(pki.unit),
        p12_password=P12_PASSWORD,
        label="Chữ ký số đơn vị",
    )


@pytest.fixture(autouse=True)
def _no_signer_left_open() -> Iterator[None]:
    """A signer a test forgot to close would keep its slot logged in for later tests."""
    yield
    held = {key: dict(slots) for key, slots in signer_pkcs11._Modules.held.items() if slots}
    assert not held, f"PKCS#11 signers left open: {held}"
