"""The registration wizard in headless Chromium against a live server: the I-VAN reaches the
real gateway over HTTP, the unit signs with a SoftHSM2 token through the real signer agent,
the activation code is read from the agency's email in the outbox, and Ba Đình's officer
decides the unit-code request in the officer console (a second browser context).

1. Sao Mai (TA0123K): Đăng ký dịch vụ → Ký nộp 04/ĐK-IVAN → activation code → active.
2. Hoà Bình, first time in Hà Nội: Đăng ký cấp mã đơn vị → Ký nộp → activation → the officer
   approves → "Cập nhật" the unit code → Ký nộp 05/SD-IVAN → active.
3. Sao Mai already active with VNPT (00020): CE007 → "Ngừng dịch vụ" (06/NG-IVAN signed) →
   "Đăng ký sử dụng" re-submits the refused 04 → activation → active.

The live gateway from tests/ivan/gateway_support.py; browser, token and agent from
tests/support/browser.py; screenshots in test-artifacts/screenshots/ivan-registration-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from ebhxh.agency.registrations.models import EserviceRegistration, RegistrationStatus
from ebhxh.agency.registry.models import IvanConnection
from ebhxh.agency.registry.services import officer_create
from ebhxh.audit.services import SYSTEM_ACTOR
from ebhxh.dossiers.forms.registration import CHANGE, FIRST_TIME_PROCEDURE, REGISTER, STOP
from ebhxh.ivan.filings.models import Filing, FilingState
from ebhxh.ivan.models import Membership, ServiceState, Unit
from ebhxh.pki.demo import DemoPki
from ebhxh.signer_agent import AgentServer
from ebhxh.signers.softhsm import find_softhsm_module
from tests.ivan.gateway_support import live_ivan_gateway_fixture  # noqa: F401
from tests.ivan.registration.conftest import CONTACT, activation_code, active_elsewhere
from tests.support.browser import SCREENSHOTS, agent_fixture, browser_fixture, load_token, shot  # noqa: F401

TOKEN_LABEL = "EBHXH-DEMO"  # the label the conftest's `set_token` records
PIN = "123456"
SO_PIN = "87654321"
PASSWORD = "mat-khau-thu-nghiem"  # tests.ivan.conftest.make_user
OFFICER = ("canbo.badinh", "BaDinh-thu-nghiem-2026")
SIGN_TIMEOUT = 30_000

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.skipif(find_softhsm_module() is None, reason="SoftHSM2 is not installed"),
]


@pytest.fixture
def ivan_gateway(live_ivan_gateway: IvanConnection) -> IvanConnection:
    """The conftest's `sao_mai` and `hoa_binh` reach the live server's gateway over HTTP."""
    return live_ivan_gateway


@pytest.fixture
def token(softhsm_conf: Path, module_path: Path, demo_pki: DemoPki) -> str:
    """The demo token's organisations: Sao Mai's VNPT certificate and Hoà Bình's."""
    return load_token(
        module_path,
        demo_pki,
        ("sao-mai-vnpt", "hoa-binh"),
        label=TOKEN_LABEL,
        pin=PIN,
        so_pin=SO_PIN,
    )


