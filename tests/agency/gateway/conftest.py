"""Gateway fixtures: the session's demo PKI as the trust store and the agency's key, a
connected I-VAN, registered units, and a client that signs requests like an I-VAN."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ebhxh.agency.gateway import eligibility, signing, trust
from tests.agency.gateway.factories import IvanClient, allow_all, connect_ivan, register_unit
from tests.pki.support import demo_pki  # noqa: F401 - the session's demo PKI


@pytest.fixture(autouse=True)
def gateway_trust(settings, demo_pki) -> Iterator[None]:  # noqa: F811
    """Trust anchors, CRLs and the agency's `bhxh-vn` key come from the demo PKI."""
    settings.DEMO = True
    settings.DEMO_PKI_DIR = demo_pki.directory
    settings.GATEWAY_TRUST_ANCHORS = []
    settings.AGENCY_SIGNER_PKCS12 = ""
    trust.reset()
    signing.reset()
    yield
    trust.reset()
    signing.reset()


@pytest.fixture(autouse=True)
def no_eligibility_checks(monkeypatch) -> None:
    """Tests decide what the eligibility port answers: the registrations app's own check
    (registered at start-up) is set aside, so with nothing registered the port fails closed."""
    monkeypatch.setattr(eligibility, "_CHECKS", [])


@pytest.fixture
def eligible() -> Iterator[None]:
    """Stands in for the registrations app's check: every unit may submit business dossiers."""
    eligibility.register_eligibility_check(allow_all)
    yield
    eligibility.unregister_eligibility_check(allow_all)


@pytest.fixture
def misa(db, demo_pki):  # noqa: F811
    return connect_ivan(demo_pki, "00110")


@pytest.fixture
def sao_mai(db):
    return register_unit("sao-mai-vnpt", agency="01001")


@pytest.fixture
def ivan_client(client, demo_pki, misa) -> IvanClient:  # noqa: F811
    return IvanClient(client, demo_pki, "00110")
