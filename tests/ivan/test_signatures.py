"""Thiết lập → Chữ ký số: USB token with proof of possession, remote signing, the MST rule,
and the change dossier (05/SD-IVAN) when an active unit's certificate changes."""

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.test.client import ClientHandler
from django.urls import reverse

from ebhxh.audit.models import AuditRecord
from ebhxh.ivan import services
from ebhxh.ivan.certificates import CertificateRefused
from ebhxh.ivan.models import SignatureSetup, SigningMethod, Unit
from ebhxh.ivan.remote_signing import CscCredentialDirectory, RemoteSigningError
from ebhxh.ivan.signature_views import SESSION_CHALLENGE, SESSION_REMOTE
from ebhxh.signers.remote import RemoteCredential
from tests.ivan.conftest import SAO_MAI_HCM, make_active, unit_input
from tests.ivan.fakes import FakeCredentialDirectory
from tests.pki.support import authority, issue, name

pytestmark = pytest.mark.django_db

PROVIDER = "http://127.0.0.1:8000/esign/csc/v2/"
CHALLENGE = bytes(range(32))


def save_token(by, unit, holder, *, proof_holder=None):
    return services.signature_token_save(
        by=by,
        unit=unit,
        certificate_der=holder.der,
        chain_der=holder.chain_der,
        token_label="EBHXH-DEMO",
        token_certificate_id="01",
        challenge=CHALLENGE,
        proof=(proof_holder or holder).sign(CHALLENGE),
    )


def test_a_token_certificate_is_saved_with_what_the_page_shows(signer, unit, holder):
    vnpt = holder("sao-mai-vnpt")
    outcome = save_token(signer, unit, vnpt)
    setup = SignatureSetup.objects.get(unit=unit)
    assert setup.method == SigningMethod.TOKEN
    assert setup.certificate_tax_code == "0109234567"
    assert "SAO MAI" in setup.subject and "UID=MST:0109234567" in outcome.facts.summary
    assert setup.not_before == vnpt.certificate.not_valid_before_utc
    assert setup.not_after == vnpt.certificate.not_valid_after_utc
    assert setup.serial_number == format(vnpt.certificate.serial_number, "x")
    assert len(setup.fingerprint_sha256) == 64 and setup.certificate_pem.startswith("-----BEGIN")
    assert (setup.token_label, setup.token_certificate_id) == ("EBHXH-DEMO", "01")
    assert not outcome.change_dossier_required and outcome.notice == ""
    assert AuditRecord.objects.filter(action="ivan.signature_configured").exists()


@pytest.mark.parametrize(
    ("slug", "unit_tax_code", "detail"),
    [
        ("hoa-binh", "0109234567", "chứng thư số ghi MST 0109123458, đơn vị có MST 0109234567"),
        # The parent company's certificate does not sign for its branch.
        ("sao-mai-vnpt", SAO_MAI_HCM, "đơn vị có MST 0109234567-001"),
        ("nguyen-thi-huong", "0109234567", "không ghi mã số thuế"),
    ],
)
def test_a_certificate_of_another_mst_is_refused(admin, holder, slug, unit_tax_code, detail):
    unit = services.unit_create(by=admin, data=unit_input(tax_code=unit_tax_code))
    with pytest.raises(CertificateRefused) as refused:
        save_token(admin, unit, holder(slug))
    assert refused.value.code == "IDN001"
    assert "không trùng với mã số thuế của đơn vị" in refused.value.message
    assert detail in refused.value.message
    assert not SignatureSetup.objects.exists()


def test_a_copy_of_a_certificate_without_its_key_is_refused(signer, unit, holder):
    with pytest.raises(CertificateRefused) as refused:
        save_token(signer, unit, holder("sao-mai-vnpt"), proof_holder=holder("hoa-binh"))
    assert refused.value.code == "SIG002"
    assert not SignatureSetup.objects.exists()


