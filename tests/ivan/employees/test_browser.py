"""Lấy lao động in headless Chromium over a live server: the I-VAN reaches the real gateway
at live_server.url + "/gateway/v1/" (`live_ivan_gateway`). The admin opens Lao động, fetches
Sao Mai's employees, searches without diacritics, then follows a second fetch's progress until
the page reloads.

The page's timers are Playwright's fake clock while the second fetch runs in the test thread,
so no poll reaches the server at the same time (on SQLite the live server shares the test's
single in-memory connection). The browser from tests/support/browser.py; screenshots:
test-artifacts/screenshots/ivan-employees-*.png.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, expect

from ebhxh.agency.gateway.models import Dossier
from ebhxh.agency.registrations.models import EserviceRegistration
from ebhxh.ivan import services as ivan_services
from ebhxh.ivan.employees import services
from ebhxh.ivan.employees.models import EmployeeFetch, FetchStatus
from ebhxh.ivan.gateway import gateway_client
from ebhxh.ivan.models import Company, Membership, Role
from ebhxh.pki.demo import DemoPki
from tests.agency.registrations import support
from tests.ivan.conftest import SAO_MAI, make_active, make_user, unit_input
from tests.ivan.employees.conftest import seed_agency_unit
from tests.ivan.gateway_support import live_ivan_gateway_fixture  # noqa: F401
from tests.support.browser import browser_fixture, shot  # noqa: F401

PASSWORD = "mat-khau-thu-nghiem"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def _activate_at_agency(pki: DemoPki) -> None:
    """Sao Mai's 04/ĐK-IVAN through the real intake, activated with the emailed code."""
    with gateway_client() as client:
        result = client.submit(
            support.registration_envelope(pki, ivan="ivan-misa"),
            message_id=f"T-{uuid.uuid4().hex}",
        )
    registration = EserviceRegistration.objects.get(
        dossier=Dossier.objects.get(number=result.number)
    )
    body = {"dossier_number": result.number, "code": support.latest_code(registration)}
    with gateway_client() as client:
        assert client.post("activations", json_body=body).status_code == 200


@pytest.mark.usefixtures("live_ivan_gateway")
def test_fetch_search_and_follow_the_progress(
    browser: Browser, live_server, demo_pki: DemoPki, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_agency_unit()
    _activate_at_agency(demo_pki)
    company = Company.objects.create(name="Công ty Cổ phần Sao Mai", tax_code=SAO_MAI)
    user = make_user("saomai.admin")
    admin = Membership.objects.create(company=company, user=user, role=Role.ADMIN)
    unit = make_active(
        ivan_services.unit_create(by=admin, data=unit_input()),
        demo_pki.entity("sao-mai-vnpt").fingerprint_sha256,
    )
    pending = ivan_services.unit_create(
        by=admin, data=unit_input(name="Chi nhánh Sao Mai", tax_code="0109234567-001")
    )

    page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("ivan:login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("ivan:employees"))
    rows = page.locator("#employee-units tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator(f"tr[data-unit='{pending.pk}']")).to_contain_text(
        "Cần đăng ký dịch vụ trước"
    )
    shot(page, "ivan-employees-1-units")

    # Lấy lao động: the task runs, the gateway answers, the list is there.
    page.click(f"tr[data-unit='{unit.pk}'] a")
    expect(page.locator(".card.empty")).to_contain_text("Chưa có danh sách lao động")
    page.click("#fetch-button")
    expect(page.locator("#employee-count")).to_have_text("Tổng số 4 lao động.")
    expect(page.locator("#employees tbody tr")).to_have_count(4)
    expect(page.locator("#fetched-at")).to_contain_text("Lấy từ BHXH lúc")
    expect(page.locator("#fetch-button")).to_have_text("Cập nhật ngay")
    shot(page, "ivan-employees-2-list")

    # Search without diacritics.
    page.fill("#q", "nguyen van")
    page.click("#employee-search button[type=submit]")
    expect(page.locator("#employee-count")).to_have_text("Tìm thấy 2 lao động (trong tổng số 4).")
    expect(page.locator("#employees td.name")).to_have_text(["Nguyễn Văn An", "Nguyễn Văn Bình"])
    shot(page, "ivan-employees-3-search")

    # "Cập nhật ngay" with the task held back: the page shows progress and polls.
    queued: list[int] = []
    monkeypatch.setattr(services, "_enqueue", queued.append)
    page.clock.install()
    page.click("#fetch-button")
    expect(page.locator("#fetch-progress")).to_be_visible()
    expect(page.locator("#fetch-message")).to_have_text(
        "Đang gửi yêu cầu lấy lao động tới cổng BHXH…"
    )
    expect(page.locator("#fetch-button")).to_be_disabled()
    shot(page, "ivan-employees-4-progress")
    [fetch_id] = queued
    assert services.employee_fetch_run(fetch_id=fetch_id).status == FetchStatus.SUCCEEDED
    page.clock.run_for(2000)  # the poll sees the fetch done and reloads the page
    expect(page.locator("#fetch-progress")).to_be_hidden()
    expect(page.locator("#fetch-button")).to_be_enabled()
    expect(page.locator("#employee-count")).to_have_text("Tổng số 4 lao động.")
    assert EmployeeFetch.objects.filter(unit=unit, status=FetchStatus.SUCCEEDED).count() == 2
    shot(page, "ivan-employees-5-updated")
    page.close()
