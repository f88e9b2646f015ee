"""Lấy lao động (seed 000 §II.3.5) against the real gateway: who may fetch, what is kept,
and that a failed fetch leaves the previous list as it was."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ebhxh.agency.registry.models import Employment, InsuredPerson
from ebhxh.audit.models import AuditRecord
from ebhxh.core.errors import IllegalTransition
from ebhxh.ivan import gateway
from ebhxh.ivan.employees import selectors, services
from ebhxh.ivan.employees.models import FETCH_TRANSITIONS, Employee, EmployeeFetch, FetchStatus
from ebhxh.ivan.models import Membership, Unit
from ebhxh.ivan.permissions import NotAllowed
from tests.ivan.conftest import unit_input
from tests.ivan.employees.conftest import CURRENT

pytestmark = pytest.mark.django_db


def _numbers(unit: Unit) -> list[str]:
    return sorted(Employee.objects.filter(unit=unit).values_list("insurance_number", flat=True))


def test_an_active_unit_fetches_its_current_employees(
    admin: Membership, sao_mai: Unit, activate_at_agency, run_fetch
) -> None:
    activate_at_agency("ivan-misa")
    before = timezone.now()
    fetch = run_fetch(admin, sao_mai)

    assert fetch.status == FetchStatus.SUCCEEDED
    assert (fetch.count, fetch.received, fetch.percent) == (4, 4, 100)
    assert _numbers(sao_mai) == [person[1] for person in CURRENT]  # who left is not there
    an = Employee.objects.get(unit=sao_mai, insurance_number="0123000001")
    assert (an.full_name, an.citizen_id, an.gender, an.search_name) == (
        "Nguyễn Văn An",
        "001090000001",
        "male",
        "nguyen van an",
    )
    assert (an.birth_date.isoformat(), an.position, an.salary) == (
        "1990-01-01",
        "Nhân viên",
        8_000_001,
    )
    assert an.start_date is not None and an.end_date is None
    assert Employee.objects.get(insurance_number="0123000004").citizen_id == ""
    sao_mai.refresh_from_db()
    assert sao_mai.employees_fetched_at is not None and sao_mai.employees_fetched_at >= before
    record = AuditRecord.objects.get(action="ivan.employees.fetched")
    assert record.data["count"] == 4


def test_pages_are_followed_and_progress_is_saved(
    admin: Membership, sao_mai: Unit, activate_at_agency, run_fetch, monkeypatch
) -> None:
    activate_at_agency("ivan-misa")
    monkeypatch.setattr(services, "PAGE_SIZE", 1)
    seen: list[tuple[int, int, int]] = []
    real = services._progress

    def spy(fetch: EmployeeFetch, **kw: int) -> None:
        real(fetch, **kw)
        stored = EmployeeFetch.objects.get(pk=fetch.pk)
        seen.append((stored.pages_done, stored.pages_total, stored.received))

    monkeypatch.setattr(services, "_progress", spy)
    fetch = run_fetch(admin, sao_mai)
    assert fetch.status == FetchStatus.SUCCEEDED
    assert seen == [(1, 4, 1), (2, 4, 2), (3, 4, 3), (4, 4, 4)]
    assert len(_numbers(sao_mai)) == 4


def test_a_refetch_replaces_the_list(
    admin: Membership, sao_mai: Unit, activate_at_agency, run_fetch, agency_unit
) -> None:
    activate_at_agency("ivan-misa")
    run_fetch(admin, sao_mai)
    Employment.objects.filter(person__insurance_number="0123000002").update(
        end_date=timezone.localdate() - timedelta(days=1)
    )
    newcomer = InsuredPerson.objects.create(
        insurance_number="0123000009",
        citizen_id="001095000009",
        full_name="Đỗ Minh Quân",
        birth_date=timezone.localdate().replace(year=1995),
        gender="male",
    )
    Employment.objects.create(
        unit=agency_unit,
        person=newcomer,
        position="Kỹ sư",
        salary=12_000_000,
        start_date=timezone.localdate(),
    )
    second = run_fetch(admin, sao_mai)
    assert second.status == FetchStatus.SUCCEEDED
    assert _numbers(sao_mai) == ["0123000001", "0123000003", "0123000004", "0123000009"]
    assert Employee.objects.get(insurance_number="0123000009").full_name == "Đỗ Minh Quân"
    assert Employee.objects.filter(unit=sao_mai).count() == 4  # replaced, not added


def test_another_ivans_unit_is_refused_with_the_gateways_code(
    admin: Membership, sao_mai: Unit, activate_at_agency, run_fetch
) -> None:
    """Active here in the I-VAN's own records, but BHXH has it active with VNPT: AUT002."""
    activate_at_agency("ivan-vnpt")
    fetch = run_fetch(admin, sao_mai)
    assert fetch.status == FetchStatus.FAILED
    assert fetch.error_code == "AUT002"
    assert "Thông tin sử dụng dịch vụ" in fetch.error_message
    assert Employee.objects.count() == 0
    sao_mai.refresh_from_db()
    assert sao_mai.employees_fetched_at is None
    assert AuditRecord.objects.filter(action="ivan.employees.fetch_failed").count() == 1


