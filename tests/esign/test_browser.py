"""The device page on a phone-sized screen in headless Chromium: log in, see the request with
its procedure, unit and hash, count down, enter the PIN and confirm.

The browser from tests/support/browser.py (Debian's /usr/bin/chromium through Playwright,
no browser download); screenshots in test-artifacts/screenshots/esign-device-*.png.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, expect

from ebhxh.esign import services
from ebhxh.esign.models import HolderAccount, SigningRequest
from ebhxh.esign.services import SHA256_OID
from tests.esign.support import PASSWORD, PIN, SAO_MAI_NAME, SAO_MAI_TAX_CODE, credential_of
from tests.support.browser import browser_fixture, shot  # noqa: F401

PHONE = {"width": 390, "height": 844}
DIGEST = hashlib.sha256(b"04/DK-IVAN of Sao Mai").digest()

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]


def test_phone_logs_in_sees_the_request_and_confirms_with_the_pin(
    browser: Browser, live_server, saomai: HolderAccount
) -> None:
    request = services.signing_request_create(
        holder=saomai,
        credential_id=credential_of(saomai, "sao-mai-viettel").credential_id,
        hashes=[DIGEST],
        hash_algorithm_oid=SHA256_OID,
        num_signatures=1,
        procedure_code="04/ĐK-IVAN",
        unit_name=SAO_MAI_NAME,
        unit_tax_code=SAO_MAI_TAX_CODE,
    )
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    page = context.new_page()
    page.goto(live_server.url + reverse("esign:device"))
    expect(page.locator("h1")).to_have_text("Đăng nhập tài khoản ký số từ xa")
    shot(page, "esign-device-1-login")
    page.fill("#id_username", "saomai")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")

    card = page.locator(f"#yeu-cau-{request.public_id}")
    expect(card.locator(".step")).to_have_text("Xác nhận lần 1/1")
    expect(card.locator(".procedure")).to_contain_text("04/ĐK-IVAN")
    expect(card.locator(".procedure")).to_contain_text("Đăng ký sử dụng phương thức")
    expect(card.locator(".unit-name")).to_have_text(SAO_MAI_NAME)
    expect(card.locator(".unit-tax-code")).to_have_text(SAO_MAI_TAX_CODE)
    hex_digest = DIGEST.hex()
    expect(card.locator("code.hash")).to_have_text(
        " ".join(hex_digest[i : i + 4] for i in range(0, 64, 4))
    )
    countdown = card.locator(".countdown")
    first = countdown.inner_text()
    assert re.fullmatch(r"[12]:\d\d", first)
    expect(countdown).not_to_have_text(first, timeout=3000)  # the script counts down
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    manifest = page.evaluate(
        "fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
    )
    assert manifest["start_url"] == "/esign/thiet-bi/"
    shot(page, "esign-device-2-request")

    card.locator("input[name=pin]").fill(PIN)
    card.locator("button.approve").click()
    expect(page.locator(".message-success")).to_contain_text("Đã xác nhận lần 1/1")
    expect(page.locator(".empty")).to_have_text("Không có yêu cầu ký nào đang chờ xác nhận.")
    shot(page, "esign-device-3-confirmed")
    request.refresh_from_db()
    assert request.status == "confirmed"
    assert "Chrome" in request.confirmations.get().user_agent
    context.close()

    assert SigningRequest.objects.filter(status="confirmed").count() == 1
