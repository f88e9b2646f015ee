"""Seed 003 walked in headless Chromium, as a person and an officer would:

1. with a certificate: declare, sign with a SoftHSM2 USB token through the signer agent,
   get the decision page, read the account from the SMS, log in and be made to change the
   generated password first;
2. without a certificate: declare, choose the reception point, print the PDF; the officer
   at that point finds the declaration by CCCD and accepts it;
3. paper at the counter: the officer enters the form, sees the due date, refuses with a
   reason that reaches the person by SMS and email.

Browser, token and agent from tests/support/browser.py; the signing walk is skipped where
SoftHSM2 is not installed. Screenshots land in test-artifacts/screenshots/portal-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from ebhxh.agency.portal.models import IndividualRegistration, RegistrationStatus
from ebhxh.pki.demo import DemoPki
from ebhxh.signer_agent import AgentServer
from ebhxh.signers.softhsm import find_softhsm_module
from tests.agency.portal import support
from tests.support.browser import agent_fixture, browser_fixture, load_token, shot  # noqa: F401

TOKEN_LABEL = "EBHXH-CANHAN"
PIN = "123456"
SO_PIN = "87654321"
OFFICER_PASSWORD = "Can-bo#BaDinh2026"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def token(softhsm_conf: Path, module_path: Path, trusted_pki: DemoPki) -> str:
    """Nguyễn Thị Hương's personal certificate on a USB token (SoftHSM2)."""
    return load_token(
        module_path,
        trusted_pki,
        {"nguyen-thi-huong": "Chữ ký số cá nhân"},
        label=TOKEN_LABEL,
        pin=PIN,
        so_pin=SO_PIN,
    )


@pytest.fixture
def portal_settings(settings, live_server):
    settings.PORTAL_BASE_URL = live_server.url


def fill_mau01(page: Page, data: dict[str, str]) -> None:
    for field in (
        "full_name",
        "birth_date",
        "citizen_id",
        "insurance_number",
        "phone",
        "email",
        "address",
    ):
        page.fill(f"#id_{field}", data[field])
    page.check(f"input[name=gender][value={data['gender']}]")


def sms_text(sms_gateway, phone: str) -> str:
    texts = [r["json"]["text"] for r in sms_gateway.requests if r["json"]["to"] == phone]
    assert texts, sms_gateway.requests
    return texts[-1]


def officer_login(browser: Browser, live_server, next_url: str) -> Page:
    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + next_url)
    page.fill("#id_username", "canbo.badinh")
    page.fill("#id_password", OFFICER_PASSWORD)
    page.click("input[type=submit]")
    return page


def first_login(page: Page, live_server, password: str, shots: str) -> None:
    """Log in with the generated password: the change page comes first, refuses a weak
    password in Vietnamese, then the account page opens."""
    page.goto(live_server.url + reverse("portal:login"))
    page.fill("#id_username", "001190012345")
    page.fill("#id_password", password)
    shot(page, f"portal-{shots}-login")
    page.click("#login")
    expect(page.locator("#change-required")).to_contain_text("do hệ thống cấp")
    page.goto(live_server.url + reverse("portal:account"))  # anything else: sent back
    expect(page.locator("#change-required")).to_be_visible()
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", "Huong@1990")
    page.fill("#id_new_password2", "Huong@1990")
    page.click("#change-password")
    expect(page.locator(".field-error").first).to_contain_text("không được chứa họ tên")
    shot(page, f"portal-{shots}-change-password")
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", support.STRONG)
    page.fill("#id_new_password2", support.STRONG)
    page.click("#change-password")
    expect(page.locator("#account-username")).to_have_text("001190012345")
    expect(page.locator(".message-success")).to_contain_text("Đã đổi mật khẩu")
    shot(page, f"portal-{shots}-account")


@pytest.mark.skipif(find_softhsm_module() is None, reason="SoftHSM2 is not installed")
def test_with_a_certificate_sign_submit_get_the_account_and_change_the_password(
    browser: Browser,
    live_server,
    portal_settings,
    agent: AgentServer,
    trusted_pki: DemoPki,
    huong,
    smtp_server,
    sms_gateway,
) -> None:
    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("agency:portal"))
    shot(page, "portal-1-portal")
    page.click(f"a[href='{reverse('portal:registration_start')}']")
    shot(page, "portal-2-choose")
    page.click("#with-certificate")
    fill_mau01(page, support.HUONG)
    page.fill("#id_citizen_id", "00119001234")  # one digit short first
    page.click("#to-sign")
    expect(page.locator("[data-code=CCCD_LENGTH]")).to_contain_text("phải có đúng 12 chữ số")
    shot(page, "portal-3-form-error")
    page.fill("#id_citizen_id", "001190012345")
    page.click("#to-sign")

    page.click("#check-agent")
    expect(page.locator("#agent-status")).to_contain_text("Ứng dụng ký số đang chạy")
    page.click("#start-pairing")
    expect(page.locator("#pairing-code")).to_be_enabled()
    page.fill("#pairing-code", agent.pending_code(live_server.url) or "")
    page.click("#confirm-pairing")
    expect(page.locator("#cert-identifier")).to_have_text("001190012345")
    shot(page, "portal-4-sign")
    page.fill("#pin", PIN)
    page.click("#sign-button")
    expect(page.locator("#registration-status")).to_have_text("Đã chấp nhận", timeout=30_000)
    shot(page, "portal-5-accepted")

    registration = IndividualRegistration.objects.get()
    assert registration.status == RegistrationStatus.ACCEPTED
    assert b"<SoCCCD>001190012345</SoCCCD>" in bytes(registration.signed_xml)
    [event] = [e for e in agent.events if e.kind == "sign"]
    assert event.result == "OK" and "Mẫu số 01" in event.description
    text = sms_text(sms_gateway, "+84912345678")
    assert registration.tracking_number in text
    assert [m["To"] for m in smtp_server.messages] == ["huong@example.vn"]
    password = text.split("mat khau: ")[1].split()[0]
    first_login(page, live_server, password, "6")