def test_expired_and_non_signing_certificates_are_refused(signer, unit, demo_pki):
    ca = authority(demo_pki, "vnpt-ca")
    now = datetime.now(UTC)
    expired = issue(
        name("SAO MAI", "MST:0109234567"),
        issuer=ca,
        not_before=now - timedelta(days=800),
        not_after=now - timedelta(days=1),
    )
    from tests.ivan.conftest import Holder

    with pytest.raises(CertificateRefused) as refused:
        save_token(signer, unit, Holder(expired.certificate, expired.key, ()))
    assert refused.value.code == "CRT002"
    from tests.pki.support import key_usage

    encipher = issue(
        name("SAO MAI", "MST:0109234567"),
        issuer=ca,
        usage=key_usage(key_encipherment=True),
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=300),
    )
    with pytest.raises(CertificateRefused) as refused:
        save_token(signer, unit, Holder(encipher.certificate, encipher.key, ()))
    assert refused.value.code == "CRT006"


def test_changing_the_certificate_of_an_active_unit_needs_a_change_dossier(signer, unit, holder):
    vnpt, viettel = holder("sao-mai-vnpt"), holder("sao-mai-viettel")
    first = save_token(signer, unit, vnpt)
    unit = make_active(unit, first.facts.fingerprint_sha256)
    # Another certificate of the same unit (same MST, another CA): allowed, with the notice.
    outcome = save_token(signer, unit, viettel)
    assert outcome.change_dossier_required
    assert "05/SD-IVAN" in outcome.notice
    unit.refresh_from_db()
    assert (
        unit.change_dossier_required and unit.change_dossier_reason == services.REASON_CERTIFICATE
    )
    # Going back to the registered certificate settles it.
    save_token(signer, unit, vnpt)
    unit.refresh_from_db()
    assert not unit.change_dossier_required


def test_switching_token_to_remote_on_an_active_unit_needs_a_change_dossier(signer, unit, holder):
    vnpt = holder("sao-mai-vnpt")
    first = save_token(signer, unit, vnpt)
    unit = make_active(unit, first.facts.fingerprint_sha256)
    outcome = services.signature_remote_save(
        by=signer,
        unit=unit,
        provider_url=PROVIDER,
        username="saomai",
        credential_id="cred-1",
        certificate_der=vnpt.der,
        chain_der=vnpt.chain_der,
    )
    assert outcome.change_dossier_required
    assert Unit.objects.get(pk=unit.pk).change_dossier_reason == services.REASON_METHOD


def test_no_notice_before_the_unit_is_registered(signer, unit, holder):
    save_token(signer, unit, holder("sao-mai-vnpt"))
    outcome = save_token(signer, unit, holder("sao-mai-viettel"))
    assert not outcome.change_dossier_required
    assert SignatureSetup.objects.get().certificate_pem  # replaced, one row per unit


# --- the token page's JSON ------------------------------------------------------------------


def post(client, unit, body):
    return client.post(
        reverse("ivan:signature_token", args=[unit.pk]),
        json.dumps(body),
        content_type="application/json",
    )


def test_token_page_challenge_then_save(client, signer, unit, holder):
    vnpt = holder("sao-mai-vnpt")
    client.force_login(signer.user)
    challenge = post(client, unit, {"action": "challenge"}).json()
    digest = base64.b64decode(challenge["digest"])
    assert len(digest) == 32 and "Sao Mai" in challenge["description"]
    saved = post(
        client,
        unit,
        {
            "action": "save",
            "certificate": vnpt.b64(),
            "chain": [base64.b64encode(c).decode() for c in vnpt.chain_der],
            "token": "EBHXH-DEMO",
            "certificate_id": "01",
            "signature": base64.b64encode(vnpt.sign(digest)).decode(),
        },
    )
    assert saved.status_code == 200 and saved.json()["ok"]
    assert SESSION_CHALLENGE not in client.session  # used once
    page = client.get(saved.json()["redirect"]).content.decode()
    assert "Đã lưu chứng thư số" in page and 'id="current-subject"' in page
    assert "0109234567" in page and "từ " in page


