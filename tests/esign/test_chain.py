"""One device confirmation per dossier (seed 002, "Lưu ý"): a dossier is signed several times
in a row (each form's Cky, then the envelope's CKy_Dvi), and the later requests continue the
confirmed first one (`chainedTo`) without the device, under narrow conditions.
"""

from __future__ import annotations

import hashlib
import threading
from base64 import b64encode
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ebhxh.audit.models import AuditRecord
from ebhxh.esign import services
from ebhxh.esign.models import DeviceConfirmation, HolderAccount, SigningRequest
from ebhxh.esign.services import SHA256_OID, ChainRefusal
from ebhxh.pki.demo import DemoPki
from ebhxh.signers.remote import CscClient, RemoteErrorCode, RemoteSigner, RemoteSigningError
from ebhxh.vntime import VIETNAM_TZ
from ebhxh.xmldsig import ENVELOPE, FORM, sign_xml, verify_xml
from tests.esign.support import (
    API_PATH,
    PASSWORD,
    PIN,
    SAO_MAI_NAME,
    SAO_MAI_TAX_CODE,
    credential_of,
    in_process_client,
    make_holder,
)

pytestmark = pytest.mark.django_db

FIRST = hashlib.sha256(b"SignedInfo of the form").digest()
SECOND = hashlib.sha256(b"SignedInfo of the envelope").digest()
OTHER = hashlib.sha256(b"something else").digest()
PROCEDURES = {
    "04/ĐK-IVAN": "Đăng ký sử dụng phương thức giao dịch điện tử",
    "600": "Báo tăng, báo giảm, điều chỉnh đóng BHXH",
}


@pytest.fixture
def client(saomai: HolderAccount) -> Iterator[CscClient]:
    api = in_process_client()
    api.login("saomai", PASSWORD)
    yield api
    api.close()


def device_robot(holder: HolderAccount) -> Callable[[object], None]:
    """An on_progress that confirms once on the device each time the client waits."""

    def confirm(progress: object) -> None:
        if getattr(progress, "stage", "") == "waiting":
            request = SigningRequest.objects.filter(holder=holder, status="pending").get()
            services.device_confirm(holder=holder, request_id=str(request.public_id), pin=PIN)

    return confirm


def signer_for(
    client: CscClient,
    holder: HolderAccount,
    procedure: str,
    *,
    credential: int = 1,
    progress: list[str] | None = None,
    **kw: object,
) -> RemoteSigner:
    robot = device_robot(holder)

    def on_progress(step: object) -> None:
        if progress is not None:
            progress.append(getattr(step, "status", ""))
        robot(step)

    return RemoteSigner(
        client,
        client.list_credentials()[credential],
        procedure_code=procedure,
        unit_name=SAO_MAI_NAME,
        unit_tax_code=SAO_MAI_TAX_CODE,
        on_progress=on_progress,
        poll_interval=0.01,
        **kw,  # type: ignore[arg-type]
    )


def _now() -> datetime:
    return datetime.now(VIETNAM_TZ).replace(microsecond=0)


def sign_dossier(signer: RemoteSigner, procedure: str, forms: int) -> tuple[list[bytes], bytes]:
    """Each form signed in its Cky, carried in the envelope, then the envelope in CKy_Dvi."""
    signed_forms = [
        sign_xml(
            f"<ToKhai><MaToKhai>TK{n}</MaToKhai><Cky/></ToKhai>".encode(),
            signer,
            location=FORM,
            signing_time=_now(),
        )
        for n in range(forms)
    ]
    files = "".join(
        f"<FileToKhai><MaToKhai>TK{n}</MaToKhai><TenFile>TK{n}.xml</TenFile>"
        f"<NoiDungFile>{b64encode(form).decode()}</NoiDungFile></FileToKhai>"
        for n, form in enumerate(signed_forms)
    )
    envelope = (
        f"<Hoso><NoiDung><ThongTinHoSo><TenThuTuc>{PROCEDURES[procedure]}</TenThuTuc>"
        f"<MaThuTuc>{procedure}</MaThuTuc><SoLuongFile>{forms}</SoLuongFile>"
        f"<ToKhais>{files}</ToKhais></ThongTinHoSo></NoiDung><CKy_Dvi/></Hoso>"
    ).encode()
    return signed_forms, sign_xml(envelope, signer, location=ENVELOPE, signing_time=_now())


