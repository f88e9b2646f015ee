"""Seed 000 §II: a unit with a unit code registers (04/ĐK-IVAN), activates, is active."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ebhxh.ivan.enrolment import selectors, services
from ebhxh.ivan.filings.models import Filing, FilingState
from ebhxh.ivan.models import ServiceState, Unit
from ebhxh.ivan.validation import InvalidInput
from ebhxh.notifications.models import OutboxMessage
from tests.ivan.registration.conftest import CONTACT, activation_code, committed

pytestmark = pytest.mark.django_db


def register(admin, unit, sign_and_submit):
    filing = services.registration_prepare(
        by=admin, unit=unit, data=services.ContactInput(**CONTACT)
    )
    return sign_and_submit(admin, filing, "sao-mai-vnpt")


def test_registration_with_a_unit_code_then_activation_makes_the_unit_active(
    admin, sao_mai, sign_and_submit
):
    filing = register(admin, sao_mai, sign_and_submit)
    assert filing.state == FilingState.PROCESSING, filing.result_message
    unit = Unit.objects.get(pk=sao_mai.pk)
    assert unit.service_state == ServiceState.PENDING_ACTIVATION
    assert selectors.enrolment(unit, has_signature=True).step == selectors.Step.ACTIVATE
    assert OutboxMessage.objects.filter(
        template="ivan_enrolment_step", subject__contains="cần kích hoạt"
    ).exists()

    unit = committed(
        services.activation_confirm,
        by=admin,
        unit=unit,
        code=activation_code(CONTACT["contact_email"]),
    )
    assert unit.service_state == ServiceState.ACTIVE
    assert unit.registered_fingerprint == filing.signer_fingerprint
    filing.refresh_from_db()
    assert filing.state == FilingState.ACCEPTED


def test_activation_answers_are_clear_messages(admin, sao_mai, sign_and_submit):
    from ebhxh.agency.registrations.models import ActivationCode

    register(admin, sao_mai, sign_and_submit)
    unit = Unit.objects.get(pk=sao_mai.pk)
    code = activation_code(CONTACT["contact_email"])
    wrong = ("A" if code[0] != "A" else "B") + code[1:]
    with pytest.raises(services.ActivationRefused) as refused:
        committed(services.activation_confirm, by=admin, unit=unit, code=wrong)
    assert refused.value.code == "REG004"
    assert "Còn 4 lần thử" in refused.value.message
    for _ in range(4):
        with pytest.raises(services.ActivationRefused) as refused:
            committed(services.activation_confirm, by=admin, unit=unit, code=wrong)
    assert refused.value.code == "REG007"
    assert "khoá vì nhập sai 5 lần" in refused.value.message
    # locked: even the right code fails until "Gửi lại mã"
    with pytest.raises(services.ActivationRefused):
        committed(services.activation_confirm, by=admin, unit=unit, code=code)
    sent = services.activation_resend(by=admin, unit=unit)
    assert sent.email.endswith("@saomai.example.vn") and sent.expires_at is not None
    new_code = activation_code(CONTACT["contact_email"])
    assert new_code != code
    # expiry (24 h): the agency's clock decides
    ActivationCode.objects.filter(status="active").update(expires_at=timezone.now())
    with pytest.raises(services.ActivationRefused) as refused:
        committed(services.activation_confirm, by=admin, unit=unit, code=new_code)
    assert refused.value.code == "REG005"
    assert "Gửi lại mã" in refused.value.message
    services.activation_resend(by=admin, unit=unit)
    unit = committed(
        services.activation_confirm,
        by=admin,
        unit=unit,
        code=activation_code(CONTACT["contact_email"]),
    )
    assert unit.service_state == ServiceState.ACTIVE


def test_registration_input_is_checked_before_anything_is_filed(admin, sao_mai):
    with pytest.raises(InvalidInput) as invalid:
        services.registration_prepare(
            by=admin,
            unit=sao_mai,
            data=services.ContactInput(
                contact_name="", contact_email="khong-hop-le", contact_phone=""
            ),
        )
    assert invalid.value.codes("contact_email") == ["EMAIL_INVALID"]
    assert invalid.value.codes("contact_phone") == ["REQUIRED"]
    assert invalid.value.codes("contact_name") == ["REQUIRED"]
    assert not Filing.objects.exists()


def test_a_preparer_prepares_but_cannot_sign_or_activate(member, sao_mai, sign_and_submit, holder):
    from ebhxh.ivan.filings.services import filing_token_start
    from ebhxh.ivan.models import Role
    from ebhxh.ivan.permissions import NotAllowed

    preparer = member(Role.PREPARER, "chuan.bi")
    filing = services.registration_prepare(
        by=preparer, unit=sao_mai, data=services.ContactInput(**CONTACT)
    )
    key = holder("sao-mai-vnpt")
    with pytest.raises(NotAllowed):
        filing_token_start(actor=preparer.user, filing=filing, certificate=key.der)
    with pytest.raises(NotAllowed):
        committed(services.activation_confirm, by=preparer, unit=sao_mai, code="ABCD-EFGH")