def test_token_page_refusals_carry_codes(client, signer, unit, holder):
    client.force_login(signer.user)
    other = holder("hoa-binh")
    digest = base64.b64decode(post(client, unit, {"action": "challenge"}).json()["digest"])
    body = {
        "action": "save",
        "certificate": other.b64(),
        "chain": [],
        "signature": base64.b64encode(other.sign(digest)).decode(),
    }
    refused = post(client, unit, body)
    assert refused.status_code == 422 and refused.json()["code"] == "IDN001"
    # The challenge was spent: a replay is refused before anything is checked.
    replay = post(client, unit, body)
    assert replay.status_code == 409 and replay.json()["code"] == "CHALLENGE_EXPIRED"
    assert post(client, unit, {"action": "nope"}).json()["code"] == "BAD_REQUEST"
    assert (
        client.post(
            reverse("ivan:signature_token", args=[unit.pk]), "x", content_type="application/json"
        ).json()["code"]
        == "BAD_REQUEST"
    )


def test_signature_page_shows_the_change_dossier_notice(client, signer, unit, holder):
    first = save_token(signer, unit, holder("sao-mai-vnpt"))
    unit = make_active(unit, first.facts.fingerprint_sha256)
    save_token(signer, unit, holder("sao-mai-viettel"))
    client.force_login(signer.user)
    page = client.get(reverse("ivan:signature", args=[unit.pk])).content.decode()
    assert 'id="change-dossier-notice"' in page and "05/SD-IVAN" in page
    units = client.get(reverse("ivan:units")).content.decode()
    assert "Cần ký nộp hồ sơ thay đổi (05/SD-IVAN)." in units


# --- remote signing ---------------------------------------------------------------------------


def credential(holder, slug, credential_id):
    h = holder(slug)
    return RemoteCredential(
        id=credential_id,
        certificate=h.certificate,
        chain=h.chain,
        description=f"{slug} (DEMO)",
        status="valid",
        key_enabled=True,
        multisign=1,
    )


@pytest.fixture
def provider(settings, holder):
    settings.IVAN_REMOTE_SIGNING_DIRECTORY = "tests.ivan.fakes.FakeCredentialDirectory"
    settings.IVAN_REMOTE_SIGNING_URLS = [PROVIDER]
    FakeCredentialDirectory.logins = []
    FakeCredentialDirectory.accounts = {
        (PROVIDER, "saomai"): (
            "demo-saomai",
            [
                credential(holder, "sao-mai-vnpt", "c-vnpt"),
                credential(holder, "sao-mai-viettel", "c-viettel"),
            ],
        ),
        (PROVIDER, "hoabinh"): ("demo-hoabinh", [credential(holder, "hoa-binh", "c-hb")]),
        (PROVIDER, "saomai1"): ("demo-saomai", [credential(holder, "sao-mai-viettel", "c-one")]),
    }
    return FakeCredentialDirectory


def remote_login(client, unit, username, password):
    return client.post(
        reverse("ivan:signature_remote_login", args=[unit.pk]),
        {"provider_url": PROVIDER, "username": username, "password": password},
    )


def test_remote_with_several_certificates_asks_which_one(client, signer, unit, provider):
    client.force_login(signer.user)
    response = remote_login(client, unit, "saomai", "demo-saomai")
    assert response.url == reverse("ivan:signature_remote_choose", args=[unit.pk])
    stored = json.dumps(dict(client.session.items()))
    assert "demo-saomai" not in stored  # the password is not kept, not even in the session
    page = client.get(response.url).content.decode()
    assert "sao-mai-vnpt (DEMO)" in page or "SAO MAI" in page
    assert page.count('name="credential"') == 2
    response = client.post(response.url, {"credential": "c-viettel"})
    assert response.url == reverse("ivan:signature", args=[unit.pk])
    setup = SignatureSetup.objects.get(unit=unit)
    assert (
        setup.method,
        setup.remote_provider_url,
        setup.remote_username,
        setup.remote_credential_id,
    ) == (
        SigningMethod.REMOTE,
        PROVIDER,
        "saomai",
        "c-viettel",
    )
    assert "demo-saomai" not in json.dumps(
        [str(v) for v in SignatureSetup.objects.values().get().values()]
    )
    assert SESSION_REMOTE not in client.session


