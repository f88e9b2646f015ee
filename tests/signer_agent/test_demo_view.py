"""The demo page's server side: prepare a Hoso for a certificate, then assemble and verify."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.urls import reverse

from ebhxh.demo import pki as demo_pki_module
from ebhxh.pki.demo import DemoPki
from ebhxh.signers.software import Pkcs12Signer
from tests.pki.support import demo_dir_copy

pytestmark = pytest.mark.django_db
URL = "/demo/ky-thu-usb-token/"


@pytest.fixture
def served_pki(demo_pki: DemoPki, settings, tmp_path: Path) -> Iterator[DemoPki]:
    settings.DEMO_PKI_DIR = tmp_path / "pki"
    copy = demo_dir_copy(demo_pki, settings.DEMO_PKI_DIR)
    demo_pki_module.demo_pki.cache_clear()
    yield copy
    demo_pki_module.demo_pki.cache_clear()


def b64_der(pki: DemoPki, slug: str) -> str:
    return base64.b64encode(pki.certificate(slug).public_bytes(Encoding.DER)).decode()


def post(client, body: dict[str, object]):
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def prepare(client, pki: DemoPki, slug: str) -> dict[str, str]:
    reply = post(
        client,
        {
            "action": "prepare",
            "certificate": b64_der(pki, slug),
            "chain": [b64_der(pki, "misa-ca")],
        },
    )
    assert reply.status_code == 200, reply.content
    return reply.json()


def software_signer(pki: DemoPki, slug: str) -> Pkcs12Signer:
    entity = pki.entity(slug)
    return Pkcs12Signer.from_file(pki.path(entity.files.pkcs12), entity.p12_password.encode())


def test_page_names_the_agent_url_from_settings(client, settings, served_pki) -> None:
    settings.SIGNER_AGENT_URL = "http://127.0.0.1:9999"
    assert reverse("demo:sign_with_token") == URL
    html = client.get(URL).content.decode()
    assert 'data-agent-url="http://127.0.0.1:9999"' in html
    assert "core/signer-agent" in html and "Ký thử hồ sơ bằng USB Token" in html


def test_prepare_then_complete_verifies_and_offers_the_signed_xml(client, served_pki) -> None:
    prepared = prepare(client, served_pki, "hoa-binh")
    digest = base64.b64decode(prepared["digest"])
    signature = software_signer(served_pki, "hoa-binh").sign_digest(digest)
    reply = post(client, {"action": "complete", "signature": base64.b64encode(signature).decode()})
    assert reply.status_code == 200, reply.content
    result = reply.json()
    assert result["tax_code"] == "0109123458" and result["signing_time"]
    download = client.get(result["download_url"])
    assert download["Content-Disposition"] == 'attachment; filename="hoso-da-ky.xml"'
    assert b"<MaSoThue>0109123458</MaSoThue>" in download.content


def test_a_signature_by_another_key_is_rejected_with_its_code(client, served_pki) -> None:
    prepared = prepare(client, served_pki, "hoa-binh")
    other = software_signer(served_pki, "le-hoang-phuc").sign_digest(
        base64.b64decode(prepared["digest"])
    )
    reply = post(client, {"action": "complete", "signature": base64.b64encode(other).decode()})
    assert reply.status_code == 422
    assert reply.json()["code"] == "SIG002"
    assert client.get(URL + "?tai-ve=1").status_code == 404


def test_a_revoked_certificate_is_rejected(client, served_pki) -> None:
    prepared = post(
        client,
        {"action": "prepare", "certificate": b64_der(served_pki, "phu-thinh"), "chain": []},
    ).json()
    signature = software_signer(served_pki, "phu-thinh").sign_digest(
        base64.b64decode(prepared["digest"])
    )
    reply = post(client, {"action": "complete", "signature": base64.b64encode(signature).decode()})
    assert reply.status_code == 422
    assert reply.json()["code"].startswith("CRT")


def test_refusals_without_a_prepared_hoso_or_with_garbage(client, served_pki) -> None:
    assert post(client, {"action": "complete", "signature": "AAAA"}).status_code == 409
    bad = post(client, {"action": "prepare", "certificate": "không phải DER"})
    assert (bad.status_code, bad.json()["code"]) == (400, "CERTIFICATE_INVALID")
    assert post(client, {"action": "xoá"}).status_code == 400
    assert client.post(URL, data="[", content_type="application/json").status_code == 400
