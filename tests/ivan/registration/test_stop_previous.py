"""Seed 004: CE007/CE044 → "Ngừng dịch vụ" of the old provider → "Đăng ký sử dụng" again."""

from __future__ import annotations

import httpx
import pytest

from ebhxh.agency.registrations.models import EserviceRegistration, RegistrationStatus
from ebhxh.ivan import gateway
from ebhxh.ivan.enrolment import selectors, services
from ebhxh.ivan.filings.models import FilingState
from ebhxh.ivan.models import ServiceState, Unit
from ebhxh.notifications.models import OutboxMessage
from tests.ivan.registration.conftest import CONTACT, activation_code, active_elsewhere, committed

pytestmark = pytest.mark.django_db
REASON = services.STOP_REASONS[0]


def refused(admin, unit, sign_and_submit, slug="sao-mai-vnpt"):
    filing = services.registration_prepare(
        by=admin, unit=unit, data=services.ContactInput(**CONTACT)
    )
    return sign_and_submit(admin, filing, slug)


@pytest.mark.parametrize("portal", [False, True], ids=["CE007", "CE044"])
def test_refusal_then_stop_then_the_refused_registration_is_resubmitted(
    admin, sao_mai, agency_sao_mai, demo_pki, sign_and_submit, portal
):
    active_elsewhere(demo_pki, agency_sao_mai, portal=portal)
    filing = refused(admin, sao_mai, sign_and_submit)
    code = "CE044" if portal else "CE007"
    assert filing.state == FilingState.REFUSED and filing.result_code == code
    unit = Unit.objects.get(pk=sao_mai.pk)
    assert (unit.service_state, unit.refusal_code) == (ServiceState.REFUSED, code)
    view = selectors.enrolment(unit, has_signature=True)
    assert view.step == selectors.Step.REFUSED_ELSEWHERE
    assert view.refused == filing and not view.previous_stopped

    provider = services.previous_provider(by=admin, unit=unit)
    assert provider is not None
    assert provider.channel == ("portal" if portal else "ivan")
    stop = services.stop_prepare(by=admin, unit=unit, reasons=[REASON])
    stop = sign_and_submit(admin, stop, "sao-mai-vnpt")
    assert stop.state == FilingState.ACCEPTED, stop.result_message
    assert OutboxMessage.objects.filter(subject__contains="Đã ngừng dịch vụ BHXH điện tử").exists()
    view = selectors.enrolment(unit, has_signature=True)
    assert view.stop == stop and view.previous_stopped

    again = services.registration_resubmit(by=admin, unit=unit)
    again_form = selectors.registration_form_of(again)
    assert again_form.contact_email == CONTACT["contact_email"]
    assert again_form.unit_code == "TA0123K"
    again = sign_and_submit(admin, again, "sao-mai-vnpt")
    assert again.state == FilingState.PROCESSING, again.result_message
    unit = committed(
        services.activation_confirm,
        by=admin,
        unit=unit,
        code=activation_code(CONTACT["contact_email"]),
    )
    assert unit.service_state == ServiceState.ACTIVE


def test_stop_is_offered_only_after_ce007_or_ce044(admin, sao_mai):
    with pytest.raises(services.EnrolmentRefused) as refused_:
        services.stop_prepare(by=admin, unit=sao_mai, reasons=[REASON])
    assert refused_.value.code == "ENROLMENT_STOP_NOT_ALLOWED"


def test_stop_needs_a_reason(admin, sao_mai, agency_sao_mai, demo_pki, sign_and_submit):
    from ebhxh.ivan.validation import InvalidInput

    active_elsewhere(demo_pki, agency_sao_mai)
    refused(admin, sao_mai, sign_and_submit)
    with pytest.raises(InvalidInput) as invalid:
        services.stop_prepare(by=admin, unit=sao_mai, reasons=[])
    assert invalid.value.codes("reasons") == ["REQUIRED"]


def test_already_stopped_elsewhere_means_register_at_once(
    admin, sao_mai, agency_sao_mai, demo_pki, sign_and_submit
):
    active_elsewhere(demo_pki, agency_sao_mai)
    refused(admin, sao_mai, sign_and_submit)
    stop = services.stop_prepare(by=admin, unit=sao_mai, reasons=[REASON])
    # meanwhile the old provider's registration was stopped through another I-VAN
    EserviceRegistration.objects.filter(unit=agency_sao_mai).update(
        status=RegistrationStatus.STOPPED
    )
    stop = sign_and_submit(admin, stop, "sao-mai-vnpt")
    assert (stop.state, stop.result_code) == (FilingState.REFUSED, "REG003")
    unit = Unit.objects.get(pk=sao_mai.pk)
    view = selectors.enrolment(unit, has_signature=True)
    assert view.stop == stop and view.previous_stopped
    # nothing left to stop: the page says so and registration goes on
    assert services.previous_provider(by=admin, unit=unit) is None
    with pytest.raises(services.EnrolmentRefused) as refused_:
        services.stop_prepare(by=admin, unit=unit, reasons=[REASON])
    assert refused_.value.code == "ENROLMENT_ALREADY_STOPPED"
    again = sign_and_submit(
        admin, services.registration_resubmit(by=admin, unit=unit), "sao-mai-vnpt"
    )
    assert again.state == FilingState.PROCESSING


def test_stop_with_a_certificate_the_agency_does_not_know_is_idn001(
    admin, sao_mai, agency_sao_mai, demo_pki, sign_and_submit
):
    active_elsewhere(demo_pki, agency_sao_mai)
    refused(admin, sao_mai, sign_and_submit)
    stop = services.stop_prepare(by=admin, unit=sao_mai, reasons=[REASON])
    # BHXH's registry holds another MST for the unit: the unit's certificate is refused
    type(agency_sao_mai).objects.filter(pk=agency_sao_mai.pk).update(tax_code="0109123458")
    stop = sign_and_submit(admin, stop, "sao-mai-vnpt")
    assert (stop.state, stop.result_code) == (FilingState.REFUSED, "IDN001")


def test_system_error_leaves_the_stop_to_send_again(
    admin, sao_mai, agency_sao_mai, demo_pki, sign_and_submit
):
    active_elsewhere(demo_pki, agency_sao_mai)
    refused(admin, sao_mai, sign_and_submit)
    stop = services.stop_prepare(by=admin, unit=sao_mai, reasons=[REASON])

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("cổng BHXH không trả lời", request=request)

    gateway.use_transport(httpx.MockTransport(down))
    stop = sign_and_submit(admin, stop, "sao-mai-vnpt")
    assert stop.state == FilingState.SEND_FAILED
    assert selectors.enrolment(Unit.objects.get(pk=sao_mai.pk), has_signature=True).stop is None


def test_each_step_emails_the_company_once(
    admin, sao_mai, agency_sao_mai, demo_pki, sign_and_submit
):
    active_elsewhere(demo_pki, agency_sao_mai)
    refused(admin, sao_mai, sign_and_submit)
    stop = services.stop_prepare(by=admin, unit=sao_mai, reasons=[REASON])
    sign_and_submit(admin, stop, "sao-mai-vnpt")
    steps = OutboxMessage.objects.filter(template="ivan_enrolment_step", recipient=admin.user.email)
    subjects = list(steps.values_list("subject", flat=True))
    assert sum("bị từ chối (CE007)" in s for s in subjects) == 1, subjects
    assert sum("Đã ngừng dịch vụ" in s for s in subjects) == 1, subjects
