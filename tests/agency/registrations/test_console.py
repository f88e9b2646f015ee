"""The officer console: scoping by agency, queues and filters, decisions through the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ebhxh.agency.registrations.models import UnitCodeRequest, UnitCodeRequestStatus
from ebhxh.agency.registry.models import Unit
from ebhxh.audit.models import AuditRecord
from ebhxh.notifications.models import OutboxMessage
from tests.agency.registrations.test_first_time import submit_and_activate
from tests.agency.registrations.test_register import register_and_activate

pytestmark = pytest.mark.django_db

QUEUE = "agency:registrations:officer_requests"
DETAIL = "agency:registrations:officer_request"
APPROVE = "agency:registrations:officer_request_approve"
REJECT = "agency:registrations:officer_request_reject"


@pytest.fixture
def awaiting(gateway):
    return submit_and_activate(gateway)[1]


def login(client, officer):
    client.force_login(officer.user)
    return client


def test_console_requires_a_staff_login(client, django_user_model):
    response = client.get(reverse(QUEUE))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    staff = django_user_model.objects.create_user("nhanvien", is_staff=True)
    client.force_login(staff)
    response = client.get(reverse(QUEUE))
    assert response.status_code == 403
    assert "chưa được gán cơ quan BHXH" in response.content.decode()


def test_local_and_provincial_officers_see_the_request(client, awaiting, officers):
    for key in ("hanoi_local", "hanoi"):
        html = login(client, officers[key]).get(reverse(QUEUE)).content.decode()
        assert awaiting.dossier.number in html, key
        assert client.get(reverse(DETAIL, args=[awaiting.pk])).status_code == 200


def test_an_officer_of_another_province_can_neither_see_nor_decide(client, awaiting, officers):
    login(client, officers["cantho"])
    assert awaiting.dossier.number not in client.get(reverse(QUEUE)).content.decode()
    assert client.get(reverse(DETAIL, args=[awaiting.pk])).status_code == 404
    assert client.post(reverse(APPROVE, args=[awaiting.pk]), {}).status_code == 404
    response = client.post(reverse(REJECT, args=[awaiting.pk]), {"reason": "Không thuộc địa bàn"})
    assert response.status_code == 404
    awaiting.refresh_from_db()
    assert awaiting.status == UnitCodeRequestStatus.AWAITING_REVIEW


def test_queue_filters_by_status_and_search(client, awaiting, officers):
    login(client, officers["hanoi"])
    hit = client.get(reverse(QUEUE), {"status": "awaiting_review", "search": "0109123"})
    assert awaiting.dossier.number in hit.content.decode()
    miss = client.get(reverse(QUEUE), {"status": "approved"})
    assert awaiting.dossier.number not in miss.content.decode()
    other_province = client.get(reverse(QUEUE), {"province": "92"})
    assert awaiting.dossier.number not in other_province.content.decode()
    bad_dates = client.get(reverse(QUEUE), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert "Ngày kết thúc phải sau ngày bắt đầu." in bad_dates.content.decode()


def test_approve_through_the_page_issues_the_code(client, awaiting, officers):
    login(client, officers["hanoi_local"])
    response = client.post(
        reverse(APPROVE, args=[awaiting.pk]),
        {"target_group": "DN", "business_type": "a03"},
        follow=True,
    )
    awaiting.refresh_from_db()
    assert awaiting.unit_code == "0109123458DNA03"
    assert "Đã cấp mã đơn vị 0109123458DNA03" in response.content.decode()
    record = AuditRecord.objects.get(action="registrations.unit_code_approved")
    assert record.actor.startswith(f"user:{officers['hanoi_local'].user.pk}:")


def test_reject_needs_a_reason_and_then_emails_it(client, awaiting, officers):
    login(client, officers["hanoi"])
    empty = client.post(reverse(REJECT, args=[awaiting.pk]), {"reason": "  "})
    assert empty.status_code == 400
    assert 'id="id_reason-error"' in empty.content.decode()

    client.post(reverse(REJECT, args=[awaiting.pk]), {"reason": "Thiếu giấy phép kinh doanh."})

    awaiting.refresh_from_db()
    assert awaiting.status == UnitCodeRequestStatus.REJECTED
    email = OutboxMessage.objects.get(template="registration_unit_code_rejected")
    assert "Thiếu giấy phép kinh doanh." in email.body_text


def test_a_second_decision_is_refused_with_a_clear_message(client, awaiting, officers):
    login(client, officers["hanoi"])
    client.post(
        reverse(APPROVE, args=[awaiting.pk]), {"target_group": "DN", "business_type": "A03"}
    )
    response = client.post(
        reverse(REJECT, args=[awaiting.pk]), {"reason": "Nhầm hồ sơ"}, follow=True
    )
    assert "không quyết định lại được" in response.content.decode()
    assert UnitCodeRequest.objects.get().status == UnitCodeRequestStatus.APPROVED
    assert not OutboxMessage.objects.filter(template="registration_unit_code_rejected").exists()


def test_registrations_queue_is_scoped_too(client, gateway, sao_mai, officers):
    _, registration = register_and_activate(gateway)
    url = reverse("agency:registrations:officer_registrations")
    detail = reverse("agency:registrations:officer_registration", args=[registration.pk])

    html = login(client, officers["hanoi"]).get(url).content.decode()
    assert sao_mai.unit_code in html
    assert client.get(detail).status_code == 200
    assert client.get(url, {"channel": "portal"}).content.decode().count(sao_mai.unit_code) == 0

    login(client, officers["cantho"])
    assert sao_mai.unit_code not in client.get(url).content.decode()
    assert client.get(detail).status_code == 404


def test_overview_links_to_the_queues_with_the_count(client, awaiting, officers):
    html = login(client, officers["hanoi"]).get(reverse("agency:officer")).content.decode()
    assert reverse(QUEUE) in html
    assert "chờ xét duyệt" in html


def test_a_code_already_issued_asks_for_another_business_type(client, awaiting, officers):
    """A branch (MST 0109123458-001) may already hold 0109123458DNA03."""
    branch = Unit.objects.create(
        unit_code="0109123458DNA03",
        tax_code="0109123458-001",
        name="Chi nhánh",
        address="Hà Nội",
        province_id="01",
        managing_agency_id="01001",
    )
    login(client, officers["hanoi"])
    clash = client.post(
        reverse(APPROVE, args=[awaiting.pk]), {"target_group": "DN", "business_type": "A03"}
    )
    assert clash.status_code == 409
    html = clash.content.decode()
    assert 'id="id_business_type-error"' in html and branch.unit_code in html

    client.post(
        reverse(APPROVE, args=[awaiting.pk]), {"target_group": "DN", "business_type": "A04"}
    )
    awaiting.refresh_from_db()
    assert awaiting.unit_code == "0109123458DNA04"
