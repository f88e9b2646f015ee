"""The officer console for Mẫu 01: staff officers only, scoped to their office; search,
filters, the overdue flag, accept and refuse through the pages."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse

from ebhxh.agency.portal import services
from ebhxh.agency.portal.models import RegistrationStatus
from ebhxh.audit.models import AuditRecord
from ebhxh.notifications.models import Channel
from ebhxh.vntime import VIETNAM_TZ
from tests.agency.portal import support

pytestmark = pytest.mark.django_db


def declared(**changes):
    return services.registration_declare(
        declaration=support.declaration(**changes), reception_agency=support.BA_DINH
    )


def test_anonymous_and_non_staff_go_to_the_staff_login(client, django_user_model):
    url = reverse("portal:officer_reception")
    assert "/admin/login/" in client.get(url)["Location"]
    client.force_login(django_user_model.objects.create_user("dan"))
    assert "/admin/login/" in client.get(url)["Location"]


def test_staff_without_an_office_are_told_so(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("quantri", is_staff=True))
    response = client.get(reverse("portal:officer_home"))
    assert response.status_code == 403
    assert "chưa được gán làm cán bộ" in response.content.decode()


def test_the_officer_finds_a_declaration_by_cccd_or_tracking_number(client, officer):
    registration = declared()
    other = declared(**support.DUC)
    client.force_login(officer.user)
    url = reverse("portal:officer_reception")
    html = client.get(url).content.decode()
    assert registration.tracking_number in html and other.tracking_number in html
    html = client.get(url, {"q": "0011 9001 2345"}).content.decode()
    assert registration.tracking_number in html and other.tracking_number not in html
    html = client.get(url, {"q": other.tracking_number.lower()}).content.decode()
    assert other.tracking_number in html and registration.tracking_number not in html


def test_another_office_sees_nothing_and_cannot_open_it(client, officer):
    registration = declared()
    elsewhere = support.officer("canbo.hoankiem", agency="01002")
    client.force_login(elsewhere.user)
    assert (
        registration.tracking_number
        not in client.get(reverse("portal:officer_reception")).content.decode()
    )
    detail = reverse("portal:officer_detail", args=[registration.tracking_number])
    assert client.get(detail).status_code == 404
    accept = reverse("portal:officer_accept", args=[registration.tracking_number])
    assert client.post(accept).status_code == 404
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.DECLARED


def test_the_detail_compares_with_the_registry_and_accepting_notifies(
    client, officer, huong, django_capture_on_commit_callbacks
):
    registration = declared()
    client.force_login(officer.user)
    detail = reverse("portal:officer_detail", args=[registration.tracking_number])
    html = client.get(detail).content.decode()
    assert "Đối chiếu với dữ liệu BHXH" in html and html.count(">Khớp<") == 5
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:officer_accept", args=[registration.tracking_number])
        )
    assert response["Location"] == detail
    page = client.get(detail).content.decode()
    assert "Đã chấp nhận tờ khai" in page and "001190012345" in page
    assert sorted(m.channel for m in support.outbox("portal_registration_accepted")) == [
        Channel.EMAIL,
        Channel.SMS,
    ]
    record = AuditRecord.objects.get(action="portal.registration_accepted")
    assert record.actor == f"officer:{officer.user.pk}:canbo.badinh"


def test_a_mismatch_shows_and_accepting_is_refused(client, officer, huong):
    registration = declared(full_name="Nguyễn Thị Hường")
    client.force_login(officer.user)
    detail = reverse("portal:officer_detail", args=[registration.tracking_number])
    html = client.get(detail).content.decode()
    assert 'class="differs">Khác<' in html and 'id="accept" disabled' in html
    client.post(reverse("portal:officer_accept", args=[registration.tracking_number]))
    assert "không khớp với dữ liệu BHXH (họ và tên)" in client.get(detail).content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.DECLARED


def test_refusing_needs_a_reason_and_sends_it(client, officer, django_capture_on_commit_callbacks):
    registration = declared()
    client.force_login(officer.user)
    refuse = reverse("portal:officer_refuse", args=[registration.tracking_number])
    response = client.post(refuse, {"reason": ""})
    assert response.status_code == 400 and "Ghi rõ lý do" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(refuse, {"reason": "Ảnh trên thẻ căn cước không phải người nộp."})
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REFUSED
    assert support.sms_to("+84912345678", "portal_registration_refused")


def test_the_counter_officer_enters_a_paper_form_and_sees_the_due_date(client, officer):
    client.force_login(officer.user)
    data = {**support.HUONG, "received_on": "2026-02-13"}
    with time_machine.travel(datetime(2026, 2, 13, 15, 0, tzinfo=VIETNAM_TZ), tick=False):
        response = client.post(reverse("portal:officer_counter_new"), data)
        assert response.status_code == 302
        html = client.get(response["Location"]).content.decode()
    assert "25/02/2026" in html  # three working days after Tết
    with time_machine.travel(datetime(2026, 2, 26, 8, 0, tzinfo=VIETNAM_TZ), tick=False):
        queue = client.get(reverse("portal:officer_counter"), {"overdue": "on"}).content.decode()
        assert "quá hạn" in queue and 'class="is-overdue"' in queue
        home = client.get(reverse("portal:officer_home")).content.decode()
        assert "1 quá hạn" in home


def test_a_bad_paper_form_writes_nothing_and_shows_codes(client, officer):
    client.force_login(officer.user)
    response = client.post(
        reverse("portal:officer_counter_new"),
        {**support.HUONG, "insurance_number": "12", "received_on": date.today().isoformat()},
    )
    assert response.status_code == 200 and 'data-code="BHXH_LENGTH"' in response.content.decode()
    from ebhxh.agency.portal.models import IndividualRegistration

    assert not IndividualRegistration.objects.exists()
