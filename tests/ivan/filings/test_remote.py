"""Remote signing of a dossier against the real esign app (in process), then submission to the
real gateway. The holder's device is played by the esign services the device page calls."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from ebhxh.audit.models import AuditRecord
from ebhxh.esign import services as esign_services
from ebhxh.esign.models import DeviceConfirmation, HolderAccount, SigningRequest
from ebhxh.ivan import services as ivan_services
from ebhxh.ivan.filings import remote, services
from ebhxh.ivan.filings.models import Filing, FilingState
from ebhxh.ivan.models import Membership, Unit
from ebhxh.ivan.remote_signing import RemoteSigningError
from ebhxh.pki.demo import DemoPki
from ebhxh.pki.loading import fingerprint_sha256
from ebhxh.xmldsig import ENVELOPE, verify_xml
from tests.esign.support import API_PATH, PASSWORD, PIN, SAO_MAI, InProcessApp, make_holder
from tests.ivan.conftest import make_active, unit_input
from tests.ivan.filings.conftest import PERIOD, d02_form

pytestmark = pytest.mark.django_db
PROVIDER = f"http://testserver{API_PATH}/"


@pytest.fixture
def esign_holder(demo_pki: DemoPki) -> HolderAccount:
    return make_holder(demo_pki, "saomai", SAO_MAI, full_name="Sao Mai")


@pytest.fixture
def provider() -> httpx.BaseTransport:
    transport = httpx.WSGITransport(app=InProcessApp())
    remote.use_transport(transport)
    yield transport
    remote.use_transport(None)


@pytest.fixture
def remote_sao_mai(
    admin: Membership, agency_sao_mai, esign_holder, provider, demo_pki: DemoPki
) -> Unit:
    unit = ivan_services.unit_create(by=admin, data=unit_input())
    certificate = demo_pki.certificate("sao-mai-vnpt")
    from ebhxh.signers.remote import CscClient

    with CscClient(PROVIDER, transport=provider) as client:
        client.login("saomai", PASSWORD)
        [credential] = [
            c
            for c in client.list_credentials()
            if fingerprint_sha256(c.certificate) == fingerprint_sha256(certificate)
        ]
    from cryptography.hazmat.primitives.serialization import Encoding

    ivan_services.signature_remote_save(
        by=admin,
        unit=unit,
        provider_url=PROVIDER,
        username="saomai",
        credential_id=credential.id,
        certificate_der=certificate.public_bytes(Encoding.DER),
        chain_der=[c.public_bytes(Encoding.DER) for c in credential.chain],
    )
    return make_active(Unit.objects.get(pk=unit.pk), fingerprint_sha256(certificate))


@pytest.fixture
def remote_draft(admin: Membership, remote_sao_mai: Unit) -> Filing:
    return services.filing_create(
        actor=admin.user,
        unit=remote_sao_mai,
        procedure_code="600",
        forms=[d02_form()],
        period=PERIOD,
        purpose="Báo tăng 1 lao động",
    )


def device(holder: HolderAccount, seen: list[dict]) -> Callable[[float], None]:
    """The holder's phone, between two polls: note what the page shows, confirm once."""

    def act(_seconds: float) -> None:
        pending = SigningRequest.objects.filter(holder=holder, status="pending").first()
        if pending is None:
            return
        seen.append(dict(Filing.objects.get().signing_progress))
        esign_services.device_confirm(holder=holder, request_id=str(pending.public_id), pin=PIN)

    return act


def test_one_remote_signer_signs_forms_and_envelope_with_two_confirmations(
    admin, remote_draft: Filing, esign_holder, demo_pki
) -> None:
    client = remote.login(services.signing_setup(remote_draft), PASSWORD)
    services.filing_remote_begin(actor=admin.user, filing=remote_draft)
    seen: list[dict] = []
    filing = services.filing_remote_sign(
        actor=admin.user,
        filing=remote_draft,
        client=client,
        poll_interval=0.01,
        sleep=device(esign_holder, seen),
    )
    client.close()
    assert filing.state == FilingState.SIGNED
    verify_xml(bytes(filing.signed_envelope), checker=demo_pki.validator(), location=ENVELOPE)
    # Procedure 600: the holder confirms twice for the whole dossier (seed 002).
    assert DeviceConfirmation.objects.count() == 2
    assert SigningRequest.objects.count() == 2  # the form, then the envelope (chained)
    assert seen[0]["stage"] == "waiting" and seen[0]["confirmations_required"] == 2
    assert seen[0]["document"] == "Tờ khai D02-TS"
    assert seen[1]["confirmations_received"] == 1
    assert filing.signing_method == "remote"


def test_remote_run_signs_and_submits(
    admin, remote_draft, esign_holder, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    seen: list[dict] = []
    original = services.filing_remote_sign

    def with_device(**kwargs):
        return original(**kwargs, poll_interval=0.01, sleep=device(esign_holder, seen))

    monkeypatch.setattr(services, "filing_remote_sign", with_device)
    client = remote.login(services.signing_setup(remote_draft), PASSWORD)
    services.filing_remote_begin(actor=admin.user, filing=remote_draft)
    with django_capture_on_commit_callbacks(execute=True):
        filing = remote.run(actor=admin.user, filing=remote_draft, client=client)
    client.close()
    assert filing.state == FilingState.RECEIVED and filing.number


def test_a_wrong_password_is_answered_at_once_and_nothing_is_kept(
    admin, remote_draft: Filing
) -> None:
    with pytest.raises(RemoteSigningError) as caught:
        remote.start(actor=admin.user, filing=remote_draft, password="sai-mat-khau-1")
    assert caught.value.field == "password"
    assert Filing.objects.get(pk=remote_draft.pk).state == FilingState.DRAFT
    assert not AuditRecord.objects.filter(data__icontains="sai-mat-khau-1").exists()


def test_a_denial_on_the_device_returns_the_dossier_to_draft(
    admin, remote_draft: Filing, esign_holder
) -> None:
    def deny(_seconds: float) -> None:
        pending = SigningRequest.objects.filter(status="pending").first()
        if pending is not None:
            esign_services.device_deny(holder=esign_holder, request_id=str(pending.public_id))

    client = remote.login(services.signing_setup(remote_draft), PASSWORD)
    services.filing_remote_begin(actor=admin.user, filing=remote_draft)
    filing = services.filing_remote_sign(
        actor=admin.user, filing=remote_draft, client=client, poll_interval=0.01, sleep=deny
    )
    client.close()
    assert filing.state == FilingState.DRAFT
    assert filing.signing_progress["stage"] == "failed"
    assert "từ chối" in filing.signing_progress["message"]
    assert filing.events.filter(kind="signing_failed").exists()


def test_token_steps_are_refused_for_a_remote_unit(admin, remote_draft, holder) -> None:
    key = holder("sao-mai-vnpt")
    with pytest.raises(services.SigningRefused) as caught:
        services.filing_token_start(
            actor=admin.user, filing=remote_draft, certificate=key.der, chain=key.chain_der
        )
    assert caught.value.code == "IVAN_SIGNING_METHOD"


def test_a_second_remote_start_while_waiting_is_refused(admin, remote_draft) -> None:
    services.filing_remote_begin(actor=admin.user, filing=remote_draft)
    with pytest.raises(services.SigningRefused) as caught:
        services.filing_remote_begin(actor=admin.user, filing=remote_draft)
    assert caught.value.code == "FILING_SIGNING_IN_PROGRESS"
