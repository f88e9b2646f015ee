"""The registrations API: "Lấy lao động", the registration status, and the eligibility of
business dossiers."""

from __future__ import annotations

from datetime import date

import pytest

from ebhxh.agency.registrations.eligibility import unit_has_active_registration
from ebhxh.dossiers import Envelope, IvanInfo, UnitInfo
from ebhxh.dossiers.forms.business import D02Report, build_d02
from ebhxh.dossiers.transport import GatewayRejection
from ebhxh.xmldsig import FORM, sign_xml
from tests.agency.registrations import support
from tests.agency.registrations.test_register import register_and_activate

pytestmark = pytest.mark.django_db


def test_employees_only_for_the_ivan_holding_the_active_registration(gateway, employees):
    before = gateway.get("units/TA0123K/employees")
    assert (before.status_code, before.json()["code"]) == (403, "AUT002")

    register_and_activate(gateway, ivan="ivan-misa")

    response = gateway.get("units/TA0123K/employees")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2  # the employee who left is not current
    first = body["results"][0]
    assert first == {
        "insurance_number": "0123000001",
        "citizen_id": "001190000001",
        "full_name": "Người Lao Động 1",
        "birth_date": "1990-01-01",
        "gender": "female",
        "position": "Kế toán",
        "salary": 10_000_001,
        "start_date": "2023-01-01",
        "end_date": None,
    }
    other = gateway.get("units/TA0123K/employees", ivan="ivan-vnpt")
    assert (other.status_code, other.json()["code"]) == (403, "AUT002")


def test_employees_are_paginated(gateway, employees):
    register_and_activate(gateway)
    page1 = gateway.get("units/TA0123K/employees", page_size="1").json()
    page2 = gateway.get("units/TA0123K/employees", page_size="1", page="2").json()
    assert (page1["pages"], page1["next_page"], page2["next_page"]) == (2, 2, None)
    assert [row["insurance_number"] for row in page1["results"] + page2["results"]] == [
        "0123000001",
        "0123000002",
    ]
    bad = gateway.get("units/TA0123K/employees", page_size="100000")
    assert (bad.json()["code"], bad.json()["xpath"]) == ("SCH007", "/page_size")


def test_employees_stop_when_the_registration_stops(gateway, employees):
    register_and_activate(gateway)
    gateway.submit(support.stop_envelope(gateway.pki, ivan="ivan-misa", target="ivan-misa"))
    assert gateway.get("units/TA0123K/employees").json()["code"] == "AUT002"


def test_unknown_unit_is_reg001(gateway):
    assert gateway.get("units/ZZ9999Z/employees").json()["code"] == "REG001"
    assert gateway.get("units/ZZ9999Z/registration").json()["code"] == "REG001"


def test_unsigned_calls_are_refused(client, sao_mai, ivans):
    response = client.get("/gateway/v1/units/TA0123K/employees")
    assert response.status_code in (401, 403)
    assert response.json()["code"].startswith("AUT")


def test_registration_status_tells_the_ivan_when_it_may_offer_a_stop(gateway, sao_mai):
    empty = gateway.get("units/TA0123K/registration").json()
    assert empty["registration"] is None and empty["can_stop_previous"] is False

    register_and_activate(gateway, ivan="ivan-vnpt")
    # Before the unit tried MISA, MISA learns nothing about the other provider.
    assert gateway.get("units/TA0123K/registration").json()["active_elsewhere"] is None

    gateway.submit(support.registration_envelope(gateway.pki, ivan="ivan-misa"))
    seen = gateway.get("units/TA0123K/registration").json()
    assert seen["last_refusal_code"] == "CE007"
    assert seen["last_registration_dossier"]["result_code"] == "CE007"
    assert seen["can_stop_previous"] is True and seen["active_here"] is False

    own = gateway.get("units/TA0123K/registration", ivan="ivan-vnpt").json()
    assert own["active_here"] is True and own["registration"]["status"] == "active"


# --- eligibility of business dossiers -------------------------------------------------------


def business_envelope(pki, *, ivan: str) -> bytes:
    form = sign_xml(
        build_d02(D02Report(period="01/2026", unit_code="TA0123K", employees=())),
        support.signer(pki, "sao-mai-vnpt"),
        location=FORM,
    )
    return support.envelope(
        pki,
        procedure="600",
        form_code="D02-TS",
        form=form,
        unit_code="TA0123K",
        tax_code="0109234567",
        signer_slug="sao-mai-vnpt",
        ivan=ivan,
    )


def test_business_dossiers_only_from_the_registered_ivan(gateway, sao_mai):
    with pytest.raises(GatewayRejection) as refused:
        gateway.submit(business_envelope(gateway.pki, ivan="ivan-misa"))
    assert refused.value.code == "AUT002"

    register_and_activate(gateway, ivan="ivan-misa")

    accepted = gateway.submit(business_envelope(gateway.pki, ivan="ivan-misa"))
    assert accepted.procedure_code == "600"
    with pytest.raises(GatewayRejection) as other:
        gateway.submit(business_envelope(gateway.pki, ivan="ivan-vnpt"), ivan="ivan-vnpt")
    assert other.value.code == "AUT002"
    assert "MISA" in other.value.detail


def test_eligibility_ignores_registration_procedures(ivans, sao_mai):
    registration = Envelope(
        ivan=IvanInfo(code="00110", name="MISA"),
        unit=UnitInfo(name="x", unit_code="TA0123K", tax_code="0109234567", signer_name="x"),
        procedure_code="04/ĐK-IVAN",
        procedure_name="x",
        period="01/2026",
        created_on=date(2026, 1, 1),
        files=(),
    )
    assert unit_has_active_registration(ivans["ivan-misa"], registration) is None