def _verify_all(demo_pki: DemoPki, forms: list[bytes], envelope: bytes) -> None:
    for form in forms:
        verify_xml(form, checker=demo_pki.validator(), location=FORM)
    verified = verify_xml(envelope, checker=demo_pki.validator(), location=ENVELOPE)
    assert verified.validated.identity.tax_code == SAO_MAI_TAX_CODE


# --- one confirmation per dossier ------------------------------------------------------------


def test_a_04_with_form_and_envelope_needs_exactly_one_device_confirmation(
    client: CscClient, saomai: HolderAccount, demo_pki: DemoPki
) -> None:
    progress: list[str] = []
    signer = signer_for(client, saomai, "04/ĐK-IVAN", progress=progress)
    forms, envelope = sign_dossier(signer, "04/ĐK-IVAN", forms=1)

    _verify_all(demo_pki, forms, envelope)
    assert DeviceConfirmation.objects.count() == 1
    first, second = SigningRequest.objects.order_by("id")
    assert (first.status, first.required_confirmations, first.chained_from) == ("used", 1, None)
    assert (second.status, second.required_confirmations) == ("used", 0)
    assert (second.chained_from, second.chain_position) == (first, 2)
    assert progress == ["waiting 1/1", "signing", "signed", "signing", "signed"]
    chained = AuditRecord.objects.get(action="esign.request_chained")
    assert chained.data["parent"] == str(first.public_id)
    assert chained.data["hashes"] == second.hashes


def test_a_600_with_two_forms_and_envelope_needs_exactly_two_device_confirmations(
    client: CscClient, saomai: HolderAccount, demo_pki: DemoPki
) -> None:
    progress: list[str] = []
    signer = signer_for(client, saomai, "600", progress=progress)
    forms, envelope = sign_dossier(signer, "600", forms=2)

    _verify_all(demo_pki, forms, envelope)
    assert DeviceConfirmation.objects.count() == 2
    requests = list(SigningRequest.objects.order_by("id"))
    assert [(r.chain_position, r.required_confirmations, r.status) for r in requests] == [
        (1, 2, "used"),
        (2, 0, "used"),
        (3, 0, "used"),
    ]
    assert [r.chained_from for r in requests] == [None, requests[0], requests[1]]
    assert progress[:4] == ["waiting 1/2", "waiting 2/2", "signing", "signed"]
    assert "waiting" not in " ".join(progress[4:])


def test_without_chaining_every_signature_asks_the_device(
    client: CscClient, saomai: HolderAccount
) -> None:
    signer = signer_for(client, saomai, "04/ĐK-IVAN", chain=False)
    sign_dossier(signer, "04/ĐK-IVAN", forms=1)
    assert DeviceConfirmation.objects.count() == 2
    assert not SigningRequest.objects.filter(chained_from__isnull=False).exists()


def test_two_signers_are_two_dossiers(client: CscClient, saomai: HolderAccount) -> None:
    signer_for(client, saomai, "04/ĐK-IVAN").sign_digest(FIRST)
    signer_for(client, saomai, "04/ĐK-IVAN").sign_digest(SECOND)
    assert DeviceConfirmation.objects.count() == 2


def test_the_signer_falls_back_to_the_device_when_the_provider_does_not_chain(
    client: CscClient, saomai: HolderAccount, settings
) -> None:
    settings.ESIGN_CHAIN_SECONDS = 0  # every parent is already too old
    progress: list[str] = []
    signer = signer_for(client, saomai, "04/ĐK-IVAN", progress=progress)
    signer.sign_digest(FIRST)
    signer.sign_digest(SECOND)
    assert progress == ["waiting 1/1", "signing", "signed"] * 2
    second = SigningRequest.objects.order_by("id").last()
    assert second is not None and second.chained_from is None
    created = AuditRecord.objects.filter(action="esign.request_created").order_by("id").last()
    assert created is not None
    assert created.data["chain_refused"] == ChainRefusal.WINDOW_PASSED


# --- when the chain is refused ---------------------------------------------------------------


def _used(client: CscClient, holder: HolderAccount, procedure: str = "04/ĐK-IVAN") -> str:
    """A request of `holder` confirmed on the device and used: what a chain may follow."""
    signer = signer_for(client, holder, procedure)
    signer.sign_digest(FIRST)
    assert signer.previous_request_id is not None
    return signer.previous_request_id


