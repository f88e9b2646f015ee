"""The device page: what it shows, its forms, the PIN rule and the lock after wrong PINs."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from ebhxh.audit.models import AuditRecord
from ebhxh.esign import services
from ebhxh.esign.models import HolderAccount, SigningRequest
from ebhxh.esign.services import SHA256_OID
from ebhxh.pki.demo import DemoPki
from tests.esign.support import (
    PASSWORD,
    PIN,
    SAO_MAI_NAME,
    SAO_MAI_TAX_CODE,
    credential_of,
    make_holder,
)

pytestmark = pytest.mark.django_db

DIGEST = hashlib.sha256(b"Hoso 600 of Sao Mai").digest()


def _request(holder: HolderAccount, procedure: str = "600") -> SigningRequest:
    return services.signing_request_create(
        holder=holder,
        credential_id=credential_of(holder, "sao-mai-viettel").credential_id,
        hashes=[DIGEST],
        hash_algorithm_oid=SHA256_OID,
        num_signatures=1,
        procedure_code=procedure,
        unit_name=SAO_MAI_NAME,
        unit_tax_code=SAO_MAI_TAX_CODE,
    )


def _phone(username: str = "saomai") -> Client:
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) eSign test")
    response = phone.post(
        reverse("esign:device_login"), {"username": username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return phone


def _confirm(phone: Client, request: SigningRequest, pin: str = PIN) -> str:
    url = reverse("esign:device_confirm", args=[request.public_id])
    return phone.post(url, {"pin": pin}, follow=True).content.decode()


def test_the_page_shows_procedure_unit_hash_and_time_left(saomai: HolderAccount) -> None:
    request = _request(saomai)
    page = _phone().get(reverse("esign:device")).content.decode()
    assert '<meta name="viewport" content="width=device-width' in page
    assert 'rel="manifest"' in page
    assert "Xác nhận lần 1/2" in page
    assert "600" in page and "Báo tăng, báo giảm" in page
    assert SAO_MAI_NAME in page and SAO_MAI_TAX_CODE in page
    grouped = " ".join(DIGEST.hex()[i : i + 4] for i in range(0, 64, 4))
    assert grouped in page
    assert re.search(r'data-seconds-left="(11\d|120)">[12]:\d\d<', page)
    assert str(request.public_id) in page


def test_login_is_required_and_a_wrong_password_is_refused(saomai: HolderAccount) -> None:
    _request(saomai)
    anonymous = Client()
    page = anonymous.get(reverse("esign:device")).content.decode()
    assert "Đăng nhập tài khoản ký số từ xa" in page and "Xác nhận lần" not in page
    wrong = anonymous.post(reverse("esign:device_login"), {"username": "saomai", "password": "sai"})
    assert wrong.status_code == 400
    assert "Tên đăng nhập hoặc mật khẩu" in wrong.content.decode()


def test_two_confirmations_each_with_the_pin(saomai: HolderAccount) -> None:
    request = _request(saomai, "600")
    phone = _phone()
    page = _confirm(phone, request)
    assert "Đã xác nhận lần 1/2" in page
    assert "Xác nhận lần 2/2" in page  # still listed, waiting for the second
    request.refresh_from_db()
    assert (request.status, request.confirmations_received) == ("pending", 1)
    page = _confirm(phone, request)
    assert "Đã xác nhận lần 2/2" in page and "đã được chấp thuận" in page
    request.refresh_from_db()
    assert request.status == "confirmed"
    assert [c.user_agent for c in request.confirmations.all()] == [
        "Mozilla/5.0 (iPhone) eSign test"
    ] * 2
    page = _confirm(phone, request)  # nothing left to confirm
    assert "đã được xử lý xong" in page
    request.refresh_from_db()
    assert request.confirmations_received == 2


def test_a_wrong_pin_does_not_confirm_and_is_counted(saomai: HolderAccount) -> None:
    request = _request(saomai, "04/ĐK-IVAN")
    phone = _phone()
    page = _confirm(phone, request, pin="000000")
    assert "Mã PIN không đúng" in page and "còn 4 lần thử" in page
    request.refresh_from_db()
    saomai.refresh_from_db()
    assert (request.status, request.confirmations_received) == ("pending", 0)
    assert saomai.pin_failures == 1
    assert AuditRecord.objects.filter(action="esign.pin_incorrect").count() == 1
    _confirm(phone, request)  # the right PIN confirms and resets the count
    request.refresh_from_db()
    saomai.refresh_from_db()
    assert (request.status, saomai.pin_failures) == ("confirmed", 0)


def test_repeated_wrong_pins_lock_the_device(saomai: HolderAccount, settings) -> None:
    settings.ESIGN_PIN_MAX_ATTEMPTS = 3
    request = _request(saomai)
    phone = _phone()
    for _ in range(2):
        assert "Mã PIN không đúng" in _confirm(phone, request, pin="111111")
    page = _confirm(phone, request, pin="111111")
    assert "đã bị khoá" in page
    saomai.refresh_from_db()
    assert saomai.pin_locked and saomai.pin_failures == 3
    assert "đã bị khoá" in _confirm(phone, request)  # even the right PIN
    request.refresh_from_db()
    assert request.confirmations_received == 0
    with pytest.raises(Exception, match="đã bị khoá"):
        _request(saomai)  # no new request can reach a locked device
    services.holder_pin_unlock(actor="support", holder=saomai)
    assert "Đã xác nhận lần 1/2" in _confirm(phone, request)


def test_deny_from_the_device(saomai: HolderAccount) -> None:
    request = _request(saomai)
    phone = _phone()
    url = reverse("esign:device_deny", args=[request.public_id])
    page = phone.post(url, follow=True).content.decode()
    assert "Đã từ chối yêu cầu ký hồ sơ 600" in page
    assert "Không có yêu cầu ký nào đang chờ xác nhận" in page
    request.refresh_from_db()
    assert request.status == "denied"


def test_another_holders_requests_are_neither_shown_nor_confirmable(
    saomai: HolderAccount, demo_pki: DemoPki
) -> None:
    make_holder(demo_pki, "huong", ["nguyen-thi-huong"])
    request = _request(saomai)
    phone = _phone("huong")
    page = phone.get(reverse("esign:device")).content.decode()
    assert str(request.public_id) not in page and SAO_MAI_NAME not in page
    assert "Không tìm thấy yêu cầu ký" in _confirm(phone, request)
    deny = reverse("esign:device_deny", args=[request.public_id])
    assert "Không tìm thấy yêu cầu ký" in phone.post(deny, follow=True).content.decode()
    request.refresh_from_db()
    assert (request.status, request.confirmations_received) == ("pending", 0)


def test_csrf_is_enforced_on_the_device_forms(saomai: HolderAccount) -> None:
    request = _request(saomai)
    phone = Client(enforce_csrf_checks=True)
    login = phone.post(reverse("esign:device_login"), {"username": "saomai", "password": PASSWORD})
    assert login.status_code == 403
    page = phone.get(reverse("esign:device")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token
    form = {"username": "saomai", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    assert phone.post(reverse("esign:device_login"), form).status_code == 302
    confirm = reverse("esign:device_confirm", args=[request.public_id])
    assert phone.post(confirm, {"pin": PIN}).status_code == 403
    request.refresh_from_db()
    assert request.confirmations_received == 0


def test_the_manifest_makes_it_installable(client: Client) -> None:
    response = client.get(reverse("esign:device_manifest"))
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/esign/thiet-bi/"
    assert manifest["display"] == "standalone"
    assert manifest["icons"][0]["src"].endswith("esign/icon.svg")
    assert client.get(manifest["icons"][0]["src"]).status_code == 200


def test_home_page_shows_the_demo_accounts_in_demo_mode(client: Client, settings) -> None:
    page = client.get(reverse("esign:home")).content.decode()
    assert 'id="demo-accounts"' in page and "demo-saomai" in page and "123456" in page
    settings.DEMO = False
    page = client.get(reverse("esign:home")).content.decode()
    assert "demo-saomai" not in page
