"""A key that stays on a PKCS#11 token (SoftHSM2 here, an HSM in production) signs through
the same CSC API and the same device confirmation as a sealed key."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ebhxh.audit.services import SYSTEM_ACTOR
from ebhxh.esign import services
from ebhxh.esign.models import HolderAccount, KeyStorage, SigningRequest
from ebhxh.pki.demo import DemoPki
from ebhxh.signers import pkcs11 as signer_pkcs11
from ebhxh.signers.pkcs11 import load_into_token
from ebhxh.signers.remote import RemoteSigner, SigningProgress
from ebhxh.signers.softhsm import init_softhsm_token
from ebhxh.vntime import VIETNAM_TZ
from ebhxh.xmldsig import ENVELOPE, sign_xml, verify_xml
from tests.esign.support import PASSWORD, PIN, SAO_MAI_NAME, hoso, in_process_client

pytestmark = pytest.mark.django_db

TOKEN = "ESIGN-HSM"
TOKEN_PIN = "654321"
SLUG = "sao-mai-vnpt"


@pytest.fixture
def hsm_holder(softhsm_conf: Path, module_path: Path, demo_pki: DemoPki) -> HolderAccount:
    init_softhsm_token(token_label=TOKEN, so_pin="12345678", pin=TOKEN_PIN)
    entity = demo_pki.entity(SLUG)
    load_into_token(
        module_path,
        token_label=TOKEN,
        pin=TOKEN_PIN,
        p12=demo_pki.path(entity.files.pkcs12).read_bytes(),
        p12_password=entity.p12_password.encode(),
        label="Sao Mai HSM",
    )
    holder = services.holder_create(
        actor=SYSTEM_ACTOR, username="saomai-hsm", full_name="Sao Mai", password=PASSWORD, pin=PIN
    )
    services.credential_add_pkcs11(
        actor=SYSTEM_ACTOR,
        holder=holder,
        module_path=str(module_path),
        token_label=TOKEN,
        token_pin=TOKEN_PIN,
        fingerprint=entity.fingerprint_sha256,
        description="Sao Mai — HSM",
    )
    return holder


def test_a_key_on_a_pkcs11_token_signs_through_the_api(
    hsm_holder: HolderAccount, demo_pki: DemoPki
) -> None:
    credential = hsm_holder.credentials.get()
    assert credential.key_storage == KeyStorage.PKCS11
    assert credential.encrypted_key is None
    assert TOKEN_PIN.encode() not in bytes(credential.encrypted_pkcs11_pin or b"")

    client = in_process_client()
    client.login("saomai-hsm", PASSWORD)
    [remote] = client.list_credentials()
    assert remote.certificate == demo_pki.certificate(SLUG)
    assert remote.chain == demo_pki.chain(SLUG)

    def confirm_on_the_device(progress: SigningProgress) -> None:
        if progress.stage == "waiting":
            request = SigningRequest.objects.get(status="pending")
            services.device_confirm(holder=hsm_holder, request_id=str(request.public_id), pin=PIN)

    signer = RemoteSigner(
        client,
        remote,
        procedure_code="600",
        unit_name=SAO_MAI_NAME,
        on_progress=confirm_on_the_device,
        poll_interval=0.01,
    )
    signed = sign_xml(
        hoso(procedure_code="600", procedure_name="Báo tăng, báo giảm"),
        signer,
        location=ENVELOPE,
        signing_time=datetime.now(VIETNAM_TZ).replace(microsecond=0),
    )
    verified = verify_xml(signed, checker=demo_pki.validator(), location=ENVELOPE)
    assert verified.validated.certificate == demo_pki.certificate(SLUG)
    request = SigningRequest.objects.get()
    assert (request.status, request.confirmations_received) == ("used", 2)
    assert not any(signer_pkcs11._Modules.held.values())  # the token session was closed
