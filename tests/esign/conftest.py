"""Fixtures: the session's demo PKI, fast password hashing, and Sao Mai's account."""

from __future__ import annotations

import pytest

from ebhxh.esign.models import HolderAccount
from ebhxh.pki.demo import DemoPki
from tests.esign.support import SAO_MAI, make_holder
from tests.pki.support import demo_pki  # noqa: F401 - the session's demo PKI


@pytest.fixture(autouse=True)
def _fast_hashers(settings) -> None:
    """PBKDF2 at full strength costs a second per PIN; the rules tested do not depend on it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def saomai(demo_pki: DemoPki) -> HolderAccount:  # noqa: F811 - the fixture imported above
    """Sao Mai's account with two certificates: VNPT-CA first, Viettel-CA second."""
    return make_holder(demo_pki, "saomai", SAO_MAI, full_name="Sao Mai")