def test_a_failed_fetch_leaves_the_previous_list_intact(
    admin: Membership, sao_mai: Unit, activate_at_agency, run_fetch, monkeypatch
) -> None:
    activate_at_agency("ivan-misa")
    first = run_fetch(admin, sao_mai)
    sao_mai.refresh_from_db()
    fetched_at = sao_mai.employees_fetched_at
    # The second page fails: the first page's rows must not replace anything.
    monkeypatch.setattr(services, "PAGE_SIZE", 2)
    real_page = services._page

    def broken_second_page(client: Any, unit_code: str, page: int) -> dict[str, Any]:
        body = real_page(client, unit_code, page)
        if page == 2:
            body["results"][0]["birth_date"] = "31/02/1990"
        return body

    monkeypatch.setattr(services, "_page", broken_second_page)
    second = run_fetch(admin, sao_mai)
    assert (first.status, second.status) == (FetchStatus.SUCCEEDED, FetchStatus.FAILED)
    assert second.error_code == "EMP_BAD_RESPONSE"
    assert second.pages_done == 1  # progress up to the failure
    assert _numbers(sao_mai) == [person[1] for person in CURRENT]
    sao_mai.refresh_from_db()
    assert sao_mai.employees_fetched_at == fetched_at


def test_an_unreachable_gateway_is_a_failed_fetch_not_an_error(
    admin: Membership, sao_mai: Unit, activate_at_agency, run_fetch, settings
) -> None:
    activate_at_agency("ivan-misa")
    gateway.use_transport(None)
    settings.IVAN_GATEWAY_URL = "http://127.0.0.1:9/gateway/v1/"  # nothing listens on port 9
    fetch = run_fetch(admin, sao_mai)
    assert fetch.status == FetchStatus.FAILED
    assert fetch.error_code == "IVAN_GATEWAY_UNAVAILABLE"
    assert "Không kết nối được" in fetch.error_message


def test_only_an_active_unit_may_fetch(admin: Membership, ivan_gateway) -> None:
    from ebhxh.ivan import services as ivan_services

    unit = ivan_services.unit_create(by=admin, data=unit_input())
    with pytest.raises(services.EmployeeFetchRefused) as caught:
        services.employee_fetch_start(by=admin, unit=unit)
    assert caught.value.code == "EMP_NOT_ACTIVE"
    assert "Chưa đăng ký" in caught.value.message
    assert not EmployeeFetch.objects.exists()


def test_a_signer_without_prepare_may_not_fetch(member, sao_mai: Unit, activate_at_agency) -> None:
    with pytest.raises(NotAllowed):
        services.employee_fetch_start(by=member("signer"), unit=sao_mai)


def test_a_second_click_joins_the_running_fetch(admin: Membership, sao_mai: Unit) -> None:
    first = services.employee_fetch_start(by=admin, unit=sao_mai)  # not committed: stays queued
    again = services.employee_fetch_start(by=admin, unit=sao_mai)
    assert again.pk == first.pk
    EmployeeFetch.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - services.STALE_AFTER - timedelta(seconds=1)
    )
    fresh = services.employee_fetch_start(by=admin, unit=sao_mai)
    assert fresh.pk != first.pk
    first.refresh_from_db()
    assert (first.status, first.error_code) == (FetchStatus.FAILED, "EMP_STALE")


def test_the_fetch_state_machine() -> None:
    assert FETCH_TRANSITIONS.allowed("queued") == {"running", "failed"}
    assert FETCH_TRANSITIONS.allowed("running") == {"succeeded", "failed"}
    with pytest.raises(IllegalTransition):
        FETCH_TRANSITIONS.check("succeeded", "running")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("insurance_number", "12345"),
        ("citizen_id", "0011"),
        ("gender", "unknown"),
        ("full_name", " "),
        ("salary", "nhiều"),
        ("birth_date", None),
    ],
)
def test_a_malformed_row_is_refused(field: str, value: Any) -> None:
    row = {
        "insurance_number": "0123000001",
        "citizen_id": "001090000001",
        "full_name": "Nguyễn Văn An",
        "birth_date": "1990-01-01",
        "gender": "male",
        "position": "",
        "salary": 1,
        "start_date": "2023-01-01",
        "end_date": None,
    }
    assert services.parse_row(row).full_name == "Nguyễn Văn An"
    row[field] = value
    with pytest.raises(services.FetchFailed) as caught:
        services.parse_row(row)
    assert caught.value.code == "EMP_BAD_RESPONSE"


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nguyen van", ["Nguyễn Văn An", "Nguyễn Văn Bình"]),
        ("NGUYỄN VĂN BÌNH", ["Nguyễn Văn Bình"]),
        ("duc anh", ["Lê Đức Anh"]),
        ("0123000003", ["Trần Thị Hương"]),
        ("001090000002", ["Nguyễn Văn Bình"]),
        ("huong tran", ["Trần Thị Hương"]),
        ("khong co ai", []),
        ("", ["Lê Đức Anh", "Nguyễn Văn An", "Nguyễn Văn Bình", "Trần Thị Hương"]),
    ],
)
def test_search_ignores_case_and_diacritics(
    admin: Membership,
    sao_mai: Unit,
    activate_at_agency,
    run_fetch,
    query: str,
    expected: list[str],
) -> None:
    activate_at_agency("ivan-misa")
    run_fetch(admin, sao_mai)
    found = [e.full_name for e in selectors.employees_of(sao_mai, query)]
    assert found == expected


