"""Procedure 600 end to end in headless Chromium against a live server: the demo accountant of
Sao Mai prepares a D02-TS, signs it with a SoftHSM2 token through the real signer agent (or
remotely, confirming twice on the esign device page), the real gateway receives it, and the
dossier shows in the list with its number, its timeline, and both downloads.

The live gateway from tests/ivan/gateway_support.py; browser, token and agent from
tests/support/browser.py; screenshots in test-artifacts/screenshots/ivan-600-*.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from ebhxh.agency.registry.models import IvanConnection
from ebhxh.esign.models import HolderAccount
from ebhxh.ivan import demo_data
from ebhxh.ivan import services as ivan_services
from ebhxh.ivan.filings import remote
from ebhxh.ivan.filings.models import Filing, FilingState
from ebhxh.ivan.models import Membership, Unit
from ebhxh.pki.demo import DemoPki
from ebhxh.pki.loading import fingerprint_sha256
from ebhxh.signer_agent import AgentServer
from ebhxh.signers.remote import CscClient
from ebhxh.signers.softhsm import find_softhsm_module
from tests.agency.gateway.factories import register_unit
from tests.esign.support import PASSWORD as ESIGN_PASSWORD
from tests.esign.support import PIN as ESIGN_PIN
from tests.esign.support import SAO_MAI, make_holder
from tests.ivan.conftest import make_active
from tests.ivan.filings.conftest import register_at_agency
from tests.ivan.gateway_support import live_ivan_gateway_fixture  # noqa: F401
from tests.support.browser import agent_fixture, browser_fixture, load_token, shot  # noqa: F401

TOKEN_LABEL = "EBHXH-SAOMAI"
PIN = "123456"
SO_PIN = "87654321"
HEADER = "Họ và tên,Mã số BHXH,Số CCCD,Ngày sinh,Giới tính,Chức vụ,Mức lương,Phương án,Từ tháng"
SHEET = (
    HEADER + ",Ghi chú\n"
    "Nguyễn Văn Bình,0123456789,001090012345,01/02/1990,Nam,Kế toán,8000000,TM,{period},\n"
    "Trần Thị Hoa,0123456790,001190012346,05/06/1990,Nữ,,,GH,{period},Nghỉ việc\n"
)
BAD_SHEET = (
    HEADER + ",Ghi chú\n"
    "Nguyễn Văn Bình,0123456789,001090012345,01/02/1990,Nam,Kế toán,8000000,XX,{period},\n"
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.skipif(find_softhsm_module() is None, reason="SoftHSM2 is not installed"),
]


@pytest.fixture
def live_gateway(live_server, live_ivan_gateway: IvanConnection) -> str:
    """`live_ivan_gateway` with Sao Mai registered at the agency through it; the base URL."""
    register_at_agency(register_unit("sao-mai-vnpt"), live_ivan_gateway)
    return live_server.url


@pytest.fixture
def token(softhsm_conf: Path, module_path: Path, demo_pki: DemoPki) -> str:
    return load_token(
        module_path, demo_pki, ("sao-mai-vnpt",), label=TOKEN_LABEL, pin=PIN, so_pin=SO_PIN
    )


def _demo() -> tuple[Membership, Unit, demo_data.DemoUser]:
    demo_data.load(log=lambda line: None)
    user = next(u for u in demo_data.DEMO_USERS if u.username == "saomai.admin")
    admin = Membership.objects.get(user__username=user.username)
    unit = Unit.objects.get(company=admin.company, unit_code="TA0123K")
    return admin, unit, user


def _login(page: Page, base: str, user: demo_data.DemoUser) -> None:
    page.goto(base + reverse("ivan:login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", user.password)
    page.click("button[type=submit]")
    expect(page.locator("#current-company")).to_be_visible()


def _prepare_600(page: Page, base: str, unit: Unit, tmp_path: Path, name: str) -> Filing:
    from ebhxh.vntime import today_in_vietnam

    month = today_in_vietnam().strftime("%m/%Y")
    page.click("text=Hồ sơ")
    expect(page.locator("h1")).to_have_text("Hồ sơ")
    page.click("#new-d02")
    page.select_option("#id_unit", str(unit.pk))
    bad = tmp_path / "sai.csv"
    bad.write_text(BAD_SHEET.format(period=month), encoding="utf-8")
    page.set_input_files("#id_sheet", str(bad))
    page.click("#check-d02")
    expect(page.locator("#d02-issues")).to_contain_text("Dòng 2, cột H (Phương án)")
    shot(page, f"ivan-600-{name}-1-dry-run-errors")
    good = tmp_path / "bang-ke.csv"
    good.write_text(SHEET.format(period=month), encoding="utf-8")
    page.select_option("#id_unit", str(unit.pk))
    page.set_input_files("#id_sheet", str(good))
    page.click("#check-d02")
    expect(page.locator("#d02-ok")).to_contain_text("tăng 1, giảm 1")
    shot(page, f"ivan-600-{name}-2-dry-run-ok")
    page.click("#create-d02")
    expect(page.locator("h1")).to_have_text("Ký và nộp hồ sơ")
    return Filing.objects.get(unit=unit, state=FilingState.DRAFT)


def _check_list_and_downloads(page: Page, base: str, filing: Filing, name: str) -> None:
    page.goto(base + reverse("ivan:dossiers"))
    row = page.locator(f"tr[data-filing='{filing.pk}']")
    expect(row.locator(".filing-number")).to_have_text(filing.number)
    shot(page, f"ivan-600-{name}-5-list")
    row.locator("a").first.click()
    expect(page.locator("#timeline")).to_contain_text("BHXH đã tiếp nhận hồ sơ")
    page.click("#refresh-filing")
    expect(page.locator("[data-state]").first).to_have_text("Được chấp nhận")
    expect(page.locator("#timeline")).to_contain_text("Đã chấp nhận")
    shot(page, f"ivan-600-{name}-6-timeline")
    with page.expect_download() as envelope_download:
        page.click("#download-envelope")
    envelope = Path(envelope_download.value.path()).read_bytes()
    assert hashlib.sha256(envelope).hexdigest() == filing.envelope_sha256
    with page.expect_download() as receipt_download:
        page.click("#download-receipt")
    receipt = Path(receipt_download.value.path()).read_bytes()
    assert filing.number.encode() in receipt and b"<BienNhan>" in receipt


def test_600_signed_with_the_usb_token_and_tracked(
    browser: Browser, live_gateway: str, agent: AgentServer, demo_pki: DemoPki, tmp_path: Path
) -> None:
    admin, unit, user = _demo()
    from tests.ivan.conftest import Holder
    from tests.ivan.filings.conftest import set_token

    holder = Holder(
        demo_pki.certificate("sao-mai-vnpt"),
        demo_pki.private_key("sao-mai-vnpt"),
        demo_pki.chain("sao-mai-vnpt"),
    )
    set_token(admin, unit, holder)
    make_active(unit, fingerprint_sha256(holder.certificate))
    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
    base = live_gateway
    _login(page, base, user)
    filing = _prepare_600(page, base, unit, tmp_path, "token")
    shot(page, "ivan-600-token-3-sign")

    page.click("#check-agent")
    expect(page.locator("#agent-status")).to_contain_text("Ứng dụng ký số đang chạy")
    page.click("#start-pairing")
    expect(page.locator("#pairing-code")).to_be_enabled()
    code = agent.pending_code(base)
    assert code is not None
    page.fill("#pairing-code", code)
    page.click("#confirm-pairing")
    expect(page.locator("#certificate-status")).to_contain_text("Đúng chứng thư số")
    page.fill("#pin", PIN)
    page.click("#sign-button")
    expect(page.locator("#sign-status")).to_contain_text("số hồ sơ", timeout=30_000)
    shot(page, "ivan-600-token-4-received")
    expect(page).to_have_url(f"{base}/ivan/ho-so/{filing.pk}/", timeout=10_000)
    filing.refresh_from_db()
    assert filing.state == FilingState.RECEIVED and filing.number
    assert [e.result for e in agent.events if e.kind == "sign"] == ["OK", "OK"]  # form, envelope
    _check_list_and_downloads(page, base, filing, "token")


def test_600_signed_remotely_with_two_device_confirmations(
    browser: Browser, live_gateway: str, demo_pki: DemoPki, tmp_path: Path, settings
) -> None:
    admin, unit, user = _demo()
    base = live_gateway
    holder: HolderAccount = make_holder(demo_pki, "saomai", SAO_MAI, full_name="Sao Mai")
    provider = f"{base}/esign/csc/v2/"
    certificate = demo_pki.certificate("sao-mai-vnpt")
    with CscClient(provider) as client:
        client.login("saomai", ESIGN_PASSWORD)
        [credential] = [
            c
            for c in client.list_credentials()
            if fingerprint_sha256(c.certificate) == fingerprint_sha256(certificate)
        ]
    ivan_services.signature_remote_save(
        by=admin,
        unit=unit,
        provider_url=provider,
        username="saomai",
        credential_id=credential.id,
        certificate_der=certificate.public_bytes(Encoding.DER),
        chain_der=[c.public_bytes(Encoding.DER) for c in credential.chain],
    )
    make_active(unit, fingerprint_sha256(certificate))
    remote.use_transport(None)
    assert holder.pk

    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
    _login(page, base, user)
    filing = _prepare_600(page, base, unit, tmp_path, "remote")
    expect(page.locator("#remote-sign")).to_contain_text("xác nhận 2 lần")
    shot(page, "ivan-600-remote-3-sign")
    page.fill("#remote-password", ESIGN_PASSWORD)
    page.click("#remote-sign-button")
    expect(page.locator("#remote-status")).to_contain_text(
        "Đang chờ xác nhận trên thiết bị", timeout=20_000
    )
    expect(page.locator("#remote-confirmations")).to_contain_text("Đã xác nhận 0/2 lần")
    expect(page.locator("#remote-form")).to_be_hidden()
    shot(page, "ivan-600-remote-4-waiting")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN").new_page()
    phone.goto(base + reverse("esign:device"))
    phone.fill("#id_username", "saomai")
    phone.fill("#id_password", ESIGN_PASSWORD)
    # Each click submits a form: wait for its page before reloading, or the reload races it.
    with phone.expect_navigation():
        phone.click("button[type=submit]")
    for confirmation in (1, 2):
        phone.reload()
        pin = phone.locator("input[name=pin]").first
        expect(pin).to_be_visible(timeout=20_000)
        pin.fill(ESIGN_PIN)
        with phone.expect_navigation():
            phone.locator("form[action$='/dong-y/'] button[type=submit]").first.click()
        if confirmation == 1:
            expect(page.locator("#remote-confirmations")).to_contain_text(
                "Đã xác nhận 1/2 lần", timeout=20_000
            )
            shot(page, "ivan-600-remote-4b-one-of-two")
    shot(phone, "ivan-600-remote-device")
    expect(page).to_have_url(f"{base}/ivan/ho-so/{filing.pk}/", timeout=60_000)
    filing.refresh_from_db()
    assert filing.state == FilingState.RECEIVED and filing.number
    _check_list_and_downloads(page, base, filing, "remote")
