"""Status polling and the stored receipt, for the I-VAN that submitted the dossier only."""

from __future__ import annotations

import pytest

from ebhxh.dossiers.receipt import RECEIPT, read_receipt
from ebhxh.dossiers.transport import number_to_url
from ebhxh.xmldsig import verify_xml
from tests.agency.gateway.factories import IvanClient, connect_ivan
from tests.dossiers.support import business_envelope

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(ivan_client, sao_mai, eligible, demo_pki, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = ivan_client.submit(business_envelope(demo_pki, "sao-mai-vnpt"), "MISA-42")
    assert response.status_code == 201
    return response.json()


def test_status_by_number_and_by_message_id(ivan_client, submitted) -> None:
    url = f"/gateway/v1/dossiers/{number_to_url(submitted['number'])}"
    assert url == submitted["links"]["status"]
    by_number = ivan_client.get(url)
    assert by_number.status_code == 200
    status = by_number.json()
    assert status["number"] == submitted["number"]
    assert status["status"] == "accepted"
    assert status["status_label"] == "Đã chấp nhận"
    assert status["result"]["code"] == ""
    assert status["result"]["data"]["forms"][0]["employees"] == 3
    assert [event["status"] for event in status["events"]] == ["received", "accepted"]
    assert status["events"][0]["message"].startswith("Đã tiếp nhận hồ sơ, số ")
    by_message = ivan_client.get("/gateway/v1/messages/MISA-42")
    assert by_message.json() == status


def test_receipt_endpoint_answers_the_signed_receipt(ivan_client, submitted, demo_pki) -> None:
    response = ivan_client.get(submitted["links"]["receipt"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    verified = verify_xml(response.content, checker=demo_pki.validator(), location=RECEIPT)
    assert read_receipt(verified.root).number == submitted["number"]


def test_another_ivan_sees_nothing(client, submitted, demo_pki) -> None:
    connect_ivan(demo_pki, "00020")
    vnpt = IvanClient(client, demo_pki, "00020")
    for path in (
        submitted["links"]["status"],
        submitted["links"]["receipt"],
        "/gateway/v1/messages/MISA-42",
    ):
        response = vnpt.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "NOT_FOUND"


def test_unsigned_polling_is_refused(client, submitted) -> None:
    response = client.get(submitted["links"]["status"])
    assert response.status_code == 403
    assert response.json()["code"] == "AUT001"


def test_malformed_number_is_not_found(ivan_client, submitted) -> None:
    number = submitted["number"]
    for path in (f"/gateway/v1/dossiers/{number.replace('/', '_')}", "/gateway/v1/dossiers/1-2-3"):
        assert ivan_client.get(path).status_code == 404
