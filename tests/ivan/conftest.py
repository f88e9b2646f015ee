"""Factories and named fixtures for the I-VAN app: a company with one member per role,
units, and signing material from the session's demo PKI."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from cryptography.hazmat.primitives.serialization import Encoding
from django.contrib.auth.models import User

from ebhxh.ivan import services
from ebhxh.ivan.models import Company, Membership, Role, ServiceState, Unit
from ebhxh.pki.demo import DemoPki
from tests.pki.support import demo_pki  # noqa: F401 - the session's demo PKI

SAO_MAI = "0109234567"
SAO_MAI_HCM = "0109234567-001"
HOA_BINH = "0109123458"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Test passwords need no protection; PBKDF2 would dominate these tests' time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username: str, *, email: str | None = None) -> User:
    return User.objects.create_user(
        username=username, password="mat-khau-thu-nghiem", email=email or f"{username}@example.vn"
    )


@pytest.fixture
def company(db) -> Company:
    return Company.objects.create(name="Công ty Cổ phần Sao Mai", tax_code=SAO_MAI)


@pytest.fixture
def member(company: Company) -> Callable[..., Membership]:
    """member(role, username=None, company=None): a user with that role in the company."""

    def make(
        role: str, username: str | None = None, in_company: Company | None = None
    ) -> Membership:
        target = in_company or company
        user = make_user(username or f"{role}-{target.tax_code}")
        return Membership.objects.create(company=target, user=user, role=role)

    return make


@pytest.fixture
def admin(member) -> Membership:
    return member(Role.ADMIN)


@pytest.fixture
def preparer(member) -> Membership:
    return member(Role.PREPARER)


@pytest.fixture
def signer(member) -> Membership:
    return member(Role.SIGNER)


def unit_input(**overrides: object) -> services.UnitInput:
    values: dict[str, object] = {
        "name": "Công ty Cổ phần Sao Mai",
        "province_code": "01",
        "tax_code": SAO_MAI,
        "first_time": False,
        "unit_code": "TA0123K",
        "contact_email": "ketoan@saomai.example.vn",
    }
    values.update(overrides)
    return services.UnitInput(**values)  # type: ignore[arg-type]


@pytest.fixture
def unit(admin: Membership) -> Unit:
    return services.unit_create(by=admin, data=unit_input())


def make_active(unit: Unit, fingerprint: str) -> Unit:
    """The unit as the gateway's answers would leave it: registered with `fingerprint`."""
    unit = services.unit_service_state_change(
        actor="system", unit=unit, to=ServiceState.PENDING_ACTIVATION
    )
    return services.unit_service_state_change(
        actor="system", unit=unit, to=ServiceState.ACTIVE, registered_fingerprint=fingerprint
    )


@dataclass(frozen=True)
class Holder:
    """A certificate with its key, as a token or remote provider holds it."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    chain: tuple[x509.Certificate, ...]

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(Encoding.DER)

    @property
    def chain_der(self) -> list[bytes]:
        return [c.public_bytes(Encoding.DER) for c in self.chain]

    def sign(self, digest: bytes) -> bytes:
        """What the token does with a digest and the PIN: PKCS#1 v1.5 over SHA-256."""
        return self.key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))

    def b64(self) -> str:
        return base64.b64encode(self.der).decode()


@pytest.fixture
def holder(demo_pki: DemoPki) -> Callable[[str], Holder]:  # noqa: F811
    def make(slug: str) -> Holder:
        return Holder(demo_pki.certificate(slug), demo_pki.private_key(slug), demo_pki.chain(slug))

    return make