def _authorize(
    client: CscClient, chained_to: str, *, procedure: str = "04/ĐK-IVAN", credential: int = 1, **kw
):
    return client.authorize(
        credential_id=client.list_credentials()[credential].id,
        hashes=[SECOND],
        procedure_code=procedure,
        unit_name=kw.pop("unit_name", SAO_MAI_NAME),
        unit_tax_code=kw.pop("unit_tax_code", SAO_MAI_TAX_CODE),
        chained_to=chained_to,
    )


def _assert_asks_the_device(request_id: str, reason: ChainRefusal, confirmations: int) -> None:
    request = SigningRequest.objects.get(public_id=request_id)
    assert (request.status, request.chained_from) == ("pending", None)
    assert request.required_confirmations == confirmations
    created = AuditRecord.objects.filter(
        action="esign.request_created",
        object_type="esign.signingrequest",
        object_id=str(request.pk),
    ).get()
    assert created.data["chain_refused"] == reason


def test_a_chained_request_is_granted_at_once(client: CscClient, saomai: HolderAccount) -> None:
    parent = _used(client, saomai)
    granted = _authorize(client, parent)
    assert granted.granted and granted.chained_to == parent
    assert (granted.required_confirmations, granted.confirmations_received) == (0, 0)
    assert 55 <= granted.expires_in <= 60  # the SAD's life, ESIGN_SAD_SECONDS
    assert SigningRequest.objects.get(public_id=granted.request_id).status == "confirmed"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"credential": 0}, ChainRefusal.OTHER_CREDENTIAL),
        ({"unit_tax_code": "0100109106"}, ChainRefusal.OTHER_UNIT),
        ({"unit_name": "CÔNG TY KHÁC"}, ChainRefusal.OTHER_UNIT),
    ],
)
def test_a_chain_to_another_credential_or_unit_asks_the_device(
    client: CscClient, saomai: HolderAccount, change: dict[str, object], reason: ChainRefusal
) -> None:
    parent = _used(client, saomai)
    pending = _authorize(client, parent, **change)
    assert not pending.granted
    _assert_asks_the_device(pending.request_id, reason, 1)


def test_a_chain_to_another_procedure_asks_the_device_as_often_as_it_needs(
    client: CscClient, saomai: HolderAccount
) -> None:
    parent = _used(client, saomai, "04/ĐK-IVAN")
    pending = _authorize(client, parent, procedure="600")
    _assert_asks_the_device(pending.request_id, ChainRefusal.OTHER_PROCEDURE, 2)


def test_a_chain_to_another_holders_request_asks_the_device(
    client: CscClient, saomai: HolderAccount, demo_pki: DemoPki
) -> None:
    other = make_holder(demo_pki, "huong", ["nguyen-thi-huong"])
    other_client = in_process_client()
    other_client.login("huong", PASSWORD)
    theirs = signer_for(other_client, other, "04/ĐK-IVAN", credential=0)
    theirs.sign_digest(FIRST)
    assert theirs.previous_request_id is not None
    pending = _authorize(client, theirs.previous_request_id)
    _assert_asks_the_device(pending.request_id, ChainRefusal.UNKNOWN_PARENT, 1)
    other_client.close()


@pytest.mark.parametrize("chained_to", ["not-a-uuid", "3f0c8c8e-9a4e-4d5e-8f7a-1b2c3d4e5f60"])
def test_a_chain_to_nothing_asks_the_device(client: CscClient, chained_to: str) -> None:
    pending = _authorize(client, chained_to)
    _assert_asks_the_device(pending.request_id, ChainRefusal.UNKNOWN_PARENT, 1)


def test_a_chain_to_an_unused_parent_asks_the_device(
    client: CscClient, saomai: HolderAccount
) -> None:
    parent = _authorize(client, "", procedure="04/ĐK-IVAN")
    pending = _authorize(client, parent.request_id)
    _assert_asks_the_device(pending.request_id, ChainRefusal.PARENT_NOT_USED, 1)
    # Confirmed with its SAD fetched but not used for signHash: still not a parent.
    request = SigningRequest.objects.get(public_id=parent.request_id)
    services.device_confirm(holder=saomai, request_id=parent.request_id, pin=PIN)
    credential_id = request.credential.credential_id
    assert client.authorize_check(credential_id=credential_id, request_id=parent.request_id).sad
    again = _authorize(client, parent.request_id)
    _assert_asks_the_device(again.request_id, ChainRefusal.PARENT_NOT_USED, 1)


