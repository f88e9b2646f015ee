"""Signed-request authentication of I-VANs (`authenticate_ivan`, `ivan_api`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from ebhxh.agency.gateway import services
from ebhxh.agency.gateway.auth import authenticate_ivan
from ebhxh.agency.gateway.errors import GatewayError
from ebhxh.agency.gateway.models import RequestNonce
from ebhxh.agency.registry.models import IvanConnection
from ebhxh.dossiers.transport import sign_request
from tests.agency.gateway.factories import IvanClient, connect_ivan
from tests.dossiers.support import signer

pytestmark = pytest.mark.django_db
PATH = "/gateway/v1/messages/M-404"


def get(client, headers: dict[str, str], path: str = PATH):
    return client.get(path, headers=headers)


def assert_refused(response, code: str, status: int, detail: str = "") -> None:
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    assert body["message"]
    assert detail in body["detail"]


def test_good_signature_reaches_the_view(ivan_client) -> None:
    response = ivan_client.get(PATH)
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"  # authenticated, nothing of its own there


def test_query_string_is_signed(ivan_client, client) -> None:
    path = f"{PATH}?lang=vi"
    assert ivan_client.get(path).status_code == 404
    headers = ivan_client.headers("GET", PATH)  # signed without the query
    assert_refused(get(client, headers, path), "AUT003", 401, "chữ ký không khớp")


def test_bad_signature_is_aut003(ivan_client, client) -> None:
    headers = ivan_client.headers("GET", "/gateway/v1/messages/OTHER")
    assert_refused(get(client, headers), "AUT003", 401, "chữ ký không khớp")


def test_key_other_than_the_registered_certificate_is_aut003(misa, client, demo_pki) -> None:
    headers = sign_request("GET", PATH, b"", signer(demo_pki, "ivan-vnpt"), code="00110")
    assert_refused(get(client, headers), "AUT003", 401)


def test_stale_or_future_timestamp_is_aut003(ivan_client, client) -> None:
    for skew in (timedelta(seconds=-301), timedelta(seconds=301)):
        headers = sign_request(
            "GET", PATH, b"", ivan_client.signer, code="00110", now=timezone.now() + skew
        )
        assert_refused(get(client, headers), "AUT003", 401, "lệch quá 300 giây")


def test_replayed_nonce_is_aut003(ivan_client, client) -> None:
    headers = ivan_client.headers("GET", PATH)
    assert get(client, headers).status_code == 404
    assert_refused(get(client, headers), "AUT003", 401, "đã được dùng")
    assert RequestNonce.objects.count() == 1


def test_a_refused_request_does_not_burn_its_nonce(ivan_client, client) -> None:
    headers = ivan_client.headers("GET", PATH)
    tampered = {**headers, "X-IVAN-Signature": headers["X-IVAN-Signature"][::-1]}
    assert get(client, tampered).status_code == 401
    assert get(client, headers).status_code == 404


def test_unknown_ivan_is_aut001(db, client, demo_pki) -> None:
    headers = sign_request("GET", PATH, b"", signer(demo_pki, "ivan-vnpt"), code="00020")
    assert_refused(get(client, headers), "AUT001", 403, "00020")
    headers = sign_request("GET", PATH, b"", signer(demo_pki, "ivan-vnpt"), code="99999")
    assert_refused(get(client, headers), "AUT001", 403)


def test_missing_code_is_aut001(ivan_client, client) -> None:
    headers = ivan_client.headers("GET", PATH)
    del headers["X-IVAN-Code"]
    assert_refused(get(client, headers), "AUT001", 403, "X-IVAN-Code")


def test_suspended_connection_is_aut001(client, demo_pki) -> None:
    connect_ivan(demo_pki, "00110", status=IvanConnection.Status.SUSPENDED)
    response = IvanClient(client, demo_pki).get(PATH)
    assert_refused(response, "AUT001", 403, "tạm ngừng")


def test_inactive_provider_is_aut001(misa, ivan_client) -> None:
    misa.provider.is_active = False
    misa.provider.save()
    assert_refused(ivan_client.get(PATH), "AUT001", 403)


def test_missing_signature_headers_are_aut003(ivan_client, client) -> None:
    assert_refused(get(client, {"X-IVAN-Code": "00110"}), "AUT003", 401, "X-IVAN-Timestamp")


def test_authenticate_ivan_directly(misa, demo_pki) -> None:
    factory = RequestFactory()
    body = b"<Hoso/>"
    headers = sign_request("POST", "/x", body, signer(demo_pki, "ivan-misa"), code="00110")
    request = factory.post("/x", data=body, content_type="application/xml", headers=headers)
    assert authenticate_ivan(request) == misa
    assert request.body == body  # still readable after authentication
    replay = factory.post("/x", data=body, content_type="application/xml", headers=headers)
    with pytest.raises(GatewayError) as caught:
        authenticate_ivan(replay)
    assert caught.value.code == "AUT003"


def test_nonces_are_pruned_after_twice_the_window(misa, settings) -> None:
    now = timezone.now()
    RequestNonce.objects.create(ivan=misa, nonce="a" * 16, seen_at=now - timedelta(seconds=661))
    RequestNonce.objects.create(ivan=misa, nonce="b" * 16, seen_at=now - timedelta(seconds=600))
    assert services.nonces_prune(now=now) == 1
    assert list(RequestNonce.objects.values_list("nonce", flat=True)) == ["b" * 16]


def test_openapi_needs_no_signature(client) -> None:
    response = client.get("/gateway/v1/openapi.yaml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
