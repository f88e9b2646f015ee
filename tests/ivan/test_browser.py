"""The I-VAN app in headless Chromium: the demo admin logs in, adds a unit (with a field
error on the way), and sets up its USB-token certificate through the signer agent, with a
SoftHSM2 token holding two certificates (the branch's and the parent company's).

Browser, token and agent from tests/support/browser.py; skipped where SoftHSM2 is not
installed. Screenshots land in test-artifacts/screenshots/ivan-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, expect

from ebhxh.ivan import demo_data
from ebhxh.ivan.models import SignatureSetup, SigningMethod, Unit
from ebhxh.pki.demo import DemoPki
from ebhxh.signer_agent import AgentServer
from ebhxh.signers.softhsm import find_softhsm_module
from tests.support.browser import agent_fixture, browser_fixture, load_token, shot  # noqa: F401

TOKEN_LABEL = "EBHXH-IVAN"
PIN = "123456"
SO_PIN = "87654321"
BRANCH = "0109234567-001"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),  # the pages need the reference provinces
    pytest.mark.skipif(find_softhsm_module() is None, reason="SoftHSM2 is not installed"),
]


@pytest.fixture
def token(softhsm_conf: Path, module_path: Path, demo_pki: DemoPki) -> str:
    """A token as a branch's accountant might have it: the branch's certificate and the
    parent company's (which must not sign for the branch)."""
    return load_token(
        module_path,
        demo_pki,
        ("sao-mai-vnpt", "sao-mai-hcm"),
        label=TOKEN_LABEL,
        pin=PIN,
        so_pin=SO_PIN,
    )


def test_admin_adds_a_unit_and_sets_up_its_usb_token(
    browser: Browser, live_server, agent: AgentServer, demo_pki: DemoPki
) -> None:
    demo_data.load(log=lambda line: None)
    admin = next(u for u in demo_data.DEMO_USERS if u.username == "saomai.admin")
    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})

    page.goto(live_server.url + reverse("ivan:home"))
    expect(page.locator("#demo-accounts")).to_contain_text("saomai.preparer")
    shot(page, "ivan-1-entry")
    page.click("#login-link")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", admin.password)
    page.click("button[type=submit]")
    expect(page.locator("#current-company")).to_have_text("Công ty Cổ phần Sao Mai")
    expect(page.locator(".unit-card")).to_have_count(2)
    shot(page, "ivan-2-units")

    # Thêm mới đơn vị, first with a mistyped branch MST.
    page.click("#add-unit")
    page.fill("#id_name", "Chi nhánh Công ty Cổ phần Sao Mai tại TP. Hồ Chí Minh")
    page.select_option("#id_province", "79")
    page.fill("#id_tax_code", "0109234567-01")
    page.fill("#id_unit_code", "YN0456B")
    page.click("#unit-submit")
    expect(page.locator("#id_tax_code-error")).to_contain_text("MST_BRANCH_FORMAT")
    shot(page, "ivan-3-unit-error")
    page.fill("#id_tax_code", BRANCH)
    page.click("#unit-submit")
    unit = Unit.objects.get(tax_code=BRANCH)
    expect(page).to_have_url(live_server.url + reverse("ivan:signature", args=[unit.pk]))
    expect(page.locator(".checklist [data-step=declare]")).to_have_class("step step-done")
    shot(page, "ivan-4-signature-start")

    # Chữ ký số qua USB Token: agent, pairing, certificate.
    page.click("#check-agent")
    expect(page.locator("#agent-status")).to_contain_text("Ứng dụng ký số đang chạy")
    page.click("#start-pairing")
    expect(page.locator("#pairing-code")).to_be_enabled()
    code = agent.pending_code(live_server.url)
    assert code is not None
    page.fill("#pairing-code", code)
    page.click("#confirm-pairing")
    expect(page.locator("#pair-status")).to_contain_text("Đã ghép nối")
    expect(page.locator("#token-select")).to_have_value(TOKEN_LABEL)
    # The certificate with the unit's MST is offered first.
    expect(page.locator("#cert-tax-code")).to_have_text(BRANCH)
    expect(page.locator("#certificate-status")).to_contain_text("đúng MST")

    # The parent company's certificate is refused by the server, with its code.
    options = page.locator("#certificate-select option")
    parent_index = next(
        i for i in range(options.count()) if "MST 0109234567 " in options.nth(i).inner_text()
    )
    page.select_option("#certificate-select", str(parent_index))
    expect(page.locator("#certificate-status")).to_contain_text("không phải MST")
    page.fill("#pin", PIN)
    page.click("#save-token")
    expect(page.locator("#save-status")).to_contain_text("IDN001", timeout=20_000)
    assert page.input_value("#pin") == ""
    shot(page, "ivan-5-mst-mismatch")
    assert not SignatureSetup.objects.filter(unit=unit).exists()

    # The branch's own certificate is saved.
    branch_index = next(i for i in range(options.count()) if BRANCH in options.nth(i).inner_text())
    page.select_option("#certificate-select", str(branch_index))
    page.fill("#pin", PIN)
    page.click("#save-token")
    expect(page.locator("#current-signature")).to_be_visible(timeout=20_000)
    expect(page.locator("#current-subject")).to_contain_text(f"MST:{BRANCH}")
    expect(page.locator("#current-validity")).to_contain_text("từ ")
    expect(page.locator(".messages")).to_contain_text("Đã lưu chứng thư số")
    expect(page.locator(".checklist [data-step=signature]")).to_have_class("step step-done")
    shot(page, "ivan-6-signature-saved")

    setup = SignatureSetup.objects.get(unit=unit)
    assert setup.method == SigningMethod.TOKEN
    assert setup.certificate_tax_code == BRANCH
    assert setup.fingerprint_sha256 == demo_pki.entity("sao-mai-hcm").fingerprint_sha256
    signed = [e for e in agent.events if e.kind == "sign"]
    assert [e.result for e in signed] == ["OK", "OK"]  # the refused one was signed, then checked
    assert all("Sao Mai tại TP. Hồ Chí Minh" in e.description for e in signed)

    # The other main pages.
    page.click("text=Đơn vị")
    expect(page.locator(f".unit-card[data-unit='{unit.pk}'] [data-step=register]")).to_have_class(
        "step step-current"
    )
    shot(page, "ivan-7-units-checklist")
    page.goto(live_server.url + reverse("ivan:org_tree"))
    expect(page.locator(".org-tree li")).to_have_count(3)
    shot(page, "ivan-8-org-structure")
    page.goto(live_server.url + reverse("ivan:settings"))
    shot(page, "ivan-9-settings")
