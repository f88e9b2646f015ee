"""POST /gateway/v1/dossiers: receipts, idempotency, and every refusal with its code."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from ebhxh.agency.gateway import services
from ebhxh.agency.gateway.models import Dossier, DossierEvent, DossierStatus
from ebhxh.audit.models import AuditRecord
from ebhxh.dossiers.envelope import FormFile
from ebhxh.dossiers.receipt import RECEIPT, read_receipt
from ebhxh.dossiers.transport import body_sha256
from ebhxh.vntime import VIETNAM_TZ
from ebhxh.xmldsig import verify_xml
from tests.agency.gateway.factories import connect_ivan, register_unit
from tests.dossiers.support import (
    business_envelope,
    d02_file,
    envelope_of,
    sign_envelope,
)

pytestmark = pytest.mark.django_db
YEAR = timezone.now().astimezone(VIETNAM_TZ).year


def refusal(response, code: str, xpath: str = "", status: int | None = None) -> dict:
    body = response.json()
    assert body["code"] == code, body
    assert body["xpath"] == xpath, body
    assert body["message"]  # the catalogue's Vietnamese message
    if status is not None:
        assert response.status_code == status
    assert Dossier.objects.count() == 0  # a refusal stores nothing
    return body


def test_receipt_is_signed_by_the_agency_and_numbered(
    ivan_client, sao_mai, eligible, demo_pki, django_capture_on_commit_callbacks
) -> None:
    envelope = business_envelope(demo_pki, "sao-mai-vnpt")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = ivan_client.submit(envelope, "MISA-0001")
    assert len(callbacks) == 1  # processing is queued only once the intake committed
    assert response.status_code == 201, response.content
    body = response.json()
    number = f"00001/{YEAR}/01001"
    assert body["number"] == number
    assert body["message_id"] == "MISA-0001"
    assert body["sha256"] == body_sha256(envelope)
    assert body["status"] == "received"
    assert response["Location"] == f"/gateway/v1/dossiers/00001-{YEAR}-01001"

    receipt_xml = base64.b64decode(body["receipt_base64"])
    verified = verify_xml(receipt_xml, checker=demo_pki.validator(), location=RECEIPT)
    assert verified.validated.identity.tax_code == "0100234562"  # BHXH Việt Nam (demo)
    receipt = read_receipt(verified.root)
    assert receipt.number == number
    assert receipt.message_id == "MISA-0001"
    assert receipt.ivan_code == "00110"
    assert receipt.envelope_sha256 == body_sha256(envelope)
    assert (receipt.procedure_code, receipt.tax_code, receipt.unit_code) == (
        "600",
        "0109234567",
        "TA0123K",
    )
    assert receipt.agency_code == "01001"
    assert receipt.received_at.isoformat(timespec="milliseconds") == body["received_at"]

    dossier = Dossier.objects.get()
    assert bytes(dossier.envelope) == envelope
    assert bytes(dossier.receipt) == receipt_xml
    assert (dossier.agency_id, dossier.year, dossier.sequence) == ("01001", YEAR, 1)
    assert dossier.signer_fingerprint == verified_unit_fingerprint(demo_pki)
    # processing ran after commit (immediate task backend in tests): D02-TS accepted
    assert dossier.status == DossierStatus.ACCEPTED
    assert dossier.result["forms"] == [
        {"form": "D02-TS", "employees": 3, "increase": 3, "decrease": 0, "adjustment": 0}
    ]
    assert list(DossierEvent.objects.values_list("status", flat=True)) == [
        "received",
        "accepted",
    ]
    received = AuditRecord.objects.get(action="gateway.dossier_received")
    assert received.actor == "ivan:00110"
    assert received.data["number"] == number


def verified_unit_fingerprint(pki) -> str:
    from ebhxh.pki.loading import fingerprint_sha256

    return fingerprint_sha256(pki.certificate("sao-mai-vnpt"))


def test_receipt_as_xml_when_asked(ivan_client, sao_mai, eligible, demo_pki) -> None:
    response = ivan_client.submit(
        business_envelope(demo_pki, "sao-mai-vnpt"), "M-xml", Accept="application/xml"
    )
    assert response.status_code == 201
    assert response["Content-Type"] == "application/xml"
    assert response["X-Dossier-Number"] == f"00001/{YEAR}/01001"
    assert response.content == bytes(Dossier.objects.get().receipt)


def test_json_submission(ivan_client, sao_mai, eligible, demo_pki) -> None:
    envelope = business_envelope(demo_pki, "sao-mai-vnpt")
    payload = json.dumps(
        {"message_id": "M-json", "envelope_base64": base64.b64encode(envelope).decode()}
    ).encode()
    response = ivan_client.post("/gateway/v1/dossiers", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get()
    assert dossier.message_id == "M-json"
    assert bytes(dossier.envelope) == envelope
    assert response.json()["sha256"] == body_sha256(envelope)


def test_resend_returns_the_same_receipt(
    ivan_client, sao_mai, eligible, demo_pki, django_capture_on_commit_callbacks
) -> None:
    envelope = business_envelope(demo_pki, "sao-mai-vnpt")
    with django_capture_on_commit_callbacks(execute=True):
        first = ivan_client.submit(envelope, "M-1")
    again = ivan_client.submit(envelope, "M-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["receipt_base64"] == first.json()["receipt_base64"]
    assert again.json()["status"] == "accepted"  # the current status, same receipt
    assert Dossier.objects.count() == 1


def test_same_message_id_with_other_bytes_is_sys002(
    ivan_client, sao_mai, eligible, demo_pki
) -> None:
    assert ivan_client.submit(business_envelope(demo_pki, "sao-mai-vnpt"), "M-1").status_code == 201
    other = business_envelope(demo_pki, "sao-mai-vnpt", rows=4)
    response = ivan_client.submit(other, "M-1")
    assert response.status_code == 409
    assert response.json()["code"] == "SYS002"
    assert Dossier.objects.count() == 1


def test_message_id_header(ivan_client, sao_mai, eligible, demo_pki) -> None:
    envelope = business_envelope(demo_pki, "sao-mai-vnpt")
    refusal(ivan_client.post("/gateway/v1/dossiers", envelope), "SCH005", status=422)
    refusal(ivan_client.submit(envelope, "có dấu"), "SCH007")
    refusal(ivan_client.submit(envelope, "x" * 65), "SCH007")


def test_unit_certificate_must_carry_the_units_mst(
    ivan_client, sao_mai, eligible, demo_pki
) -> None:
    envelope = envelope_of(
        slug="sao-mai-vnpt",
        files=(d02_file(b"<ToKhai/>"),),
    )
    signed_by_other_unit = sign_envelope(demo_pki, "song-hau", envelope)
    body = refusal(
        ivan_client.submit(signed_by_other_unit, "M-1"),
        "IDN001",
        "/Hoso/NoiDung/ThongTinDonVi/MaSoThue",
        status=422,
    )
    assert "1800123450" in body["detail"]


def test_registry_mst_must_match_the_envelope(ivan_client, eligible, demo_pki) -> None:
    register_unit("sao-mai-vnpt", tax_code="0100109106")
    refusal(
        ivan_client.submit(business_envelope(demo_pki, "sao-mai-vnpt"), "M-1"),
        "IDN001",
        "/Hoso/NoiDung/ThongTinDonVi/MaSoThue",
    )


def test_revoked_certificate_is_crt004(ivan_client, eligible, demo_pki) -> None:
    register_unit("phu-thinh", agency="31001")
    refusal(
        ivan_client.submit(business_envelope(demo_pki, "phu-thinh"), "M-1"), "CRT004", status=422
    )


def test_tampered_envelope_is_sig003(ivan_client, sao_mai, eligible, demo_pki) -> None:
    envelope = business_envelope(demo_pki, "sao-mai-vnpt")
    tampered = envelope.replace(b"<NguoiKy>Nguy", b"<NguoiKy>Tran Nguy")
    assert tampered != envelope
    refusal(
        ivan_client.submit(tampered, "M-1"),
        "SIG003",
        "/Hoso/CKy_Dvi/ds:Signature/ds:SignedInfo/ds:Reference",
        status=422,
    )


def test_unsigned_envelope_is_sig001(ivan_client, sao_mai, eligible) -> None:
    from ebhxh.dossiers.envelope import build_envelope

    unsigned = build_envelope(envelope_of(slug="sao-mai-vnpt", files=(d02_file(b"<ToKhai/>"),)))
    refusal(ivan_client.submit(unsigned, "M-1"), "SIG001", "/Hoso/CKy_Dvi/ds:Signature")


def test_envelope_naming_another_ivan_is_aut002(ivan_client, sao_mai, eligible, demo_pki) -> None:
    envelope = business_envelope(demo_pki, "sao-mai-vnpt", ivan_code="00020")
    body = refusal(
        ivan_client.submit(envelope, "M-1"),
        "AUT002",
        "/Hoso/NoiDung/ThongTinIVAN/MaIVAN",
        status=403,
    )
    assert "00020" in body["detail"]


def test_business_dossier_without_eligibility_check_fails_closed(
    ivan_client, sao_mai, demo_pki
) -> None:
    refusal(
        ivan_client.submit(business_envelope(demo_pki, "sao-mai-vnpt"), "M-1"),
        "AUT002",
        "/Hoso/NoiDung/ThongTinDonVi/MaSoBHXH",
        status=403,
    )


def test_eligibility_check_refusal_is_answered(ivan_client, sao_mai, demo_pki) -> None:
    from ebhxh.agency.gateway import eligibility
    from ebhxh.agency.gateway.errors import GatewayError

    def no_registration(ivan, envelope):
        return GatewayError(
            "AUT002", f"{envelope.unit.unit_code} chưa đăng ký với {ivan.provider_id}"
        )

    eligibility.register_eligibility_check(no_registration)
    try:
        body = refusal(
            ivan_client.submit(business_envelope(demo_pki, "sao-mai-vnpt"), "M-1"), "AUT002"
        )
    finally:
        eligibility.unregister_eligibility_check(no_registration)
    assert body["detail"] == "TA0123K chưa đăng ký với 00110"


def test_unknown_unit_code_is_reg001(ivan_client, eligible, demo_pki) -> None:
    refusal(
        ivan_client.submit(business_envelope(demo_pki, "sao-mai-vnpt"), "M-1"),
        "REG001",
        "/Hoso/NoiDung/ThongTinDonVi/MaSoBHXH",
    )


def first_registration(pki, agency: str) -> bytes:
    envelope = envelope_of(
        slug="hoa-binh",
        procedure_code="HSDKLanDau",
        managing_agency=agency,
        files=(FormFile("TK3-TS", "Tờ khai", "TK3-TS.xml", b"<ToKhai/>"),),
    )
    return sign_envelope(pki, "hoa-binh", replace(envelope, procedure_name="Đăng ký lần đầu"))


def test_first_registration_goes_to_the_named_local_agency(ivan_client, demo_pki) -> None:
    response = ivan_client.submit(first_registration(demo_pki, "01002"), "M-1")
    assert response.status_code == 201, response.content
    assert response.json()["number"] == f"00001/{YEAR}/01002"


def test_first_registration_to_a_provincial_agency_is_sch007(ivan_client, demo_pki) -> None:
    refusal(
        ivan_client.submit(first_registration(demo_pki, "01000"), "M-1"),
        "SCH007",
        "/Hoso/NoiDung/ThongTinDonVi/CoQuanQuanLy",
    )


def test_individual_procedure_is_not_for_ivans(ivan_client, sao_mai, demo_pki) -> None:
    envelope = envelope_of(
        slug="sao-mai-vnpt",
        procedure_code="Mau01",
        files=(FormFile("Mau01", "Mẫu 01", "Mau01.xml", b"<ToKhai/>"),),
    )
    refusal(
        ivan_client.submit(sign_envelope(demo_pki, "sao-mai-vnpt", envelope), "M-1"),
        "SCH007",
        "/Hoso/NoiDung/ThongTinHoSo/MaThuTuc",
    )


def test_format_fault_after_the_signature_is_answered_with_its_xpath(
    ivan_client, sao_mai, eligible, demo_pki
) -> None:
    envelope = envelope_of(slug="sao-mai-vnpt", files=(d02_file(b"<ToKhai/>"),), period="13/2026")
    refusal(
        ivan_client.submit(sign_envelope(demo_pki, "sao-mai-vnpt", envelope), "M-1"),
        "SCH007",
        "/Hoso/NoiDung/ThongTinHoSo/KyKeKhai",
    )


def test_not_xml_and_too_large(ivan_client, settings) -> None:
    refusal(ivan_client.submit(b"not xml", "M-1"), "SCH001", status=400)
    settings.GATEWAY_MAX_BODY_BYTES = 100
    refusal(ivan_client.submit(b"<Hoso>" + b" " * 200 + b"</Hoso>", "M-2"), "SCH003", status=413)


def test_numbers_per_agency_per_year(misa, eligible, demo_pki) -> None:
    register_unit("sao-mai-vnpt", agency="01001")
    register_unit("sao-mai-hcm", agency="79001")
    sao_mai = business_envelope(demo_pki, "sao-mai-vnpt")
    hcm = business_envelope(demo_pki, "sao-mai-hcm")
    # 17:30 UTC on 31 December is already 1 January in Vietnam.
    before = datetime(YEAR, 12, 31, 16, 59, tzinfo=UTC)
    after = datetime(YEAR, 12, 31, 17, 30, tzinfo=UTC)

    def number(message_id: str, envelope: bytes, now: datetime) -> str:
        intake = services.dossier_receive(
            ivan=misa, message_id=message_id, envelope=envelope, now=now
        )
        return intake.dossier.number

    assert number("a", sao_mai, before) == f"00001/{YEAR}/01001"
    assert number("b", sao_mai, before) == f"00002/{YEAR}/01001"
    assert number("c", hcm, before) == f"00001/{YEAR}/79001"
    assert number("d", sao_mai, after) == f"00001/{YEAR + 1}/01001"
    assert number("e", sao_mai, after) == f"00002/{YEAR + 1}/01001"
    assert number("f", sao_mai, before) == f"00003/{YEAR}/01001"


def test_wrong_method_is_405(ivan_client) -> None:
    assert ivan_client.get("/gateway/v1/dossiers").status_code == 405


def test_another_ivans_message_id_is_its_own(
    ivan_client, sao_mai, eligible, demo_pki, client
) -> None:
    from tests.agency.gateway.factories import IvanClient
    from tests.dossiers.support import business_envelope as build

    connect_ivan(demo_pki, "00020")
    vnpt = IvanClient(client, demo_pki, "00020")
    assert ivan_client.submit(build(demo_pki, "sao-mai-vnpt"), "SAME").status_code == 201
    response = vnpt.submit(build(demo_pki, "sao-mai-vnpt", ivan_code="00020"), "SAME")
    assert response.status_code == 201
    assert response.json()["number"] == f"00002/{YEAR}/01001"
