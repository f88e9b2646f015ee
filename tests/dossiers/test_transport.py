"""The request-signature scheme both sides share, and dossier numbers in URLs."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from ebhxh.dossiers.transport import (
    AGENCY_PREFIX,
    RequestSignatureError,
    canonical_request,
    format_timestamp,
    number_from_url,
    number_to_url,
    parse_timestamp,
    read_code,
    sign_request,
    verify_request,
)
from tests.dossiers.support import signer

NOW = datetime(2026, 11, 22, 3, 4, 5, tzinfo=UTC)
PATH = "/gateway/v1/dossiers"
BODY = "<Hoso>…</Hoso>".encode()


@pytest.fixture
def ivan(demo_pki):
    return signer(demo_pki, "ivan-misa")


def signed(ivan, **overrides):
    headers = sign_request("POST", PATH, BODY, ivan, code="00110", now=NOW)
    headers.update(overrides)
    return headers


def verify(ivan, headers, *, method="POST", path=PATH, body=BODY, now=NOW, **kwargs):
    return verify_request(
        key=ivan.certificate,
        method=method,
        path=path,
        body=body,
        headers=headers,
        now=now,
        **kwargs,
    )


def test_canonical_string_is_five_lines() -> None:
    text = canonical_request("post", "/a?b=1", "2026-11-22T03:04:05Z", "n" * 16, b"x")
    assert text == (
        b"POST\n/a?b=1\n2026-11-22T03:04:05Z\n"
        + b"n" * 16
        + b"\n"
        + hashlib.sha256(b"x").hexdigest().encode()
    )


def test_headers_verify(ivan) -> None:
    headers = signed(ivan)
    assert set(headers) == {"X-IVAN-Code", "X-IVAN-Timestamp", "X-IVAN-Nonce", "X-IVAN-Signature"}
    assert headers["X-IVAN-Timestamp"] == "2026-11-22T03:04:05Z"
    assert len(headers["X-IVAN-Nonce"]) >= 16
    lowered = {key.lower(): value for key, value in headers.items()}
    result = verify(ivan, lowered)
    assert (result.code, result.timestamp, result.nonce) == ("00110", NOW, headers["X-IVAN-Nonce"])
    assert read_code(lowered) == "00110"


@pytest.mark.parametrize(
    "change",
    [
        {"method": "PUT"},
        {"path": "/gateway/v1/dossiers?x=1"},
        {"body": BODY + b" "},
    ],
)
def test_anything_changed_breaks_the_signature(ivan, change) -> None:
    with pytest.raises(RequestSignatureError, match="chữ ký không khớp"):
        verify(ivan, signed(ivan), **change)


def test_another_key_does_not_verify(ivan, demo_pki) -> None:
    other = signer(demo_pki, "ivan-vnpt")
    with pytest.raises(RequestSignatureError):
        verify_request(
            key=other.certificate,
            method="POST",
            path=PATH,
            body=BODY,
            headers=signed(ivan),
            now=NOW,
        )


def test_timestamp_window(ivan) -> None:
    headers = signed(ivan)
    verify(ivan, headers, now=NOW + timedelta(seconds=300))
    verify(ivan, headers, now=NOW - timedelta(seconds=300))
    for skew in (301, -301):
        with pytest.raises(RequestSignatureError, match="lệch quá 300 giây"):
            verify(ivan, headers, now=NOW + timedelta(seconds=skew))


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("X-IVAN-Timestamp", "", "thiếu tiêu đề X-IVAN-Timestamp"),
        ("X-IVAN-Timestamp", "2026-11-22 03:04:05", "RFC 3339"),
        ("X-IVAN-Nonce", "", "thiếu tiêu đề X-IVAN-Nonce"),
        ("X-IVAN-Nonce", "short", "16–128"),
        ("X-IVAN-Signature", "", "thiếu tiêu đề X-IVAN-Signature"),
        ("X-IVAN-Signature", "!!!", "base64"),
    ],
)
def test_malformed_headers(ivan, header, value, reason) -> None:
    with pytest.raises(RequestSignatureError, match=reason):
        verify(ivan, signed(ivan, **{header: value}))


def test_signature_over_a_changed_nonce_fails(ivan) -> None:
    headers = signed(ivan)
    headers["X-IVAN-Nonce"] = "A" * 24
    with pytest.raises(RequestSignatureError, match="chữ ký không khớp"):
        verify(ivan, headers)


def test_agency_prefix(demo_pki) -> None:
    agency = signer(demo_pki, "bhxh-vn")
    headers = sign_request("POST", "/callback", b"{}", agency, prefix=AGENCY_PREFIX, now=NOW)
    assert "X-BHXH-Signature" in headers and "X-BHXH-Code" not in headers
    verify_request(
        key=agency.certificate,
        method="POST",
        path="/callback",
        body=b"{}",
        headers=headers,
        prefix=AGENCY_PREFIX,
        now=NOW,
    )
    raw = base64.b64decode(headers["X-BHXH-Signature"])
    assert len(raw) == 256  # RSA-2048


def test_code_header_is_required_for_ivans() -> None:
    with pytest.raises(RequestSignatureError, match="X-IVAN-Code"):
        read_code({"X-IVAN-Code": "110"})


def test_timestamps() -> None:
    assert format_timestamp(NOW) == "2026-11-22T03:04:05Z"
    assert parse_timestamp("2026-11-22T10:04:05+07:00") == NOW
    assert parse_timestamp("2026-11-22T03:04:05.5Z") == NOW + timedelta(milliseconds=500)
    with pytest.raises(ValueError):
        format_timestamp(datetime(2026, 1, 1))


def test_numbers_in_urls() -> None:
    assert number_to_url("00001/2026/01001") == "00001-2026-01001"
    assert number_from_url("00001-2026-01001") == "00001/2026/01001"
    for bad in ("00001/2026/01001", "1-2026-01001", "00001-26-01001", "../x"):
        with pytest.raises(ValueError):
            number_from_url(bad)