def test_remote_with_one_certificate_skips_the_choice(client, signer, unit, provider):
    client.force_login(signer.user)
    response = remote_login(client, unit, "saomai1", "demo-saomai")
    assert response.url == reverse("ivan:signature", args=[unit.pk])
    assert SignatureSetup.objects.get().remote_credential_id == "c-one"


def test_remote_refusals_show_on_the_form(client, signer, unit, provider):
    client.force_login(signer.user)
    response = remote_login(client, unit, "saomai", "sai-mat-khau")
    assert (
        response.context["remote_form"].errors.as_data()["password"][0].code
        == "REMOTE_LOGIN_FAILED"
    )
    response = remote_login(client, unit, "hoabinh", "demo-hoabinh")
    assert response.context["remote_form"].errors.as_data()["__all__"][0].code == "IDN001"
    assert not SignatureSetup.objects.exists()
    response = client.post(
        reverse("ivan:signature_remote_login", args=[unit.pk]),
        {"provider_url": "http://169.254.169.254/", "username": "x", "password": "y"},
    )
    assert "provider_url" in response.context["remote_form"].errors  # only configured providers
    assert ("http://169.254.169.254/", "x") not in provider.logins


def in_process(environ, start_response):
    """WSGI over Django's test handler, which (unlike a bare WSGIHandler) leaves the test's
    open transaction and connection alone at the end of each request."""
    response = ClientHandler()(environ)
    start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
    return [response.content]


def test_the_csc_adapter_against_the_esign_service(settings, demo_pki):
    """The real CSC API of the `esign` app, in process (WSGI), with a demo holder."""
    from ebhxh.esign import services as esign

    holder = esign.holder_create(
        actor="test", username="saomai", full_name="Sao Mai", password="demo-saomai", pin="123456"
    )
    for slug in ("sao-mai-vnpt", "sao-mai-viettel"):
        entity = demo_pki.entity(slug)
        esign.credential_add_from_pkcs12(
            actor="test",
            holder=holder,
            p12=demo_pki.path(entity.files.pkcs12).read_bytes(),
            password=entity.p12_password,
            description=slug,
        )
    directory = CscCredentialDirectory(transport=httpx.WSGITransport(app=in_process))
    found = directory.list_credentials(
        base_url="http://127.0.0.1/esign/csc/v2/", username="saomai", password="demo-saomai"
    )
    assert sorted(c.description for c in found) == ["sao-mai-viettel", "sao-mai-vnpt"]
    assert {c.certificate for c in found} == {
        demo_pki.certificate("sao-mai-vnpt"),
        demo_pki.certificate("sao-mai-viettel"),
    }
    with pytest.raises(RemoteSigningError) as refused:
        directory.list_credentials(
            base_url="http://127.0.0.1/esign/csc/v2/", username="saomai", password="sai"
        )
    assert (refused.value.code, refused.value.field) == ("REMOTE_LOGIN_FAILED", "password")


def test_the_csc_adapter_when_the_provider_is_down():
    def down(request):
        raise httpx.ConnectError("refused", request=request)

    directory = CscCredentialDirectory(transport=httpx.MockTransport(down))
    with pytest.raises(RemoteSigningError) as refused:
        directory.list_credentials(base_url=PROVIDER, username="a", password="b")
    assert refused.value.code == "REMOTE_SERVICE_UNAVAILABLE"
    assert "Không kết nối được" in refused.value.message
