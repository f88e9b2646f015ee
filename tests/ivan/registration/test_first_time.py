"""Seed 000 §I: a unit without a unit code asks for one (HSDKLanDau), activates, and after
the officer's decision records the issued code (05/SD-IVAN) or files again."""

from __future__ import annotations

import dataclasses
import io

import pytest
from pypdf import PdfReader

from ebhxh.agency.registrations.models import UnitCodeRequest
from ebhxh.agency.registrations.services import unit_code_approve, unit_code_reject
from ebhxh.dossiers.forms.registration import CHANGE
from ebhxh.ivan.enrolment import selectors, services
from ebhxh.ivan.filings.models import FilingState
from ebhxh.ivan.models import ServiceState, Unit
from ebhxh.ivan.validation import InvalidInput
from ebhxh.notifications.models import OutboxMessage
from tests.ivan.registration.conftest import CONTACT, activation_code, committed

pytestmark = pytest.mark.django_db

REQUEST = services.UnitCodeRequestInput(
    unit_name="Công ty Cổ phần Đầu tư Thương mại Hoà Bình",
    address="Số 5 phố Đội Cấn, phường Ba Đình, Thành phố Hà Nội",
    managing_agency="01001",
    target_group="DN",
    business_type="A03",
    **CONTACT,
)


def submitted_and_activated(admin, unit, sign_and_submit):
    filing = services.unit_code_request_prepare(by=admin, unit=unit, data=REQUEST)
    filing = sign_and_submit(admin, filing, "hoa-binh")
    assert filing.state == FilingState.PROCESSING, filing.result_message
    unit = Unit.objects.get(pk=unit.pk)
    assert unit.service_state == ServiceState.PENDING_ACTIVATION
    unit = committed(
        services.activation_confirm,
        by=admin,
        unit=unit,
        code=activation_code(CONTACT["contact_email"]),
    )
    assert unit.service_state == ServiceState.PENDING_APPROVAL
    return filing, unit


def test_approval_then_update_the_unit_code_and_sign_the_change(
    admin, hoa_binh, sign_and_submit, officer
):
    assert selectors.enrolment(hoa_binh, has_signature=True).step == selectors.Step.REQUEST_CODE
    _filing, unit = submitted_and_activated(admin, hoa_binh, sign_and_submit)
    unit_code_approve(request=UnitCodeRequest.objects.get(), officer=officer)
    committed(services.refresh, by=admin, unit=unit)
    unit = Unit.objects.get(pk=unit.pk)
    assert unit.service_state == ServiceState.ACTIVE
    view = selectors.enrolment(unit, has_signature=True)
    assert (view.step, view.issued_code) == (selectors.Step.UPDATE_CODE, "0109123458DNA03")
    assert OutboxMessage.objects.filter(
        subject__contains="đã cấp mã đơn vị 0109123458DNA03"
    ).exists()

    with pytest.raises(InvalidInput) as invalid:
        services.unit_code_update(by=admin, unit=unit, unit_code="TA0123K")
    assert invalid.value.codes("unit_code") == ["UNIT_CODE_NOT_ISSUED"]
    change = services.unit_code_update(by=admin, unit=unit, unit_code="0109123458DNA03")
    assert change is not None and change.procedure_code == CHANGE
    unit = Unit.objects.get(pk=unit.pk)
    assert unit.unit_code == "0109123458DNA03" and unit.change_dossier_required
    change = sign_and_submit(admin, change, "hoa-binh")
    assert change.state == FilingState.ACCEPTED, change.result_message
    unit = Unit.objects.get(pk=unit.pk)
    assert not unit.change_dossier_required
    assert selectors.enrolment(unit, has_signature=True).step == selectors.Step.ACTIVE


def test_rejection_shows_the_reason_and_register_again_works(
    admin, hoa_binh, sign_and_submit, officer
):
    _filing, unit = submitted_and_activated(admin, hoa_binh, sign_and_submit)
    unit_code_reject(
        request=UnitCodeRequest.objects.get(), officer=officer, reason="Địa chỉ trụ sở chưa đúng."
    )
    committed(services.refresh, by=admin, unit=unit)
    unit = Unit.objects.get(pk=unit.pk)
    assert (unit.service_state, unit.refusal_code) == (ServiceState.REFUSED, "REG009")
    assert "Địa chỉ trụ sở chưa đúng." in unit.refusal_message
    assert selectors.enrolment(unit, has_signature=True).step == selectors.Step.REJECTED
    fixed = dataclasses.replace(REQUEST, address="Số 7 phố Đội Cấn, Hà Nội")
    again = services.unit_code_request_prepare(by=admin, unit=unit, data=fixed)
    again = sign_and_submit(admin, again, "hoa-binh")
    assert again.state == FilingState.PROCESSING, again.result_message
    assert Unit.objects.get(pk=unit.pk).service_state == ServiceState.PENDING_ACTIVATION
    assert UnitCodeRequest.objects.latest("pk").previous is not None


def test_other_provinces_get_the_paper_form_and_enter_the_code(admin, holder, ivan_gateway):
    from ebhxh.ivan import services as ivan_services
    from ebhxh.ivan.enrolment import paper
    from tests.ivan.conftest import unit_input
    from tests.ivan.registration.conftest import set_token

    unit = ivan_services.unit_create(
        by=admin,
        data=unit_input(
            name="Công ty TNHH Xây dựng Phú Thịnh",
            province_code="31",
            tax_code="0200123457",
            first_time=True,
            unit_code="",
        ),
    )
    set_token(admin, unit, holder("phu-thinh"))
    unit = Unit.objects.get(pk=unit.pk)
    assert selectors.enrolment(unit, has_signature=True).step == selectors.Step.PAPER
    pdf = paper.unit_code_request_pdf(unit, company=unit.company)
    assert pdf.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Phú Thịnh" in text and "0200123457" in text
    assert services.unit_code_update(by=admin, unit=unit, unit_code="HP0789C") is None
    unit = Unit.objects.get(pk=unit.pk)
    assert unit.unit_code == "HP0789C"
    assert selectors.enrolment(unit, has_signature=True).step == selectors.Step.REGISTER
