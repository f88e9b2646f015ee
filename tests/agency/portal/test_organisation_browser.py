"""Seed 001 walked in headless Chromium, as a unit and an officer would:

1. "Đăng ký" → "Cơ quan/Tổ chức" → "Tiếp" → the form (a wrong unit code first) → "Đồng ý"
   → choose the unit's certificate on a SoftHSM2 USB token through the real signer agent,
   PIN → "OK"; the activation code and its link arrive by email (real SMTP on loopback) →
   "Mã xác nhận" → "Hoàn tất thủ tục"; the username and password arrive by email; the first
   login forces a password change;
2. "Ký số từ xa": the unit's remote-signing account at the demo esign service (the same
   live server), the holder confirms on the device page, the page shows the wait;
3. without a certificate: the printable PDF, and the officer of the managing office finds it
   in the queue and accepts it.

Browser, token and agent from tests/support/browser.py; screenshots land in
test-artifacts/screenshots/portal-org-*.png.
"""

from __future__ import annotations

import re
from email.message import Message
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from ebhxh.agency.portal.models import OrganisationRegistration, OrganisationStatus
from ebhxh.agency.registrations.models import EserviceRegistration
from ebhxh.pki.demo import DemoPki
from ebhxh.signer_agent import AgentServer
from ebhxh.signers.softhsm import find_softhsm_module
from tests.agency.portal import organisation_support as org
from tests.agency.portal import support
from tests.agency.portal.test_browser import (  # noqa: F401 - fixtures
    OFFICER_PASSWORD,
    PIN,
    SO_PIN,
    officer_login,
    portal_settings,
)
from tests.support.browser import agent_fixture, browser_fixture, load_token, shot  # noqa: F401

TOKEN_LABEL = "EBHXH-SAOMAI"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def token(softhsm_conf: Path, module_path: Path, trusted_pki: DemoPki) -> str:
    """Sao Mai's certificate (MST 0109234567) and, to choose from, Sông Hậu's."""
    return load_token(
        module_path,
        trusted_pki,
        {"song-hau": "Chữ ký số Sông Hậu", "sao-mai-vnpt": "Chữ ký số Sao Mai"},
        label=TOKEN_LABEL,
        pin=PIN,
        so_pin=SO_PIN,
    )


@pytest.fixture
def units(db):
    org.unit()
    org.unit(unit_code=org.SONG_HAU["unit_code"], tax_code=org.SONG_HAU["tax_code"], agency="92001")


def text_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def html_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no html part")


def choose_certificate(page: Page, tax_code: str) -> None:
    options = page.locator("#certificate-select option")
    [value] = [
        options.nth(i).get_attribute("value")
        for i in range(options.count())
        if f"MST {tax_code}" in options.nth(i).inner_text()
    ]
    page.select_option("#certificate-select", value=value)


def start(page: Page, live_server) -> None:
    """Steps 11-13."""
    page.goto(live_server.url + reverse("portal:login"))
    page.click("#nav-register")
    page.check("input[name=kind][value=organisation]")
    shot(page, "portal-org-1-choose")
    page.click("#next")
    expect(page.locator("h1")).to_contain_text("Cơ quan/Tổ chức")


def fill_form(page: Page, *, unit_code: str = "TA0123K") -> None:
    """Step 14-17."""
    page.select_option("#id_province", "01")
    # Only Hà Nội's offices remain offered once the province is chosen.
    visible = page.locator("#id_agency_code optgroup:not([hidden])")
    assert visible.count() == 1 and visible.get_attribute("label") == "Thành phố Hà Nội"
    page.select_option("#id_agency_code", "01001")
    for field in ("unit_name", "address", "contact_name", "phone", "email"):
        page.fill(f"#id_{field}", org.SAO_MAI[field])
    page.fill("#id_unit_code", unit_code)
    page.check("#id_transact_at_0")
    expect(page.locator("#ivan-fee")).to_contain_text("phải trả phí")
    page.check("#id_confirm")


