"""The I-VAN's port to the gateway signs as the configured I-VAN and reports failures in
words a user can act on."""

from __future__ import annotations

import httpx
import pytest

from ebhxh.ivan import gateway
from tests.ivan.gateway_support import ivan_gateway  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_gateway_knows_the_ivan_by_its_signed_requests(ivan_gateway) -> None:  # noqa: F811
    with gateway.gateway_client() as client:
        response = client.get("messages/khong-co-ma-nay")
    # Authenticated as 00110: the gateway looked the message up (not an auth failure).
    assert response.status_code == 404, response.text


def test_an_unknown_ivan_code_is_refused_by_the_gateway(ivan_gateway, settings) -> None:  # noqa: F811
    settings.IVAN_CODE = "00020"  # its demo key exists, but it is not connected here
    with gateway.gateway_client() as client:
        response = client.get("messages/abc")
    assert response.status_code in (401, 403)


def test_an_unreachable_gateway_is_a_clear_error(ivan_gateway, settings) -> None:  # noqa: F811
    gateway.use_transport(None)
    settings.IVAN_GATEWAY_URL = "http://127.0.0.1:9/gateway/v1/"
    with pytest.raises(gateway.GatewayUnavailable) as caught, gateway.gateway_client() as client:
        client.get("messages/abc")
    assert "Không kết nối được cổng giao dịch" in caught.value.message


def test_without_a_key_outside_the_demo_nothing_is_sent(ivan_gateway, settings) -> None:  # noqa: F811
    settings.DEMO = False
    gateway.reset()
    with pytest.raises(gateway.GatewayNotConfigured):
        gateway.gateway_client()


def test_envelopes_name_the_configured_ivan(ivan_gateway, settings) -> None:  # noqa: F811
    settings.IVAN_NAME = "I-VAN thử nghiệm"
    info = gateway.ivan_info()
    assert (info.code, info.name) == ("00110", "I-VAN thử nghiệm")


def test_transport_errors_other_than_connection_are_also_wrapped(ivan_gateway) -> None:  # noqa: F811
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timeout", request=request)

    gateway.use_transport(httpx.MockTransport(broken))
    with pytest.raises(gateway.GatewayUnavailable), gateway.gateway_client() as client:
        client.get("messages/abc")
