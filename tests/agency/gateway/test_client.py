"""`GatewayClient` (what an I-VAN runs) against the gateway served over real HTTP."""

from __future__ import annotations

import pytest

from ebhxh.dossiers.receipt import RECEIPT, read_receipt
from ebhxh.dossiers.transport import GatewayClient, GatewayRejection
from ebhxh.xmldsig import verify_xml
from tests.agency.gateway.factories import connect_ivan, register_unit
from tests.dossiers.support import business_envelope, signer

pytestmark = pytest.mark.django_db(transaction=True)


def test_submit_poll_and_fetch_the_receipt(live_server, reference_data, demo_pki, eligible) -> None:
    connect_ivan(demo_pki, "00110")
    register_unit("sao-mai-vnpt")
    envelope = business_envelope(demo_pki, "sao-mai-vnpt")
    base = f"{live_server.url}/gateway/v1"
    with GatewayClient(base, "00110", signer(demo_pki, "ivan-misa")) as client:
        result = client.submit(envelope, message_id="E2E:1")
        assert result.created
        assert result.number.startswith("00001/")
        verified = verify_xml(result.receipt, checker=demo_pki.validator(), location=RECEIPT)
        assert read_receipt(verified.root).message_id == "E2E:1"

        again = client.submit(envelope, message_id="E2E:1")
        assert (again.created, again.number, again.receipt) == (
            False,
            result.number,
            result.receipt,
        )

        status = client.status(result.number)
        assert status["status"] == "accepted"  # processed inline after commit in tests
        assert client.status_by_message("E2E:1") == status
        assert client.receipt(result.number) == result.receipt

        with pytest.raises(GatewayRejection) as caught:
            client.submit(business_envelope(demo_pki, "sao-mai-vnpt", rows=2), message_id="E2E:1")
        assert (caught.value.status, caught.value.code) == (409, "SYS002")
        assert caught.value.message.startswith("Mã giao dịch này đã được dùng")

        missing = client.get("messages/none", params={"x": "1"})  # a signed query string
        assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")


def test_wrong_key_is_refused_over_http(live_server, reference_data, demo_pki) -> None:
    connect_ivan(demo_pki, "00110")
    base = f"{live_server.url}/gateway/v1"
    with (
        GatewayClient(base, "00110", signer(demo_pki, "ivan-vnpt")) as client,
        pytest.raises(GatewayRejection) as caught,
    ):
        client.status("00001/2026/01001")
    assert (caught.value.status, caught.value.code) == (401, "AUT003")
