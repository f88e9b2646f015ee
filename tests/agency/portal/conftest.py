"""Fixtures for the portal tests: a fast password hasher, the demo PKI where the portal looks
for it, an officer at BHXH cơ sở Ba Đình and Nguyễn Thị Hương in the registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ebhxh.agency.portal import passwords
from ebhxh.agency.registry.models import InsuredPerson, Officer
from ebhxh.pki.demo import DemoPki
from tests.agency.portal import support
from tests.pki.support import demo_pki  # noqa: F401 - the session's demo PKI


@pytest.fixture(autouse=True)
def fast_hashing(settings) -> None:
    """PBKDF2 at full strength costs ~0.3 s a hash; the rules under test do not depend on it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_validators() -> Iterator[None]:
    passwords._validators.cache_clear()
    yield
    passwords._validators.cache_clear()


@pytest.fixture
def trusted_pki(demo_pki: DemoPki, settings) -> DemoPki:  # noqa: F811
    """The portal trusts the session's demo PKI, as the demo does."""
    settings.DEMO = True
    settings.DEMO_PKI_DIR = demo_pki.directory
    settings.PORTAL_TRUST_ANCHORS = []
    return demo_pki


@pytest.fixture
def huong(db) -> InsuredPerson:
    return support.insured()


@pytest.fixture
def officer(db) -> Officer:
    return support.officer()
