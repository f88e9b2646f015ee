"""Lấy lao động against the real gateway in process (`ivan_gateway`).

The agency side is made the way its own tests make it (tests/agency/registrations): Sao Mai
(TA0123K) is a unit in the registry with insured employees, and its 04/ĐK-IVAN dossier is
submitted through the real intake and activated with the emailed code, by MISA (this I-VAN,
00110, through its own gateway port) or by VNPT (00020, another I-VAN).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from ebhxh.agency.gateway.models import Dossier
from ebhxh.agency.registrations.models import EserviceRegistration
from ebhxh.agency.registry.models import Employment, InsuredPerson
from ebhxh.agency.registry.models import Unit as AgencyUnit
from ebhxh.dossiers.transport import GatewayClient
from ebhxh.ivan import gateway
from ebhxh.ivan import services as ivan_services
from ebhxh.ivan.employees import services as employee_services
from ebhxh.ivan.gateway import gateway_client
from ebhxh.ivan.models import Membership, Unit
from ebhxh.pki.demo import DemoPki
from tests.agency.gateway.factories import connect_ivan, register_unit
from tests.agency.registrations import support
from tests.esign.support import InProcessApp
from tests.ivan.conftest import make_active, unit_input
from tests.ivan.gateway_support import ivan_gateway  # noqa: F401 - fixture

# (name, mã số BHXH, CCCD, birth date, gender, left on)
PEOPLE = [
    ("Nguyễn Văn An", "0123000001", "001090000001", date(1990, 1, 1), "male", None),
    ("Nguyễn Văn Bình", "0123000002", "001090000002", date(1991, 2, 2), "male", None),
    ("Trần Thị Hương", "0123000003", "001190000003", date(1992, 3, 3), "female", None),
    ("Lê Đức Anh", "0123000004", "", date(1993, 4, 4), "male", None),
    ("Phạm Thị Nga", "0123000005", "001190000005", date(1980, 5, 5), "female", date(2024, 6, 30)),
]
CURRENT = [person for person in PEOPLE if person[5] is None]


@pytest.fixture
def agency_unit(ivan_gateway) -> AgencyUnit:  # noqa: F811
    # The in-process app must not close the test's connection at the end of each request
    # (harmless on SQLite's in-memory database, fatal to the test transaction on PostgreSQL).
    gateway.use_transport(httpx.WSGITransport(app=InProcessApp()))
    return seed_agency_unit()


def seed_agency_unit() -> AgencyUnit:
    """Sao Mai in the agency's registry, with four current employees and one who left."""
    unit = register_unit("sao-mai-vnpt")
    for name, number, citizen_id, born, gender, left in PEOPLE:
        person = InsuredPerson.objects.create(
            insurance_number=number,
            citizen_id=citizen_id or None,
            full_name=name,
            birth_date=born,
            gender=gender,
        )
        Employment.objects.create(
            unit=unit,
            person=person,
            position="Nhân viên",
            salary=8_000_000 + int(number[-2:]),
            start_date=date(2023, 1, 1),
            end_date=left,
        )
    return unit


def _client(pki: DemoPki, slug: str) -> GatewayClient:
    """This I-VAN through its own port; another I-VAN signing with its own key."""
    if support.IVAN_CODES[slug] == "00110":
        return gateway_client()
    http = httpx.Client(
        transport=httpx.WSGITransport(app=InProcessApp()), base_url="http://testserver"
    )
    return GatewayClient(
        "http://testserver/gateway/v1",
        support.IVAN_CODES[slug],
        support.signer(pki, slug),
        http=http,
    )


@pytest.fixture
def activate_at_agency(
    demo_pki: DemoPki, agency_unit: AgencyUnit, django_capture_on_commit_callbacks: Any
) -> Callable[[str], EserviceRegistration]:
    """activate_at_agency("ivan-misa"): the unit's 04/ĐK-IVAN submitted and activated."""

    def run(slug: str) -> EserviceRegistration:
        if slug != "ivan-misa":
            connect_ivan(demo_pki, support.IVAN_CODES[slug])
        with _client(demo_pki, slug) as client, django_capture_on_commit_callbacks(execute=True):
            result = client.submit(
                support.registration_envelope(demo_pki, ivan=slug),
                message_id=f"T-{uuid.uuid4().hex}",
            )
        registration = EserviceRegistration.objects.get(
            dossier=Dossier.objects.get(number=result.number)
        )
        body = {"dossier_number": result.number, "code": support.latest_code(registration)}
        with _client(demo_pki, slug) as client, django_capture_on_commit_callbacks(execute=True):
            response = client.post("activations", json_body=body)
        assert response.status_code == 200, response.text
        registration.refresh_from_db()
        assert registration.status == "active"
        return registration

    return run


@pytest.fixture
def sao_mai(admin: Membership, demo_pki: DemoPki) -> Unit:
    """The I-VAN's unit for TA0123K, as the gateway's answers left it: active."""
    unit = ivan_services.unit_create(by=admin, data=unit_input())
    return make_active(unit, demo_pki.entity("sao-mai-vnpt").fingerprint_sha256)


@pytest.fixture
def run_fetch(
    django_capture_on_commit_callbacks: Any,
) -> Iterator[Callable[..., Any]]:
    """Start a fetch and let its task run as the commit would (tasks run inline in tests)."""

    def run(by: Membership, unit: Unit) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            fetch = employee_services.employee_fetch_start(by=by, unit=unit)
        fetch.refresh_from_db()
        return fetch

    yield run
