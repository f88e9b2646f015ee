"""HSDKLanDau (TK3-TS): a unit without a unit code asks for one (seed 000 §I)."""

from __future__ import annotations

import pytest

from ebhxh.agency.gateway.models import DossierStatus
from ebhxh.agency.registrations import services
from ebhxh.agency.registrations.models import (
    EserviceRegistration,
    RegistrationStatus,
    UnitCodeRequest,
    UnitCodeRequestStatus,
)
from ebhxh.agency.registry.models import Unit
from ebhxh.core.errors import DomainError
from ebhxh.identifiers import parse_unit_code
from ebhxh.notifications.models import OutboxMessage
from tests.agency.registrations import support

pytestmark = pytest.mark.django_db


def submit_and_activate(gateway, **options):
    dossier = gateway.submit(support.first_time_envelope(gateway.pki, **options))
    request = UnitCodeRequest.objects.get(dossier=dossier)
    response = gateway.post(
        "activations", {"dossier_number": dossier.number, "code": support.latest_code(request)}
    )
    assert response.status_code == 200, response.json()
    request.refresh_from_db()
    return dossier, request


def test_request_is_activated_then_waits_for_an_officer(gateway):
    dossier = gateway.submit(support.first_time_envelope(gateway.pki))

    assert dossier.status == DossierStatus.PENDING
    request = UnitCodeRequest.objects.get(dossier=dossier)
    assert request.status == UnitCodeRequestStatus.PENDING_ACTIVATION
    assert request.managing_agency_id == "01001" and request.province_id == "01"
    email = OutboxMessage.objects.get(template="registration_unit_code_activation")
    assert email.recipient == "giamdoc@hoabinh.vn" and "24 giờ" in email.body_text

    response = gateway.post(
        "activations", {"dossier_number": dossier.number, "code": support.latest_code(request)}
    )

    assert response.json()["status"] == "awaiting_review"
    request.refresh_from_db()
    dossier.refresh_from_db()
    assert request.status == UnitCodeRequestStatus.AWAITING_REVIEW
    assert dossier.status == DossierStatus.PENDING
    assert "chờ cán bộ BHXH xét duyệt" in dossier.events.order_by("-pk").first().message


def test_province_not_enabled_is_refused_with_reg008(gateway):
    dossier = gateway.submit(
        support.first_time_envelope(gateway.pki, province="79", agency="79001")
    )
    assert (dossier.status, dossier.result_code) == (DossierStatus.REJECTED, "REG008")
    assert dossier.result_xpath == "/ToKhaiTK3TS/MaTinh"
    assert not UnitCodeRequest.objects.exists()


def test_an_operator_can_enable_more_provinces(gateway, settings):
    settings.REGISTRATION_FIRST_TIME_PROVINCES = ["01", "79"]
    dossier = gateway.submit(
        support.first_time_envelope(gateway.pki, province="79", agency="79001")
    )
    assert dossier.status == DossierStatus.PENDING


def test_approval_issues_a_2025_unit_code_creates_the_unit_and_emails_it(gateway, officers):
    dossier, request = submit_and_activate(gateway)

    services.unit_code_approve(request=request, officer=officers["hanoi_local"])

    request.refresh_from_db()
    dossier.refresh_from_db()
    code = parse_unit_code(request.unit_code)
    assert code.kind == "2025"
    assert (code.enterprise_number, code.target_group, code.business_type) == (
        support.HOA_BINH_TAX,
        "DN",
        "A03",
    )
    assert request.status == UnitCodeRequestStatus.APPROVED
    assert request.decided_by == officers["hanoi_local"] and request.decided_at
    unit = Unit.objects.get(unit_code=request.unit_code)
    assert (unit.tax_code, unit.managing_agency_id) == (support.HOA_BINH_TAX, "01001")
    assert (dossier.status, dossier.result["unit_code"]) == (DossierStatus.ACCEPTED, code.value)
    email = OutboxMessage.objects.get(template="registration_unit_code_approved")
    assert email.recipient == "giamdoc@hoabinh.vn" and code.value in email.body_text
    assert "Cập nhật" in email.body_text
    # The filing I-VAN now holds the unit's registration, so "Cập nhật" (05/SD-IVAN) works.
    registration = EserviceRegistration.objects.get(unit=unit)
    assert registration.status == RegistrationStatus.ACTIVE
    assert registration.ivan.provider_id == "00110"