def test_a_chain_to_an_expired_parent_asks_the_device(
    client: CscClient, saomai: HolderAccount
) -> None:
    parent = _authorize(client, "")
    SigningRequest.objects.filter(public_id=parent.request_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert services.expire_due_requests() == 1
    pending = _authorize(client, parent.request_id)
    _assert_asks_the_device(pending.request_id, ChainRefusal.PARENT_NOT_USED, 1)


def test_a_chain_to_a_parent_used_too_long_ago_asks_the_device(
    client: CscClient, saomai: HolderAccount, settings
) -> None:
    parent = _used(client, saomai)
    SigningRequest.objects.filter(public_id=parent).update(
        closed_at=timezone.now() - timedelta(seconds=settings.ESIGN_CHAIN_SECONDS + 1)
    )
    pending = _authorize(client, parent)
    _assert_asks_the_device(pending.request_id, ChainRefusal.WINDOW_PASSED, 1)


def test_a_parent_not_confirmed_in_full_is_no_parent(
    client: CscClient, saomai: HolderAccount
) -> None:
    parent = _used(client, saomai, "600")
    # As if a confirmation had gone missing: the rule reads the rows, not only the counter.
    DeviceConfirmation.objects.filter(request__public_id=parent, sequence=2).delete()
    pending = _authorize(client, parent, procedure="600")
    _assert_asks_the_device(pending.request_id, ChainRefusal.PARENT_NOT_CONFIRMED, 2)


def test_a_request_is_continued_once(client: CscClient, saomai: HolderAccount) -> None:
    parent = _used(client, saomai)
    assert _authorize(client, parent).granted
    pending = _authorize(client, parent)
    _assert_asks_the_device(pending.request_id, ChainRefusal.ALREADY_CONTINUED, 1)


def test_a_chain_beyond_the_limit_asks_the_device(
    client: CscClient, saomai: HolderAccount, settings
) -> None:
    settings.ESIGN_CHAIN_MAX_LENGTH = 3
    signer = signer_for(client, saomai, "04/ĐK-IVAN")
    for value in (b"form 1", b"form 2", b"form 3", b"envelope"):
        signer.sign_digest(hashlib.sha256(value).digest())
    requests = list(SigningRequest.objects.order_by("id"))
    assert [r.chain_position for r in requests] == [1, 2, 3, 1]
    assert DeviceConfirmation.objects.count() == 2
    created = AuditRecord.objects.filter(
        action="esign.request_created",
        object_type="esign.signingrequest",
        object_id=str(requests[3].pk),
    ).get()
    assert created.data["chain_refused"] == ChainRefusal.CHAIN_TOO_LONG


# --- a chained SAD is as narrow as any other ------------------------------------------------


def _chained_sad(client: CscClient, saomai: HolderAccount) -> tuple[str, str]:
    parent = _used(client, saomai)
    granted = _authorize(client, parent)
    credential_id = client.list_credentials()[1].id
    state = client.authorize_check(credential_id=credential_id, request_id=granted.request_id)
    assert state.sad is not None
    return credential_id, state.sad


def test_a_chained_sad_is_bound_to_its_hashes(client: CscClient, saomai: HolderAccount) -> None:
    credential_id, sad = _chained_sad(client, saomai)
    for hashes in ([OTHER], [FIRST], [SECOND, OTHER]):
        with pytest.raises(RemoteSigningError) as caught:
            client.sign_hash(credential_id=credential_id, sad=sad, hashes=hashes)
        assert caught.value.code == RemoteErrorCode.SAD_REJECTED
        assert caught.value.service_error == "hash_mismatch"
    [signature] = client.sign_hash(credential_id=credential_id, sad=sad, hashes=[SECOND])
    assert len(signature) == 256
    with pytest.raises(RemoteSigningError) as caught:
        client.sign_hash(credential_id=credential_id, sad=sad, hashes=[SECOND])
    assert caught.value.service_error == "sad_used"


def test_a_chained_sad_is_bound_to_its_credential_and_lapses(
    client: CscClient, saomai: HolderAccount
) -> None:
    credential_id, sad = _chained_sad(client, saomai)
    other_credential = client.list_credentials()[0].id
    with pytest.raises(RemoteSigningError) as caught:
        client.sign_hash(credential_id=other_credential, sad=sad, hashes=[SECOND])
    assert caught.value.service_error == "invalid_sad"
    SigningRequest.objects.filter(chained_from__isnull=False).update(
        sad_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(RemoteSigningError) as caught:
        client.sign_hash(credential_id=credential_id, sad=sad, hashes=[SECOND])
    assert caught.value.service_error == "sad_expired"


def test_chained_to_must_be_a_string(client: CscClient, saomai: HolderAccount) -> None:
    token = services.token_issue(username="saomai", password=PASSWORD).access_token
    response = Client().post(
        f"{API_PATH}/credentials/authorize",
        {
            "credentialID": client.list_credentials()[0].id,
            "numSignatures": 1,
            "hashes": [b64encode(FIRST).decode()],
            "hashAlgorithmOID": SHA256_OID,
            "procedureCode": "04/ĐK-IVAN",
            "unitName": SAO_MAI_NAME,
            "chainedTo": 42,
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.json()["error_field"] == "chainedTo"
    assert not SigningRequest.objects.exists()


# --- the device page ------------------------------------------------------------------------


def test_the_device_never_lists_a_continuation_and_marks_it_as_one(
    client: CscClient, saomai: HolderAccount
) -> None:
    parent = _used(client, saomai)
    granted = _authorize(client, parent)
    phone = Client()
    phone.post(reverse("esign:device_login"), {"username": "saomai", "password": PASSWORD})
    page = phone.get(reverse("esign:device")).content.decode()
    assert f'data-request-id="{granted.request_id}"' not in page
    assert "Không có yêu cầu ký nào đang chờ xác nhận." in page
    assert "chữ ký thứ 2 của hồ sơ, theo lần đồng ý trước" in page
    url = reverse("esign:device_confirm", args=[granted.request_id])
    answer = phone.post(url, {"pin": PIN}, follow=True).content.decode()
    assert "đã được xử lý xong" in answer  # nothing to confirm on a continuation
    assert not DeviceConfirmation.objects.filter(request__public_id=granted.request_id).exists()


def test_a_pending_card_says_one_consent_covers_the_dossier(saomai: HolderAccount) -> None:
    services.signing_request_create(
        holder=saomai,
        credential_id=credential_of(saomai, "sao-mai-vnpt").credential_id,
        hashes=[FIRST],
        hash_algorithm_oid=SHA256_OID,
        num_signatures=1,
        procedure_code="600",
        unit_name=SAO_MAI_NAME,
    )
    phone = Client()
    phone.post(reverse("esign:device_login"), {"username": "saomai", "password": PASSWORD})
    page = phone.get(reverse("esign:device")).content.decode()
    assert "Một lần đồng ý cho cả hồ sơ" in page


# --- concurrency ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_continuations_of_one_request_at_once_grant_only_one(
    saomai: HolderAccount, demo_pki: DemoPki
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers")
    api = in_process_client()
    api.login("saomai", PASSWORD)
    parent = _used(api, saomai)
    api.close()
    credential_id = credential_of(saomai, "sao-mai-viettel").credential_id
    barrier = threading.Barrier(2)
    results: list[SigningRequest] = []
    errors: list[BaseException] = []

    def continue_parent() -> None:
        try:
            barrier.wait(5)
            results.append(
                services.signing_request_create(
                    holder=saomai,
                    credential_id=credential_id,
                    hashes=[SECOND],
                    hash_algorithm_oid=SHA256_OID,
                    num_signatures=1,
                    procedure_code="04/ĐK-IVAN",
                    unit_name=SAO_MAI_NAME,
                    unit_tax_code=SAO_MAI_TAX_CODE,
                    chained_to=parent,
                )
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=continue_parent) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not errors, errors
    assert sorted(r.required_confirmations for r in results) == [0, 1]
    assert SigningRequest.objects.filter(chained_from__public_id=parent).count() == 1


def test_the_home_page_says_the_count_is_per_dossier(settings) -> None:
    settings.ESIGN_CHAIN_SECONDS = 90
    page = Client().get(reverse("esign:home")).content.decode()
    assert "Số lần xác nhận tính cho cả hồ sơ" in page
    assert "trong 90 giây" in page
