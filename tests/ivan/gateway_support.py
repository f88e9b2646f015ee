"""The I-VAN app wired to the real agency gateway.

`gateway_connected` connects the demo I-VAN 00110 at the agency (its certificate from the
session's demo PKI), trusts the demo PKI on the gateway side and points the I-VAN's gateway
port at a gateway URL; both fixtures use it.

`ivan_gateway` routes the port through `httpx.WSGITransport` over the project's WSGI app in
this thread and this test's transaction (`InProcessApp`, so it also works on PostgreSQL): every
call is a real signed HTTP request that the real gateway answers, without a socket.
`live_ivan_gateway` is the same over HTTP to the live server's gateway, for browser tests
(import `live_ivan_gateway_fixture`, so that a test taking `live_ivan_gateway` shadows nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from ebhxh.agency.gateway import signing, trust
from ebhxh.agency.registry.models import IvanConnection
from ebhxh.ivan import gateway
from ebhxh.pki.demo import DemoPki
from tests.agency.gateway.factories import connect_ivan
from tests.esign.support import InProcessApp

IVAN_CODE = "00110"


def _forget_keys() -> None:
    trust.reset()
    signing.reset()
    gateway.reset()


@contextmanager
def gateway_connected(settings, demo_pki: DemoPki, url: str) -> Iterator[IvanConnection]:
    """I-VAN 00110 connected at the agency and calling the gateway at `url` over the network
    (a fixture may route it elsewhere with `gateway.use_transport`). The opened keys are
    forgotten on the way in and out, so no other test signs with this one's settings."""
    settings.DEMO = True
    settings.DEMO_PKI_DIR = demo_pki.directory
    settings.GATEWAY_TRUST_ANCHORS = []
    settings.AGENCY_SIGNER_PKCS12 = ""
    settings.IVAN_GATEWAY_PKCS12 = ""
    settings.IVAN_CODE = IVAN_CODE
    settings.IVAN_GATEWAY_URL = url
    _forget_keys()
    gateway.use_transport(None)
    connection = IvanConnection.objects.filter(provider_id=IVAN_CODE).first()
    if connection is None:
        connection = connect_ivan(demo_pki, IVAN_CODE)
    try:
        yield connection
    finally:
        gateway.use_transport(None)
        _forget_keys()


@pytest.fixture
def ivan_gateway(db, settings, demo_pki: DemoPki) -> Iterator[IvanConnection]:
    with gateway_connected(settings, demo_pki, "http://testserver/gateway/v1/") as connection:
        gateway.use_transport(httpx.WSGITransport(app=InProcessApp()))
        yield connection


@pytest.fixture(name="live_ivan_gateway")
def live_ivan_gateway_fixture(
    live_server, settings, demo_pki: DemoPki, reference_data: None
) -> Iterator[IvanConnection]:
    """The live server's gateway over real HTTP; the I-VAN's links point at the live server.
    A live-server test starts from a flushed database, so the reference data (the I-VAN
    providers the connection points at) is loaded first."""
    settings.IVAN_BASE_URL = live_server.url
    with gateway_connected(settings, demo_pki, f"{live_server.url}/gateway/v1/") as connection:
        yield connection