def test_after_approval_the_unit_files_the_change_with_its_new_code(gateway, officers):
    _, request = submit_and_activate(gateway)
    services.unit_code_approve(request=request, officer=officers["hanoi"])
    request.refresh_from_db()
    unit = {"unit_code": request.unit_code, "tax_code": support.HOA_BINH_TAX}

    change = gateway.submit(support.change_envelope(gateway.pki, unit=unit, signer_slug="hoa-binh"))

    assert change.status == DossierStatus.ACCEPTED, change.result_message


def test_rejection_emails_the_reason_and_register_again_works(gateway, officers):
    first, request = submit_and_activate(gateway)

    services.unit_code_reject(
        request=request, officer=officers["hanoi_local"], reason="Địa chỉ trụ sở chưa đúng."
    )

    first.refresh_from_db()
    assert (first.status, first.result_code) == (DossierStatus.REJECTED, "REG009")
    assert "Địa chỉ trụ sở chưa đúng." in first.result_message
    email = OutboxMessage.objects.get(template="registration_unit_code_rejected")
    assert "Địa chỉ trụ sở chưa đúng." in email.body_text and "Đăng ký lại" in email.body_text

    _, second = submit_and_activate(gateway)

    assert second.previous == request
    assert second.status == UnitCodeRequestStatus.AWAITING_REVIEW
    services.unit_code_approve(request=second, officer=officers["hanoi_local"])
    second.refresh_from_db()
    assert second.status == UnitCodeRequestStatus.APPROVED


def test_rejection_needs_a_reason(gateway, officers):
    _, request = submit_and_activate(gateway)
    with pytest.raises(DomainError) as refused:
        services.unit_code_reject(request=request, officer=officers["hanoi"], reason="   ")
    assert refused.value.field == "reason"
    request.refresh_from_db()
    assert request.status == UnitCodeRequestStatus.AWAITING_REVIEW


def test_a_decision_cannot_be_taken_twice(gateway, officers):
    _, request = submit_and_activate(gateway)
    services.unit_code_approve(request=request, officer=officers["hanoi"])
    with pytest.raises(DomainError) as refused:
        services.unit_code_reject(request=request, officer=officers["hanoi_local"], reason="Sai")
    assert refused.value.code == "REGISTRATIONS_ALREADY_DECIDED"
    assert "đã được" in refused.value.message
    assert UnitCodeRequest.objects.get().status == UnitCodeRequestStatus.APPROVED


def test_an_unactivated_request_cannot_be_decided(gateway, officers):
    gateway.submit(support.first_time_envelope(gateway.pki))
    with pytest.raises(DomainError) as refused:
        services.unit_code_approve(request=UnitCodeRequest.objects.get(), officer=officers["hanoi"])
    assert refused.value.code == "REGISTRATIONS_NOT_AWAITING_REVIEW"


def test_an_officer_of_another_province_cannot_decide(gateway, officers):
    _, request = submit_and_activate(gateway)
    with pytest.raises(DomainError) as refused:
        services.unit_code_approve(request=request, officer=officers["cantho"])
    assert refused.value.code == "REGISTRATIONS_OUT_OF_SCOPE"


def test_a_second_request_while_one_awaits_review_is_refused(gateway):
    submit_and_activate(gateway)
    dossier = gateway.submit(support.first_time_envelope(gateway.pki))
    assert (dossier.status, dossier.result_code) == (DossierStatus.REJECTED, "REG010")


def test_a_second_request_before_activation_replaces_the_first(gateway):
    first = gateway.submit(support.first_time_envelope(gateway.pki))
    second = gateway.submit(support.first_time_envelope(gateway.pki))
    statuses = dict(UnitCodeRequest.objects.values_list("dossier__number", "status"))
    assert statuses == {
        first.number: UnitCodeRequestStatus.CANCELLED,
        second.number: UnitCodeRequestStatus.PENDING_ACTIVATION,
    }


def test_a_unit_that_already_has_a_code_is_refused(gateway, officers):
    _, request = submit_and_activate(gateway)
    services.unit_code_approve(request=request, officer=officers["hanoi"])
    dossier = gateway.submit(support.first_time_envelope(gateway.pki))
    assert dossier.result_code == "REG010"
