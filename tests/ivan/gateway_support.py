"""The I-VAN app wired to the real agency gateway in the same process.

`ivan_gateway` connects the demo I-VAN 00110 at the agency (its certificate from the session's
demo PKI), trusts the demo PKI on the gateway side, and routes the I-VAN's gateway port through
`httpx.WSGITransport` over the project's WSGI app in this thread and this test's transaction
(`InProcessApp`, so it also works on PostgreSQL): every call is a real signed HTTP request
that the real gateway answers, without a socket. Browser tests use a live server instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ebhxh.agency.gateway import signing, trust
from ebhxh.agency.registry.models import IvanConnection
from ebhxh.ivan import gateway
from ebhxh.pki.demo import DemoPki
from tests.agency.gateway.factories import connect_ivan
from tests.esign.support import InProcessApp

IVAN_CODE = "00110"


@pytest.fixture
def ivan_gateway(db, settings, demo_pki: DemoPki) -> Iterator[IvanConnection]:
    settings.DEMO = True
    settings.DEMO_PKI_DIR = demo_pki.directory
    settings.GATEWAY_TRUST_ANCHORS = []
    settings.AGENCY_SIGNER_PKCS12 = ""
    settings.IVAN_GATEWAY_PKCS12 = ""
    settings.IVAN_CODE = IVAN_CODE
    settings.IVAN_GATEWAY_URL = "http://testserver/gateway/v1/"
    trust.reset()
    signing.reset()
    gateway.reset()
    connection = IvanConnection.objects.filter(provider_id=IVAN_CODE).first()
    if connection is None:
        connection = connect_ivan(demo_pki, IVAN_CODE)
    gateway.use_transport(httpx.WSGITransport(app=InProcessApp()))
    yield connection
    gateway.use_transport(None)
    gateway.reset()
    trust.reset()
    signing.reset()