def complete_with_the_emailed_code(page: Page, smtp_server, live_server) -> str:
    """Steps 25-29: the code and "(bấm vào đây)" from the email, then the credentials."""
    [code_mail] = [m for m in smtp_server.messages if "Mã xác nhận" in str(m["Subject"])]
    assert code_mail["To"] == "ketoan@saomai.vn"
    code = re.search(r"MÃ KÍCH HOẠT: (\S+)", text_of(code_mail))
    link = re.search(r'href="([^"]+)" id="activation-link">\(bấm vào đây\)', html_of(code_mail))
    assert code and link
    page.goto(link.group(1))
    page.fill("#id_code", "AAAA-AAAA")
    page.click("#complete")
    expect(page.locator("[data-code]").first).to_contain_text("REG004")
    page.fill("#id_code", code.group(1))
    shot(page, "portal-org-5-activate")
    page.click("#complete")
    expect(page.locator("#registration-status")).to_have_text("Đã cấp tài khoản")
    shot(page, "portal-org-6-completed")
    [account_mail] = [m for m in smtp_server.messages if "đã được cấp" in str(m["Subject"])]
    body = text_of(account_mail)
    assert "Tên đăng nhập: TA0123K" in body
    password = re.search(r"Mật khẩu:\s+(\S+)", body)
    assert password
    return password.group(1)


def first_login(page: Page, live_server, password: str) -> None:
    page.goto(live_server.url + reverse("portal:login"))
    page.fill("#id_username", "ta0123k")
    page.fill("#id_password", password)
    page.click("#login")
    expect(page.locator("#change-required")).to_be_visible()
    shot(page, "portal-org-7-change-password")
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", support.STRONG)
    page.fill("#id_new_password2", support.STRONG)
    page.click("#change-password")
    expect(page.locator("#account-username")).to_have_text("TA0123K")
    shot(page, "portal-org-8-account")


@pytest.mark.skipif(find_softhsm_module() is None, reason="SoftHSM2 is not installed")
def test_seed_001_with_the_usb_token_then_the_emailed_code_then_the_first_login(
    browser: Browser,
    live_server,
    portal_settings,  # noqa: F811
    agent: AgentServer,
    trusted_pki: DemoPki,
    units,
    smtp_server,
    sms_gateway,
) -> None:
    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
    start(page, live_server)
    fill_form(page, unit_code="TZH490L")
    page.click("#agree")
    expect(page.locator("[data-code=ORG_UNIT_UNKNOWN]")).to_contain_text("Không có đơn vị")
    shot(page, "portal-org-2-form-error")
    page.fill("#id_unit_code", "TA0123K")
    page.check("#id_confirm")
    shot(page, "portal-org-2-form")
    page.click("#agree")

    page.click("#check-agent")
    expect(page.locator("#agent-status")).to_contain_text("Ứng dụng ký số đang chạy")
    page.click("#start-pairing")
    expect(page.locator("#pairing-code")).to_be_enabled()
    page.fill("#pairing-code", agent.pending_code(live_server.url) or "")
    page.click("#confirm-pairing")
    # Sao Mai's certificate is pre-selected; Sông Hậu's is refused before any PIN ("Thay đổi").
    expect(page.locator("#cert-identifier")).to_have_text(org.SAO_MAI_TAX)
    page.click("#change-certificate")
    choose_certificate(page, "1800123450")
    expect(page.locator("#certificate-status")).to_contain_text("không phải MST 0109234567")
    page.fill("#pin", PIN)
    page.click("#sign-button")
    expect(page.locator("#sign-status")).to_contain_text("IDN001")
    shot(page, "portal-org-3-wrong-certificate")
    page.click("#change-certificate")
    choose_certificate(page, org.SAO_MAI_TAX)
    expect(page.locator("#certificate-status")).to_contain_text("Đúng chữ ký số của đơn vị")
    page.fill("#pin", PIN)
    page.click("#sign-button")
    expect(page.locator("#registration-status")).to_have_text("Chờ nhập mã xác nhận")
    expect(page.locator("#code-sent")).to_contain_text("ketoan@saomai.vn")
    shot(page, "portal-org-4-submitted")
    page.click("#ok")

    registration = OrganisationRegistration.objects.get()
    assert b"<MaDonVi>TA0123K</MaDonVi>" in bytes(registration.signed_xml)
    assert b"<DangKyGiaoDichTai>CONG</DangKyGiaoDichTai>" in bytes(registration.signed_xml)
    [event] = [e for e in agent.events if e.kind == "sign"]
    assert event.result == "OK" and "tài khoản giao dịch điện tử" in event.description

    password = complete_with_the_emailed_code(page, smtp_server, live_server)
    assert EserviceRegistration.objects.get().status == "active"
    first_login(page, live_server, password)


