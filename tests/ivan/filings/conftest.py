"""The dossier engine against the real gateway in process (`ivan_gateway`).

Sao Mai (TA0123K) is known to the agency with an ACTIVE e-service registration through the
demo I-VAN 00110, as tests/agency/registrations does it; on the I-VAN side its unit is ACTIVE
with a USB-token signature set up from the demo PKI. `TokenDouble` is the named test double
for the USB token behind the signer agent: the same demo key, signing the digests the engine
hands out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
import pytest

from ebhxh.agency.registrations.models import Channel, EserviceRegistration, RegistrationStatus
from ebhxh.agency.registry.models import IvanConnection
from ebhxh.agency.registry.models import Unit as AgencyUnit
from ebhxh.dossiers.forms.business import D02Employee, D02Report, Plan, build_d02
from ebhxh.ivan import gateway
from ebhxh.ivan import services as ivan_services
from ebhxh.ivan.filings import services
from ebhxh.ivan.filings.models import Filing
from ebhxh.ivan.models import Membership, Unit
from ebhxh.pki.loading import fingerprint_sha256
from tests.agency.gateway.factories import register_unit
from tests.esign.support import InProcessApp
from tests.ivan.conftest import Holder, make_active, unit_input
from tests.ivan.gateway_support import ivan_gateway  # noqa: F401

CHALLENGE = bytes(range(32))
PERIOD = "11/2026"


def set_token(by: Membership, unit: Unit, holder: Holder) -> None:
    ivan_services.signature_token_save(
        by=by,
        unit=unit,
        certificate_der=holder.der,
        chain_der=holder.chain_der,
        token_label="EBHXH-DEMO",
        token_certificate_id="01",
        challenge=CHALLENGE,
        proof=holder.sign(CHALLENGE),
    )


def register_at_agency(unit: AgencyUnit, ivan: IvanConnection) -> EserviceRegistration:
    """The agency's ACTIVE registration of `unit` with `ivan` (what 04 + activation leave)."""
    return EserviceRegistration.objects.create(
        unit=unit,
        channel=Channel.IVAN,
        ivan=ivan,
        contact_name="Nguyễn Thị Lan",
        contact_email="lan@saomai.example.vn",
        contact_phone="0912345678",
        status=RegistrationStatus.ACTIVE,
        certificate_pem="",
        certificate_fingerprint="0" * 64,
        certificate_serial="1",
        certificate_subject="CN=Sao Mai",
    )


@pytest.fixture
def agency_sao_mai(ivan_gateway: IvanConnection) -> AgencyUnit:  # noqa: F811
    # In this thread and this test's transaction, also on PostgreSQL (see InProcessApp).
    gateway.use_transport(httpx.WSGITransport(app=InProcessApp()))
    unit = register_unit("sao-mai-vnpt")
    register_at_agency(unit, ivan_gateway)
    return unit


@pytest.fixture
def sao_mai(admin: Membership, holder, agency_sao_mai: AgencyUnit) -> Unit:
    """Sao Mai at the I-VAN: token set up with the demo VNPT certificate, e-service ACTIVE."""
    admin.company.contact_email = "lienhe@saomai.example.vn"
    admin.company.save()
    unit = ivan_services.unit_create(by=admin, data=unit_input())
    key = holder("sao-mai-vnpt")
    set_token(admin, unit, key)
    return make_active(Unit.objects.get(pk=unit.pk), fingerprint_sha256(key.certificate))


def employee(**overrides: object) -> D02Employee:
    values: dict[str, object] = {
        "full_name": "Nguyễn Văn Bình",
        "insurance_number": "0123456789",
        "citizen_id": "001090012345",
        "birth_date": date(1990, 2, 1),
        "gender": "male",
        "plan": Plan.NEW,
        "from_month": PERIOD,
        "position": "Kế toán",
        "salary": 8_000_000,
    }
    values.update(overrides)
    return D02Employee(**values)  # type: ignore[arg-type]


def d02_xml(*employees: D02Employee, unit_code: str = "TA0123K", period: str = PERIOD) -> bytes:
    return build_d02(
        D02Report(period=period, unit_code=unit_code, employees=employees or (employee(),))
    )


def d02_form(xml: bytes | None = None) -> services.FormInput:
    return services.FormInput(
        form_code="D02-TS",
        description="Báo cáo tình hình sử dụng lao động",
        file_name="D02-TS_0109234567_202611.xml",
        xml=xml if xml is not None else d02_xml(),
    )


@pytest.fixture
def draft(admin: Membership, sao_mai: Unit) -> Filing:
    return services.filing_create(
        actor=admin.user,
        unit=sao_mai,
        procedure_code="600",
        forms=[d02_form()],
        period=PERIOD,
        purpose="Báo tăng 1 lao động",
    )


class TokenDouble:
    """Named test double for the USB token behind the signer agent: the demo key signs."""

    def __init__(self, holder: Holder) -> None:
        self.holder = holder

    def sign_all(self, by: Membership, filing: Filing) -> Filing:
        step = services.filing_token_start(
            actor=by.user,
            filing=filing,
            certificate=self.holder.der,
            chain=self.holder.chain_der,
        )
        while not step.done:
            step = services.filing_token_continue(
                actor=by.user, filing=step.filing, signature=self.holder.sign(step.digest)
            )
        return step.filing


@pytest.fixture
def token(holder) -> Callable[[str], TokenDouble]:
    return lambda slug="sao-mai-vnpt": TokenDouble(holder(slug))
