"""The CSC API's rules, through the real client against the app in this process."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from ebhxh.audit.models import AuditRecord
from ebhxh.esign import services
from ebhxh.esign.models import AccessToken, HolderAccount, SigningRequest
from ebhxh.pki.demo import DemoPki
from ebhxh.signers.remote import (
    CscClient,
    RemoteAuthenticationError,
    RemoteErrorCode,
    RemoteSigner,
    RemoteSigningDenied,
    RemoteSigningError,
    RemoteSigningExpired,
    SigningProgress,
)
from tests.esign.support import (
    API_PATH,
    PASSWORD,
    PIN,
    SAO_MAI_NAME,
    SAO_MAI_TAX_CODE,
    in_process_client,
    make_holder,
)

pytestmark = pytest.mark.django_db

DIGEST = hashlib.sha256(b"SignedInfo of a Hoso").digest()
OTHER_DIGEST = hashlib.sha256(b"another Hoso").digest()


@pytest.fixture
def client(saomai: HolderAccount) -> Iterator[CscClient]:
    api = in_process_client()
    api.login("saomai", PASSWORD)
    yield api
    api.close()


def _authorize(client: CscClient, credential_id: str, procedure: str = "04/ĐK-IVAN", **kw):
    return client.authorize(
        credential_id=credential_id,
        hashes=kw.pop("hashes", [DIGEST]),
        procedure_code=procedure,
        unit_name=SAO_MAI_NAME,
        unit_tax_code=SAO_MAI_TAX_CODE,
        **kw,
    )


def _confirm_all(holder: HolderAccount, request_id: str) -> None:
    request = SigningRequest.objects.get(public_id=request_id)
    for _ in range(request.required_confirmations):
        services.device_confirm(holder=holder, request_id=request_id, pin=PIN)


def _sad(client: CscClient, holder: HolderAccount, credential_id: str) -> str:
    pending = _authorize(client, credential_id)
    _confirm_all(holder, pending.request_id)
    state = client.authorize_check(credential_id=credential_id, request_id=pending.request_id)
    assert state.sad is not None
    return state.sad


def test_authorize_answers_at_once_with_a_pending_request(
    client: CscClient, saomai: HolderAccount
) -> None:
    credential_id = client.list_credentials()[0].id
    pending = _authorize(client, credential_id, procedure="600")
    assert pending.pending and pending.sad is None
    assert (pending.required_confirmations, pending.confirmations_received) == (2, 0)
    assert 115 <= pending.expires_in <= 120  # ESIGN_CONFIRMATION_SECONDS default
    request = SigningRequest.objects.get(public_id=pending.request_id)
    assert request.status == "pending"
    assert request.hashes == [DIGEST.hex()]
    assert (request.unit_name, request.unit_tax_code) == (SAO_MAI_NAME, SAO_MAI_TAX_CODE)


@pytest.mark.parametrize(
    ("procedure", "confirmations"),
    [("04/ĐK-IVAN", 1), ("05/SD-IVAN", 1), ("06/NG-IVAN", 1), ("HSDKLanDau", 1), ("600", 2)],
)
def test_confirmations_follow_the_procedure_catalogue(
    client: CscClient, procedure: str, confirmations: int
) -> None:
    pending = _authorize(client, client.list_credentials()[0].id, procedure=procedure)
    assert pending.required_confirmations == confirmations


def test_unknown_procedure_is_refused(client: CscClient) -> None:
    with pytest.raises(RemoteSigningError) as caught:
        _authorize(client, client.list_credentials()[0].id, procedure="999/KHONG-CO")
    assert caught.value.code == RemoteErrorCode.PROCEDURE_UNKNOWN
    assert caught.value.service_error == "unknown_procedure"
    assert "danh mục" in caught.value.detail
    assert not SigningRequest.objects.exists()


def test_an_unconfirmed_request_expires_and_the_client_is_told(client: CscClient, settings) -> None:
    settings.ESIGN_CONFIRMATION_SECONDS = 1
    signer = RemoteSigner(
        client,
        client.list_credentials()[0],
        procedure_code="600",
        unit_name=SAO_MAI_NAME,
        poll_interval=0.2,
    )
    with pytest.raises(RemoteSigningExpired) as caught:
        signer.sign_digest(DIGEST)
    assert caught.value.code == RemoteErrorCode.EXPIRED
    assert caught.value.service_error == "expired_request"
    assert "hết thời gian" in caught.value.message_vi
    request = SigningRequest.objects.get()
    assert request.status == "expired"
    assert AuditRecord.objects.filter(action="esign.request_expired").count() == 1


def test_a_denied_request_gives_the_denied_error(client: CscClient, saomai: HolderAccount) -> None:
    def deny_on_the_device(progress: SigningProgress) -> None:
        if progress.stage == "waiting":
            request = SigningRequest.objects.get(status="pending")
            services.device_deny(holder=saomai, request_id=str(request.public_id))

    signer = RemoteSigner(
        client,
        client.list_credentials()[0],
        procedure_code="04/ĐK-IVAN",
        unit_name=SAO_MAI_NAME,
        on_progress=deny_on_the_device,
        poll_interval=0.01,
    )
    with pytest.raises(RemoteSigningDenied) as caught:
        signer.sign_digest(DIGEST)
    assert caught.value.code == RemoteErrorCode.DENIED
    assert caught.value.status == 403
    assert "từ chối" in caught.value.message_vi
    assert SigningRequest.objects.get().status == "denied"


def test_sad_is_single_use(client: CscClient, saomai: HolderAccount) -> None:
    credential_id = client.list_credentials()[0].id
    sad = _sad(client, saomai, credential_id)
    [signature] = client.sign_hash(credential_id=credential_id, sad=sad, hashes=[DIGEST])
    assert len(signature) == 256
    with pytest.raises(RemoteSigningError) as caught:
        client.sign_hash(credential_id=credential_id, sad=sad, hashes=[DIGEST])
    assert (caught.value.code, caught.value.service_error) == (
        RemoteErrorCode.SAD_REJECTED,
        "sad_used",
    )


def test_the_sad_is_handed_out_once(client: CscClient, saomai: HolderAccount) -> None:
    credential_id = client.list_credentials()[0].id
    pending = _authorize(client, credential_id)
    _confirm_all(saomai, pending.request_id)
    first = client.authorize_check(credential_id=credential_id, request_id=pending.request_id)
    assert first.sad is not None and not first.pending
    with pytest.raises(RemoteSigningError) as caught:
        client.authorize_check(credential_id=credential_id, request_id=pending.request_id)
    assert caught.value.service_error == "sad_already_issued"
    stored = SigningRequest.objects.get(public_id=pending.request_id).sad_hash
    assert stored == hashlib.sha256(first.sad.encode()).hexdigest()  # only its hash is kept


def test_sad_for_other_hashes_is_refused(client: CscClient, saomai: HolderAccount) -> None:
    credential_id = client.list_credentials()[0].id
    sad = _sad(client, saomai, credential_id)
    with pytest.raises(RemoteSigningError) as caught:
        client.sign_hash(credential_id=credential_id, sad=sad, hashes=[OTHER_DIGEST])
    assert caught.value.service_error == "hash_mismatch"
    assert SigningRequest.objects.get().status == "confirmed"  # nothing was signed


def test_sad_is_bound_to_its_credential(client: CscClient, saomai: HolderAccount) -> None:
    first, second = (c.id for c in client.list_credentials())
    sad = _sad(client, saomai, first)
    with pytest.raises(RemoteSigningError) as caught:
        client.sign_hash(credential_id=second, sad=sad, hashes=[DIGEST])
    assert caught.value.service_error == "invalid_sad"


def test_sad_lapses_after_its_short_lifetime(
    client: CscClient, saomai: HolderAccount, settings
) -> None:
    credential_id = client.list_credentials()[0].id
    sad = _sad(client, saomai, credential_id)
    SigningRequest.objects.update(sad_expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(RemoteSigningExpired) as caught:
        client.sign_hash(credential_id=credential_id, sad=sad, hashes=[DIGEST])
    assert caught.value.service_error == "sad_expired"
    assert SigningRequest.objects.get().status == "expired"


def test_a_holder_cannot_see_or_use_another_holders_credentials(
    client: CscClient, saomai: HolderAccount, demo_pki: DemoPki
) -> None:
    huong = make_holder(demo_pki, "huong", ["nguyen-thi-huong"])
    other = in_process_client()
    other.login("huong", PASSWORD)
    [own] = other.list_credentials()
    assert own.certificate == demo_pki.certificate("nguyen-thi-huong")

    saomai_credential = client.list_credentials()[0].id
    for call in (
        lambda: other.credential(saomai_credential),
        lambda: _authorize(other, saomai_credential),
    ):
        with pytest.raises(RemoteSigningError) as caught:
            call()
        assert caught.value.service_error == "invalid_credential"

    pending = _authorize(client, saomai_credential)
    with pytest.raises(RemoteSigningError) as caught:
        other.authorize_check(credential_id=saomai_credential, request_id=pending.request_id)
    assert caught.value.service_error == "unknown_request"
    with pytest.raises(Exception, match="Không tìm thấy yêu cầu ký"):
        services.device_confirm(holder=huong, request_id=pending.request_id, pin=PIN)

    _confirm_all(saomai, pending.request_id)
    sad = client.authorize_check(credential_id=saomai_credential, request_id=pending.request_id).sad
    assert sad is not None
    with pytest.raises(RemoteSigningError) as caught:
        other.sign_hash(credential_id=saomai_credential, sad=sad, hashes=[DIGEST])
    assert caught.value.service_error == "invalid_sad"
    other.close()


def test_credential_info_speaks_csc(client: CscClient, saomai: HolderAccount) -> None:
    from django.test import Client

    token = services.token_issue(username="saomai", password=PASSWORD).access_token
    credential_id = client.list_credentials()[1].id
    response = Client().post(
        f"{API_PATH}/credentials/info",
        {"credentialID": credential_id, "certificates": "chain", "certInfo": True},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    info = response.json()
    assert info["authMode"] == "implicit"
    assert info["key"] == {
        "status": "enabled",
        "algo": ["1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11"],
        "len": 2048,
    }
    assert info["cert"]["status"] == "valid"
    assert len(info["cert"]["certificates"]) == 2  # the holder's and Viettel-CA's
    assert "UID=MST:0109234567" in info["cert"]["subjectDN"]
    assert info["cert"]["validFrom"].endswith("Z") and len(info["cert"]["validFrom"]) == 15
    listing = Client().post(
        f"{API_PATH}/credentials/list",
        {},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert listing.json() == {"credentialIDs": [c.id for c in client.list_credentials()]}


def test_bad_token_is_a_401_json_error(client: CscClient, saomai: HolderAccount) -> None:
    from django.test import Client

    http = Client()
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic c2FvbWFp"}):
        response = http.post(
            f"{API_PATH}/credentials/list", {}, content_type="application/json", headers=headers
        )
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json"
        assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
        body = response.json()
        assert body["error"] == "invalid_token"
        assert "Đăng nhập lại" in body["error_description"]

    token = services.token_issue(username="saomai", password=PASSWORD).access_token
    assert not AccessToken.objects.filter(token_hash=token).exists()  # stored hashed
    headers = {"Authorization": f"Bearer {token}"}
    ok = http.post(
        f"{API_PATH}/credentials/list", {}, content_type="application/json", headers=headers
    )
    assert ok.status_code == 200
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    late = http.post(
        f"{API_PATH}/credentials/list", {}, content_type="application/json", headers=headers
    )
    assert late.status_code == 401


def test_login_with_a_wrong_password_is_refused(saomai: HolderAccount) -> None:
    api = in_process_client()
    for username, password in (("saomai", "sai-mat-khau"), ("khong-co", PASSWORD)):
        with pytest.raises(RemoteAuthenticationError) as caught:
            api.login(username, password)
        assert caught.value.code == RemoteErrorCode.LOGIN_FAILED
        assert caught.value.service_error == "invalid_grant"
    with pytest.raises(RemoteAuthenticationError) as caught:
        api.list_credentials()
    assert caught.value.code == RemoteErrorCode.NOT_LOGGED_IN
    assert not AccessToken.objects.exists()


def test_malformed_requests_get_invalid_request(client: CscClient) -> None:
    from django.test import Client

    token = services.token_issue(username="saomai", password=PASSWORD).access_token
    headers = {"Authorization": f"Bearer {token}"}
    http = Client()
    not_json = http.post(
        f"{API_PATH}/credentials/authorize", "{", content_type="application/json", headers=headers
    )
    assert (not_json.status_code, not_json.json()["error"]) == (400, "invalid_request")
    wrong_length = http.post(
        f"{API_PATH}/credentials/authorize",
        {
            "credentialID": client.list_credentials()[0].id,
            "numSignatures": 1,
            "hashes": ["AAAA"],
            "hashAlgorithmOID": "2.16.840.1.101.3.4.2.1",
            "procedureCode": "600",
            "unitName": "Sao Mai",
        },
        content_type="application/json",
        headers=headers,
    )
    assert wrong_length.json()["error"] == "invalid_request"
    assert wrong_length.json()["error_field"] == "hashes"
    get = http.get(f"{API_PATH}/credentials/list", headers=headers)
    assert get.status_code == 405