# --- pages ----------------------------------------------------------------------------------


def test_the_pages_show_list_search_count_and_fetch_time(
    client, admin: Membership, sao_mai: Unit, activate_at_agency, run_fetch
) -> None:
    activate_at_agency("ivan-misa")
    client.force_login(admin.user)
    overview = client.get(reverse("ivan:employees")).content.decode()
    assert "Lấy lao động" in overview and "Chưa lấy" in overview
    run_fetch(admin, sao_mai)
    page = client.get(reverse("ivan:employees_unit", args=[sao_mai.pk])).content.decode()
    assert "Tổng số 4 lao động." in page
    assert "Lấy từ BHXH lúc" in page and "Cập nhật ngay" in page
    found = client.get(reverse("ivan:employees_unit", args=[sao_mai.pk]), {"q": "nguyen van"})
    text = found.content.decode()
    assert "Tìm thấy 2 lao động (trong tổng số 4)." in text
    assert "Nguyễn Văn Bình" in text and "Trần Thị Hương" not in text
    overview = client.get(reverse("ivan:employees")).content.decode()
    assert 'class="employee-count">4<' in overview


def test_the_list_is_paginated(
    client, admin: Membership, sao_mai: Unit, activate_at_agency, run_fetch, monkeypatch
) -> None:
    from ebhxh.ivan.employees import views

    activate_at_agency("ivan-misa")
    run_fetch(admin, sao_mai)
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    client.force_login(admin.user)
    url = reverse("ivan:employees_unit", args=[sao_mai.pk])
    first = client.get(url).content.decode()
    second = client.get(url, {"page": "2"}).content.decode()
    assert "Trang 1/2" in first and "Trần Thị Hương" not in first
    assert "Trang 2/2" in second and "Trần Thị Hương" in second


def test_fetch_button_and_status_json(
    client, admin: Membership, sao_mai: Unit, activate_at_agency, django_capture_on_commit_callbacks
) -> None:
    activate_at_agency("ivan-misa")
    client.force_login(admin.user)
    url = reverse("ivan:employees_fetch", args=[sao_mai.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    fetch = EmployeeFetch.objects.get()
    status = client.get(reverse("ivan:employees_fetch_status", args=[fetch.pk])).json()
    assert status["status"] == "succeeded" and status["done"] is True
    assert status["message"] == "Đã lấy xong 4 lao động từ BHXH."
    assert (status["received"], status["count"], status["percent"]) == (4, 4, 100)


def test_the_refusal_is_shown_with_its_code(
    client, admin: Membership, sao_mai: Unit, activate_at_agency, run_fetch
) -> None:
    activate_at_agency("ivan-vnpt")
    run_fetch(admin, sao_mai)
    client.force_login(admin.user)
    page = client.get(reverse("ivan:employees_unit", args=[sao_mai.pk])).content.decode()
    assert "Không lấy được lao động từ BHXH." in page
    assert '<code class="error-code">AUT002</code>' in page


def test_an_inactive_unit_gets_a_clear_message(client, admin: Membership, ivan_gateway) -> None:
    from ebhxh.ivan import services as ivan_services

    unit = ivan_services.unit_create(by=admin, data=unit_input())
    client.force_login(admin.user)
    response = client.post(reverse("ivan:employees_fetch", args=[unit.pk]), follow=True)
    text = response.content.decode()
    assert "chưa sử dụng dịch vụ BHXH điện tử" in text
    assert 'id="fetch-button"' not in text
    assert not EmployeeFetch.objects.exists()


def test_another_companys_unit_and_fetch_are_not_found(
    client, member, sao_mai: Unit, admin: Membership
) -> None:
    from ebhxh.ivan.models import Company, Role

    other = Company.objects.create(name="Công ty khác", tax_code="0100109106")
    stranger = member(Role.ADMIN, "la", in_company=other)
    fetch = services.employee_fetch_start(by=admin, unit=sao_mai)
    client.force_login(stranger.user)
    assert client.get(reverse("ivan:employees_unit", args=[sao_mai.pk])).status_code == 404
    assert client.get(reverse("ivan:employees_fetch_status", args=[fetch.pk])).status_code == 404
    assert client.post(reverse("ivan:employees_fetch", args=[sao_mai.pk])).status_code == 404