def test_without_a_certificate_declare_print_and_the_officer_accepts(
    browser: Browser, live_server, portal_settings, huong, smtp_server, sms_gateway
) -> None:
    support.officer(password=OFFICER_PASSWORD)
    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("portal:registration_start"))
    page.click("#without-certificate")
    fill_mau01(page, support.HUONG)
    page.select_option("#id_province", "01")
    page.select_option("#id_reception_agency", support.BA_DINH)
    # Only Hà Nội's offices remain offered once the province is chosen.
    visible = page.locator("#id_reception_agency optgroup:not([hidden])")
    assert visible.count() == 1 and visible.get_attribute("label") == "Thành phố Hà Nội"
    shot(page, "portal-7-declare")
    page.click("#to-confirm")
    expect(page.locator("main")).to_contain_text("Bảo hiểm xã hội cơ sở Ba Đình")
    page.check("#id_confirm")
    shot(page, "portal-8-confirm")
    page.click("#confirm")
    expect(page.locator("#registration-status")).to_have_text("Chờ nộp tại cơ quan BHXH")
    shot(page, "portal-9-declared")
    registration = IndividualRegistration.objects.get()
    pdf = page.request.get(live_server.url + page.get_attribute("#print-pdf", "href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    officer = officer_login(browser, live_server, reverse("portal:officer_reception"))
    officer.fill("#id_q", "001190012345")
    officer.click("form.filters button")
    shot(officer, "portal-10-officer-queue")
    officer.click(f"text={registration.tracking_number}")
    expect(officer.locator("#registry-check")).to_contain_text("Khớp")
    shot(officer, "portal-11-officer-detail")
    officer.click("#accept")
    expect(officer.locator("#registration-status")).to_have_text("Đã chấp nhận")
    expect(officer.locator(".message-success")).to_contain_text("tài khoản đã được cấp")
    shot(officer, "portal-12-officer-accepted")
    assert "da duoc chap nhan" in sms_text(sms_gateway, "+84912345678")
    assert [m["To"] for m in smtp_server.messages] == ["huong@example.vn"]


def test_paper_at_the_counter_the_officer_enters_it_and_refuses_with_a_reason(
    browser: Browser, live_server, portal_settings, huong, smtp_server, sms_gateway
) -> None:
    support.officer(password=OFFICER_PASSWORD)
    page = officer_login(browser, live_server, reverse("portal:officer_counter"))
    page.click("#enter-paper")
    fill_mau01(page, support.HUONG)
    shot(page, "portal-13-counter-entry")
    page.click("#receive-paper")
    expect(page.locator("#registration-status")).to_have_text("Đã tiếp nhận, đang xử lý")
    expect(page.locator("#due-on")).not_to_be_empty()
    shot(page, "portal-14-counter-received")
    page.fill("#id_reason", "Chữ ký trên tờ khai khác chữ ký trên thẻ căn cước; vui lòng ký lại.")
    page.click("#refuse")
    expect(page.locator("#registration-status")).to_have_text("Không chấp nhận")
    shot(page, "portal-15-counter-refused")
    page.goto(live_server.url + reverse("portal:officer_counter") + "?status=refused")
    expect(page.locator("#queue")).to_contain_text("Nguyễn Thị Hương")
    text = sms_text(sms_gateway, "+84912345678")
    assert "KHONG duoc chap nhan" in text and "Chu ky tren to khai khac" in text
    [email] = smtp_server.messages
    assert "Không chấp nhận" in str(email["Subject"])


def test_first_login_forces_a_password_change(
    browser: Browser, live_server, portal_settings, sms_gateway
) -> None:
    from ebhxh.agency.portal import services
    from ebhxh.agency.portal.models import AccountKind

    services.account_open(
        actor="test",
        kind=AccountKind.INDIVIDUAL,
        full_name="Nguyễn Thị Hương",
        phone="0912345678",
        citizen_id="001190012345",
    )
    password = sms_text(sms_gateway, "+84912345678").split("mat khau: ")[1].split()[0]
    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
    first_login(page, live_server, password, "16")