def login(browser: Browser, base: str, admin: Membership) -> Page:
    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page.goto(base + reverse("ivan:login"))
    page.fill("#id_username", admin.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#current-company")).to_be_visible()
    return page


class Signer:
    """The user at the signing page with the token plugged in: pairs once per page load."""

    def __init__(self, agent: AgentServer, base: str) -> None:
        self.agent = agent
        self.base = base

    def sign(self, page: Page, filing: Filing, name: str) -> Filing:
        expect(page.locator("h1")).to_have_text("Ký và nộp hồ sơ")
        expect(page.locator("#filing-purpose")).to_have_text(filing.purpose)
        page.click("#check-agent")
        expect(page.locator("#agent-status")).to_contain_text("Ứng dụng ký số đang chạy")
        page.click("#start-pairing")
        expect(page.locator("#pairing-code")).to_be_enabled()
        code = self.agent.pending_code(self.base)
        assert code is not None
        page.fill("#pairing-code", code)
        page.click("#confirm-pairing")
        expect(page.locator("#certificate-status")).to_contain_text("Đúng chứng thư số")
        shot(page, f"ivan-registration-{name}-sign")
        page.fill("#pin", PIN)
        page.click("#sign-button")
        expect(page.locator("#sign-status")).to_contain_text("số hồ sơ", timeout=SIGN_TIMEOUT)
        shot(page, f"ivan-registration-{name}-signed")
        # back on the unit's registration page once the engine has the agency's answer
        expect(page).to_have_url(
            self.base + reverse("ivan:enrolment", args=[filing.unit_id]), timeout=10_000
        )
        return Filing.objects.get(pk=filing.pk)


@pytest.fixture
def signer(agent: AgentServer, live_server) -> Signer:
    return Signer(agent, live_server.url)


def only_draft(unit: Unit, procedure: str) -> Filing:
    return Filing.objects.get(unit=unit, procedure_code=procedure, state=FilingState.DRAFT)


def activate(page: Page, name: str, email: str) -> None:
    step = page.locator("#step-activate")
    expect(step).to_contain_text("mã kích hoạt")
    expect(step).to_contain_text("24 giờ")
    shot(page, f"ivan-registration-{name}-activate")
    page.fill("#id_code", "AAAA-AAAA" if activation_code(email) != "AAAA-AAAA" else "BBBB-BBBB")
    page.click("#activate")
    expect(page.locator("#activation-form")).to_contain_text("Mã kích hoạt không đúng")
    page.fill("#id_code", activation_code(email).lower())
    page.click("#activate")


def test_unit_with_a_unit_code_registers_signs_and_activates(
    browser: Browser, live_server, admin: Membership, sao_mai: Unit, signer: Signer
) -> None:
    base = live_server.url
    page = login(browser, base, admin)
    page.goto(base + reverse("ivan:service_info"))
    row = page.locator(f"#service-info tr[data-unit='{sao_mai.pk}']")
    expect(row).to_contain_text("Chưa đăng ký")
    shot(page, "ivan-registration-1-service-info")
    row.locator("a.button").click()
    expect(page.locator("#step-register")).to_be_visible()
    shot(page, "ivan-registration-1-register-step")

    page.click("#start-register")
    page.fill("#id_contact_email", "khong-phai-email")
    page.fill("#id_contact_name", CONTACT["contact_name"])
    page.fill("#id_contact_phone", CONTACT["contact_phone"])
    page.click("#register-submit")
    expect(page.locator("#register-form")).to_contain_text("EMAIL_INVALID")
    shot(page, "ivan-registration-1-register-error")
    page.fill("#id_contact_email", CONTACT["contact_email"])
    page.click("#register-submit")
    filing = signer.sign(page, only_draft(sao_mai, REGISTER), "1")
    assert filing.state == FilingState.PROCESSING and filing.number

    activate(page, "1", CONTACT["contact_email"])
    expect(page.locator(".messages")).to_contain_text("Đã kích hoạt")
    expect(page.locator("#step-active")).to_be_visible()
    expect(page.locator("#service-state")).to_have_text("Đang sử dụng")
    shot(page, "ivan-registration-1-active")
    unit = Unit.objects.get(pk=sao_mai.pk)
    assert unit.service_state == ServiceState.ACTIVE
    assert unit.registered_fingerprint == filing.signer_fingerprint
    [registration] = EserviceRegistration.objects.filter(unit__unit_code="TA0123K")
    assert registration.status == RegistrationStatus.ACTIVE
    assert registration.ivan is not None and registration.ivan.provider_id == "00110"


def test_first_time_unit_requests_a_code_the_officer_approves_and_the_code_is_updated(
    browser: Browser, live_server, admin: Membership, hoa_binh: Unit, signer: Signer
) -> None:
    base = live_server.url
    officer_create(
        username=OFFICER[0],
        password=OFFICER[1],
        full_name="Phạm Thu Trang",
        agency_code="01001",
        actor=SYSTEM_ACTOR,
    )
    page = login(browser, base, admin)
    page.goto(base + reverse("ivan:enrolment", args=[hoa_binh.pk]))
    expect(page.locator("#step-request_code")).to_be_visible()
    shot(page, "ivan-registration-2-request-step")
    page.click("#start-request-code")
    expect(page.locator("#id_unit_name")).to_have_value(hoa_binh.name)
    page.fill("#id_address", "Số 5 phố Đội Cấn, phường Ba Đình, Thành phố Hà Nội")
    page.select_option("#id_managing_agency", "01001")
    page.select_option("#id_target_group", "DN")
    page.fill("#id_business_type", "a03")
    page.fill("#id_contact_name", CONTACT["contact_name"])
    page.fill("#id_contact_email", CONTACT["contact_email"])
    page.fill("#id_contact_phone", CONTACT["contact_phone"])
    shot(page, "ivan-registration-2-request-form")
    page.click("#request-code-submit")
    signer.sign(page, only_draft(hoa_binh, FIRST_TIME_PROCEDURE), "2-request")

    activate(page, "2", CONTACT["contact_email"])
    expect(page.locator("#step-approval")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("chuyển cho cán bộ BHXH")
    shot(page, "ivan-registration-2-awaiting-approval")

    # Ba Đình's officer, in a browser of their own.
    office = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    desk = office.new_page()
    desk.goto(base + reverse("agency:registrations:officer_requests"))
    desk.fill("#id_username", OFFICER[0])
    desk.fill("#id_password", OFFICER[1])
    desk.click("[type=submit]")
    expect(desk.locator("body")).to_contain_text(hoa_binh.tax_code)
    desk.screenshot(path=str(SCREENSHOTS / "ivan-registration-2-officer-queue.png"))
    desk.locator(f"tr:has-text('{hoa_binh.tax_code}') a").first.click()
    desk.click("button:has-text('Duyệt và cấp mã')")
    expect(desk.locator("body")).to_contain_text("0109123458DNA03")
    shot(desk, "ivan-registration-2-officer-approved")
    office.close()

    page.click("#enrolment-refresh")
    expect(page.locator("#step-update_code")).to_contain_text("0109123458DNA03")
    expect(page.locator("#id_unit_code")).to_have_value("0109123458DNA03")
    shot(page, "ivan-registration-2-update-code")
    page.click("#update-code")
    change = signer.sign(page, only_draft(hoa_binh, CHANGE), "2-change")
    assert change.state == FilingState.ACCEPTED, change.result_message
    expect(page.locator("#step-active")).to_be_visible()
    expect(page.locator("#unit-code")).to_have_text("0109123458DNA03")
    shot(page, "ivan-registration-2-active")
    unit = Unit.objects.get(pk=hoa_binh.pk)
    assert (unit.service_state, unit.unit_code) == (ServiceState.ACTIVE, "0109123458DNA03")
    assert not unit.change_dossier_required


def test_ce007_then_stop_the_old_provider_then_register_again(
    browser: Browser,
    live_server,
    admin: Membership,
    sao_mai: Unit,
    agency_sao_mai,
    demo_pki: DemoPki,
    signer: Signer,
) -> None:
    base = live_server.url
    active_elsewhere(demo_pki, agency_sao_mai)
    page = login(browser, base, admin)
    page.goto(base + reverse("ivan:enrolment", args=[sao_mai.pk]))
    page.click("#start-register")
    page.fill("#id_contact_name", CONTACT["contact_name"])
    page.fill("#id_contact_email", CONTACT["contact_email"])
    page.fill("#id_contact_phone", CONTACT["contact_phone"])
    page.click("#register-submit")
    # the gateway receives it (a number), its handler refuses it at once: the page says so
    refused = signer.sign(page, only_draft(sao_mai, REGISTER), "3-register")
    assert (refused.state, refused.result_code) == (FilingState.REFUSED, "CE007")
    expect(page.locator("#step-refused_elsewhere #refusal")).to_contain_text("CE007")
    shot(page, "ivan-registration-3-refused-ce007")

    page.click("#start-stop")
    expect(page.locator("#previous-provider")).to_contain_text("00020")
    page.click("#stop-submit")
    expect(page.locator("#stop-form")).to_contain_text("Tích chọn lý do ngừng dịch vụ")
    page.locator("#stop-form input[name=reasons]").first.check()
    shot(page, "ivan-registration-3-stop-form")
    page.click("#stop-submit")
    stop = signer.sign(page, only_draft(sao_mai, STOP), "3-stop")
    assert stop.state == FilingState.ACCEPTED, stop.result_message
    expect(page.locator("#stop-outcome")).to_have_attribute("data-outcome", "stopped")
    expect(page.locator("#start-stop")).to_have_count(0)  # nothing left to stop
    shot(page, "ivan-registration-3-stopped")
    assert not EserviceRegistration.objects.filter(
        unit=agency_sao_mai, status=RegistrationStatus.ACTIVE
    ).exists()

    page.click("#start-resubmit")
    expect(page.locator("#refused-registration")).to_contain_text(refused.number)
    expect(page.locator("#refused-contact")).to_have_text(CONTACT["contact_name"])
    shot(page, "ivan-registration-3-resubmit")
    page.click("#resubmit")
    again = signer.sign(page, only_draft(sao_mai, REGISTER), "3-again")
    assert again.state == FilingState.PROCESSING, again.result_message
    activate(page, "3", CONTACT["contact_email"])
    expect(page.locator("#step-active")).to_be_visible()
    shot(page, "ivan-registration-3-active")
    [active] = EserviceRegistration.objects.filter(
        unit=agency_sao_mai, status=RegistrationStatus.ACTIVE
    )
    assert active.ivan is not None and active.ivan.provider_id == "00110"
