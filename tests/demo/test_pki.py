import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.urls import reverse

from ebhxh.demo import pki as demo_pki_module
from ebhxh.demo.data import load_all
from ebhxh.pki.demo import DemoPki
from tests.pki.support import demo_dir_copy

pytestmark = pytest.mark.django_db


@pytest.fixture
def served_pki(demo_pki: DemoPki, settings, tmp_path) -> DemoPki:
    """A copy of the session's demo PKI where the demo keeps it, as `ebhxh demo` leaves it."""
    settings.DEMO_PKI_DIR = tmp_path / "pki"
    copy = demo_dir_copy(demo_pki, settings.DEMO_PKI_DIR)
    demo_pki_module.demo_pki.cache_clear()
    demo_pki_module.ocsp_responder.cache_clear()
    yield copy
    demo_pki_module.demo_pki.cache_clear()
    demo_pki_module.ocsp_responder.cache_clear()


def test_demo_builds_its_pki_once_and_refreshes_crls(settings, tmp_path):
    settings.DEMO_PKI_DIR = tmp_path / "pki"
    lines: list[str] = []
    first = demo_pki_module.ensure_demo_pki(log=lines.append)
    second = demo_pki_module.ensure_demo_pki(log=lines.append)
    assert len(lines) == 1  # built once
    assert first.generated_at == second.generated_at
    assert [c.number for c in second.crls] == [c.number + 1 for c in first.crls]


def test_certificate_page_lists_holders_and_downloads(client, served_pki):
    html = client.get(reverse("demo:pki")).content.decode()
    assert "MST 0109123458" in html and "CCCD 001190012345" in html and "đã thu hồi" in html
    response = client.get(reverse("demo:pki_download", args=["hoa-binh", "p12"]))
    assert response.status_code == 200
    assert (
        b"".join(response.streaming_content)
        == served_pki.path(served_pki.entity("hoa-binh").files.pkcs12).read_bytes()
    )
    assert client.get(reverse("demo:pki_download", args=["nobody", "p12"])).status_code == 404
    assert client.get(reverse("demo:pki_download", args=["hoa-binh", "key"])).status_code == 404


def test_crl_endpoint_serves_the_ca_crl(client, served_pki):
    response = client.get(reverse("demo_pki:crl", args=["misa-ca"]))
    assert response["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(b"".join(response.streaming_content))
    assert crl.is_signature_valid(served_pki.certificate("misa-ca").public_key())
    assert client.get(reverse("demo_pki:crl", args=["unknown-ca"])).status_code == 404


@pytest.mark.parametrize(("slug", "status"), [("hoa-binh", "GOOD"), ("phu-thinh", "REVOKED")])
def test_ocsp_endpoint_answers_for_its_certificates(client, served_pki, slug, status):
    entity = served_pki.entity(slug)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(
            served_pki.certificate(slug), served_pki.certificate(entity.issuer), hashes.SHA256()
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    response = client.post(
        reverse("demo_pki:ocsp", args=[entity.issuer]),
        data=request,
        content_type="application/ocsp-request",
    )
    answer = ocsp.load_der_ocsp_response(response.content)
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == getattr(ocsp.OCSPCertStatus, status)


def test_demo_data_includes_the_pki(settings, tmp_path):
    settings.DEMO_PKI_DIR = tmp_path / "pki"
    load_all(log=lambda line: None)
    assert (tmp_path / "pki" / "manifest.json").exists()