def test_seed_001_remote_signing_confirmed_on_the_device(
    browser: Browser,
    live_server,
    portal_settings,  # noqa: F811
    settings,
    trusted_pki: DemoPki,
    units,
    smtp_server,
    sms_gateway,
) -> None:
    from tests.esign.support import PASSWORD as ESIGN_PASSWORD
    from tests.esign.support import PIN as ESIGN_PIN
    from tests.esign.support import make_holder

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_holder(trusted_pki, "saomai", ("sao-mai-vnpt",), full_name="Sao Mai")
    settings.PORTAL_REMOTE_SIGNING_URLS = [live_server.url + "/esign/csc/v2/"]

    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
    start(page, live_server)
    fill_form(page)
    page.click("#agree")
    page.click("#use-remote")
    page.fill("#remote-username", "saomai")
    page.fill("#remote-password", "sai-mat-khau")
    page.click("#remote-login-button")
    expect(page.locator("#remote-status")).to_contain_text("REMOTE_LOGIN_FAILED")
    page.fill("#remote-password", ESIGN_PASSWORD)
    page.click("#remote-login-button")
    expect(page.locator("#remote-credential")).to_contain_text("0109234567")
    page.click("#remote-sign-button")
    expect(page.locator("#remote-status")).to_contain_text("Đang chờ xác nhận lần 1/1")
    shot(page, "portal-org-9-remote-waiting")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    device = phone.new_page()
    device.goto(live_server.url + reverse("esign:device"))
    device.fill("#id_username", "saomai")
    device.fill("#id_password", ESIGN_PASSWORD)
    device.click("button[type=submit].primary")
    card = device.locator("[id^=yeu-cau-]").first
    expect(card.locator(".unit-tax-code")).to_have_text(org.SAO_MAI_TAX)
    card.locator("input[name=pin]").fill(ESIGN_PIN)
    card.locator("button.approve").click()
    expect(device.locator(".message-success")).to_contain_text("Đã xác nhận")
    phone.close()

    expect(page.locator("#registration-status")).to_have_text(
        "Chờ nhập mã xác nhận", timeout=30_000
    )
    shot(page, "portal-org-10-remote-submitted")
    registration = OrganisationRegistration.objects.get()
    assert registration.signer_subject and org.SAO_MAI_TAX in registration.signer_subject
    complete_with_the_emailed_code(page, smtp_server, live_server)


def test_seed_001_without_a_certificate_print_and_the_officer_accepts(
    browser: Browser,
    live_server,
    portal_settings,  # noqa: F811
    units,
    smtp_server,
    sms_gateway,
) -> None:
    support.officer(password=OFFICER_PASSWORD)
    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
    start(page, live_server)
    fill_form(page)
    page.uncheck("#id_uses_certificate")
    page.check("#id_transact_at_1")
    shot(page, "portal-org-11-paper-form")
    page.click("#agree")
    expect(page.locator("#registration-status")).to_have_text("Chờ nộp bản giấy tại cơ quan BHXH")
    shot(page, "portal-org-12-paper-declared")
    pdf = page.request.get(live_server.url + (page.get_attribute("#print-pdf", "href") or ""))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    registration = OrganisationRegistration.objects.get()

    officer = officer_login(browser, live_server, reverse("portal:officer_organisations"))
    officer.fill("#id_q", "ta0123k")
    officer.click("form.filters button")
    expect(officer.locator("#queue")).to_contain_text("Công ty TNHH Công nghệ Sao Mai")
    shot(officer, "portal-org-13-officer-queue")
    officer.click(f"text={registration.tracking_number}")
    expect(officer.locator("#current-provider")).to_contain_text("Chưa đăng ký")
    shot(officer, "portal-org-14-officer-detail")
    officer.click("#accept")
    expect(officer.locator("#registration-status")).to_have_text("Đã cấp tài khoản")
    expect(officer.locator("#account-username")).to_have_text("TA0123K")
    shot(officer, "portal-org-15-officer-accepted")
    registration.refresh_from_db()
    assert registration.status == OrganisationStatus.COMPLETED
    [mail] = [m for m in smtp_server.messages if "đã được cấp" in str(m["Subject"])]
    assert mail["To"] == "ketoan@saomai.vn" and "tổ chức I-VAN" in text_of(mail)
