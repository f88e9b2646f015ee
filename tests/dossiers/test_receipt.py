"""The receipt (`BienNhan`): number format, round trip, and a signature that verifies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ebhxh.dossiers import DossierFormatError
from ebhxh.dossiers.receipt import (
    RECEIPT,
    Receipt,
    build_receipt,
    format_number,
    parse_receipt,
    read_receipt,
    receipt_time,
)
from ebhxh.xmldsig import sign_xml, verify_xml
from tests.dossiers.support import signer

RECEIPT_SAMPLE = Receipt(
    number="00001/2026/01001",
    message_id="MISA-2026-000001",
    ivan_code="00110",
    received_at=datetime(2026, 11, 22, 3, 15, 30, 123000, tzinfo=UTC),
    procedure_code="600",
    tax_code="0109234567",
    unit_code="TA0123K",
    agency_code="01001",
    agency_name="Bảo hiểm xã hội cơ sở Ba Đình",
    envelope_sha256="ab" * 32,
)


def test_number_format() -> None:
    assert format_number(1, 2026, "01001") == "00001/2026/01001"
    assert format_number(12345, 2026, "79001") == "12345/2026/79001"
    assert format_number(123456, 2026, "79001") == "123456/2026/79001"


def test_time_is_vietnam_time_to_the_millisecond() -> None:
    assert receipt_time(RECEIPT_SAMPLE.received_at) == "2026-11-22T10:15:30.123+07:00"


def test_round_trip() -> None:
    xml = build_receipt(RECEIPT_SAMPLE)
    assert b"<SoHoSo>00001/2026/01001</SoHoSo>" in xml
    assert b'<MaBamHoSo ThuatToan="SHA-256">' in xml
    assert parse_receipt(xml) == RECEIPT_SAMPLE


def test_signed_receipt_verifies_and_reads(demo_pki) -> None:
    signed = sign_xml(build_receipt(RECEIPT_SAMPLE), signer(demo_pki, "bhxh-vn"), location=RECEIPT)
    verified = verify_xml(signed, checker=demo_pki.validator(), location=RECEIPT)
    assert verified.validated.identity.tax_code == "0100234562"
    assert read_receipt(verified.root) == RECEIPT_SAMPLE


def test_bad_digest_is_refused() -> None:
    xml = build_receipt(RECEIPT_SAMPLE).replace(b"ab" * 32, b"zz")
    with pytest.raises(DossierFormatError) as caught:
        parse_receipt(xml)
    assert (caught.value.code, caught.value.xpath) == ("SCH007", "/BienNhan/MaBamHoSo")
