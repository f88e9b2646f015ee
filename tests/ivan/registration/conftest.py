"""The registration wizard against the real gateway in process (`ivan_gateway`).

A unit of Sao Mai (TA0123K) or the first-time Hoà Bình with a token signature set up from the
demo PKI; `sign_and_submit` plays the signer agent with the same key (a named test double for
the token, as the engine's own tests do) and submits through the engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import TestCase

from ebhxh.agency.registrations.models import Channel, EserviceRegistration, RegistrationStatus
from ebhxh.agency.registry.models import IvanConnection
from ebhxh.agency.registry.models import Unit as AgencyUnit
from ebhxh.ivan import services
from ebhxh.ivan.filings.models import Filing
from ebhxh.ivan.filings.services import filing_submit, filing_token_continue, filing_token_start
from ebhxh.ivan.models import Membership, Unit
from ebhxh.notifications.models import OutboxMessage
from ebhxh.pki.demo import DemoPki
from tests.agency.gateway.factories import connect_ivan, register_unit
from tests.ivan.conftest import Holder, unit_input
from tests.ivan.gateway_support import ivan_gateway  # noqa: F401

CODE = re.compile(r"MÃ KÍCH HOẠT: ([A-Z0-9]{4}-[A-Z0-9]{4})")
CHALLENGE = bytes(range(32))
CONTACT = {
    "contact_name": "Nguyễn Thị Lan",
    "contact_email": "lan.nguyen@saomai.example.vn",
    "contact_phone": "0912345678",
}


def set_token(by: Membership, unit: Unit, holder: Holder) -> None:
    services.signature_token_save(
        by=by,
        unit=unit,
        certificate_der=holder.der,
        chain_der=holder.chain_der,
        token_label="EBHXH-DEMO",
        token_certificate_id="01",
        challenge=CHALLENGE,
        proof=holder.sign(CHALLENGE),
    )


@pytest.fixture
def agency_sao_mai(ivan_gateway) -> AgencyUnit:  # noqa: F811
    return register_unit("sao-mai-vnpt")


@pytest.fixture
def sao_mai(admin: Membership, holder, agency_sao_mai: AgencyUnit) -> Unit:
    unit = services.unit_create(by=admin, data=unit_input())
    set_token(admin, unit, holder("sao-mai-vnpt"))
    return Unit.objects.get(pk=unit.pk)


@pytest.fixture
def hoa_binh(admin: Membership, holder, ivan_gateway) -> Unit:  # noqa: F811
    unit = services.unit_create(
        by=admin,
        data=unit_input(
            name="Công ty Cổ phần Đầu tư Thương mại Hoà Bình",
            tax_code="0109123458",
            first_time=True,
            unit_code="",
        ),
    )
    set_token(admin, unit, holder("hoa-binh"))
    return Unit.objects.get(pk=unit.pk)


def committed(function: Callable[..., Any], /, **kwargs: Any) -> Any:
    """Run a use case and then what it left for after commit (hooks, the agency's handlers,
    emails), as a real commit would; the test's own transaction never commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return function(**kwargs)


@pytest.fixture
def sign_and_submit(holder) -> Callable[..., Filing]:
    def run(by: Membership, filing: Filing, slug: str) -> Filing:
        key = holder(slug)
        step = filing_token_start(
            actor=by.user, filing=filing, certificate=key.der, chain=key.chain_der
        )
        while not step.done:
            step = filing_token_continue(
                actor=by.user, filing=step.filing, signature=key.sign(step.digest)
            )
        submitted = committed(filing_submit, actor=by.user, filing=step.filing)
        return Filing.objects.get(pk=submitted.pk)

    return run


def activation_code(to: str) -> str:
    """The code in the agency's latest activation email to `to`, as the contact reads it."""
    message = (
        OutboxMessage.objects.filter(recipient=to, body_text__contains="MÃ KÍCH HOẠT")
        .order_by("-pk")
        .first()
    )
    assert message is not None, "no activation email"
    found = CODE.search(message.body_text)
    assert found is not None, message.body_text
    return found[1]


def active_elsewhere(demo_pki: DemoPki, unit: AgencyUnit, *, portal: bool = False) -> None:
    """The unit already transacts through VNPT's I-VAN (00020) or at the portal."""
    vnpt = None
    if not portal:
        vnpt = IvanConnection.objects.filter(provider_id="00020").first() or connect_ivan(
            demo_pki, "00020"
        )
    EserviceRegistration.objects.create(
        unit=unit,
        channel=Channel.PORTAL if portal else Channel.IVAN,
        ivan=vnpt,
        contact_name="Kế toán cũ",
        contact_email="cu@saomai.example.vn",
        contact_phone="0912000000",
        status=RegistrationStatus.ACTIVE,
        certificate_pem="",
        certificate_fingerprint="0" * 64,
        certificate_serial="1",
        certificate_subject="CN=cu",
    )


@pytest.fixture
def officer(db, django_user_model):
    """An officer of BHXH cơ sở 01001 (Hà Nội), who decides Hoà Bình's request."""
    from ebhxh.agency.registry.models import Officer
    from ebhxh.reference.models import Agency

    user = django_user_model.objects.create_user("canbo_badinh", is_staff=True)
    return Officer.objects.create(
        user=user, agency=Agency.objects.get(code="01001"), full_name="Cán bộ Ba Đình"
    )
