"""Fixtures: one tiny PKI per session (RSA key generation is the slow part), fresh doubles."""

from __future__ import annotations

import pytest

from tests.pki.support import (  # noqa: F401 - the session's demo PKI and its clock
    clock,
    demo_pki,
    pki_now,
)
from tests.xmldsig.support import KeySigner, PinnedCertificateChecker, TinyPki


@pytest.fixture(scope="session")
def pki() -> TinyPki:
    return TinyPki.create()


@pytest.fixture
def signer(pki: TinyPki) -> KeySigner:
    return KeySigner(pki.leaf_key, pki.leaf)


@pytest.fixture
def checker(pki: TinyPki) -> PinnedCertificateChecker:
    return PinnedCertificateChecker(pki.leaf)
