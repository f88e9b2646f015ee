"""The registry services: what they store, what they audit, and each refusal's code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from django.contrib.auth import get_user_model

from ebhxh.agency.registry.models import IvanConnection, Officer, Unit
from ebhxh.agency.registry.services import (
    ivan_connection_register,
    officer_create,
    unit_create,
)
from ebhxh.audit.models import AuditRecord
from ebhxh.core.errors import DomainError
from ebhxh.reference.models import IvanProvider
from tests.agency.registry.conftest import make_certificate, pem

pytestmark = pytest.mark.django_db

ACTOR = "user:1:admin"
STRONG_PASSWORD = "Bhxh-cơ-sở-2026!"

# A valid MST (check digit 5) and a unit code built on it; a HC unit code may use another
# registration number than the MST.
TAX_CODE = "0100109106"
UNIT = {
    "unit_code": "0100109106dna03",
    "tax_code": " 0100109106 ",
    "name": "  Công ty TNHH   Minh Phúc ",
    "address": "Số 1 phố Tràng Tiền, Phường Hoàn Kiếm, Thành phố Hà Nội",
    "province_code": "01",
    "managing_agency_code": "01001",
    "email": "ketoan@minhphuc.example.com",
    "phone": "+84 912 345 678",
    "actor": ACTOR,
}


def refusal(call: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


# I-VAN connections -------------------------------------------------------------------------


def test_register_ivan_stores_the_der_fingerprint(certificate: Any) -> None:
    connection = ivan_connection_register(
        provider_code=" 00110 ",
        certificate_pem=pem(certificate),
        callback_url="https://misa.example.com/bhxh/callback",
        actor=ACTOR,
    )
    expected = hashes.Hash(hashes.SHA256())
    expected.update(certificate.public_bytes(Encoding.DER))
    assert connection.certificate_fingerprint == expected.finalize().hex()
    assert connection.certificate_fingerprint.islower()
    assert connection.provider_id == "00110"
    assert connection.status == IvanConnection.Status.ACTIVE
    record = AuditRecord.objects.get(action="registry.ivan_connection_register")
    assert record.object_id == str(connection.pk)
    assert record.data["fingerprint"] == connection.certificate_fingerprint
    assert record.actor == ACTOR


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"provider_code": "99999"}, "IVAN_PROVIDER_UNKNOWN", "provider_code"),
        ({"certificate_pem": "not a certificate"}, "IVAN_CERTIFICATE_INVALID", "certificate_pem"),
        ({"callback_url": "ftp://ivan.example.com/"}, "IVAN_CALLBACK_URL_INVALID", "callback_url"),
        ({"callback_url": "khong-phai-url"}, "IVAN_CALLBACK_URL_INVALID", "callback_url"),
    ],
)
def test_register_ivan_refuses_bad_input(
    certificate: Any, changes: dict[str, str], code: str, field: str
) -> None:
    arguments = {
        "provider_code": "00110",
        "certificate_pem": pem(certificate),
        "callback_url": "",
        "actor": ACTOR,
    } | changes
    error = refusal(ivan_connection_register, **arguments)
    assert (error.code, error.field) == (code, field)
    assert error.message
    assert not IvanConnection.objects.exists()
    assert not AuditRecord.objects.filter(action="registry.ivan_connection_register").exists()


def test_register_ivan_refuses_an_inactive_provider(certificate: Any) -> None:
    IvanProvider.objects.filter(code="00110").update(is_active=False)
    error = refusal(
        ivan_connection_register,
        provider_code="00110",
        certificate_pem=pem(certificate),
        callback_url="",
        actor=ACTOR,
    )
    assert error.code == "IVAN_PROVIDER_UNKNOWN"


def test_register_ivan_refuses_a_chain() -> None:
    chain = pem(make_certificate()) + pem(make_certificate())
    error = refusal(
        ivan_connection_register,
        provider_code="00110",
        certificate_pem=chain,
        callback_url="",
        actor=ACTOR,
    )
    assert error.code == "IVAN_CERTIFICATE_INVALID"


@pytest.mark.parametrize(
    ("start", "code"),
    [
        (datetime.now(UTC) - timedelta(days=400), "IVAN_CERTIFICATE_EXPIRED"),
        (datetime.now(UTC) + timedelta(days=3), "IVAN_CERTIFICATE_NOT_YET_VALID"),
    ],
)
def test_register_ivan_refuses_a_certificate_out_of_its_validity(
    start: datetime, code: str
) -> None:
    error = refusal(
        ivan_connection_register,
        provider_code="00110",
        certificate_pem=pem(make_certificate(not_before=start)),
        callback_url="",
        actor=ACTOR,
    )
    assert (error.code, error.field) == (code, "certificate_pem")


def test_register_ivan_twice_or_with_a_used_certificate(certificate: Any) -> None:
    ivan_connection_register(
        provider_code="00110", certificate_pem=pem(certificate), callback_url="", actor=ACTOR
    )
    again = refusal(
        ivan_connection_register,
        provider_code="00110",
        certificate_pem=pem(make_certificate()),
        callback_url="",
        actor=ACTOR,
    )
    assert (again.code, again.field) == ("IVAN_ALREADY_CONNECTED", "provider_code")
    reused = refusal(
        ivan_connection_register,
        provider_code="00020",
        certificate_pem=pem(certificate),
        callback_url="",
        actor=ACTOR,
    )
    assert (reused.code, reused.field) == ("IVAN_CERTIFICATE_IN_USE", "certificate_pem")


# Officers ----------------------------------------------------------------------------------


def test_officer_create_makes_a_staff_user_and_the_officer() -> None:
    officer = officer_create(
        username="  canbo.badinh ",
        password=STRONG_PASSWORD,
        full_name=" Nguyễn   Thị Lan ",
        agency_code="01001",
        actor=ACTOR,
    )
    officer.refresh_from_db()
    assert officer.full_name == "Nguyễn Thị Lan"
    assert officer.agency_id == "01001"
    user = officer.user
    assert user.username == "canbo.badinh"
    assert user.is_staff and not user.is_superuser
    assert user.check_password(STRONG_PASSWORD)
    record = AuditRecord.objects.get(action="registry.officer_create")
    assert record.data == {
        "username": "canbo.badinh",
        "agency": "01001",
        "full_name": "Nguyễn Thị Lan",
    }
    assert STRONG_PASSWORD not in str(record.data)


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"username": "  "}, "OFFICER_USERNAME_EMPTY", "username"),
        ({"username": "cán bộ"}, "OFFICER_USERNAME_INVALID", "username"),
        ({"full_name": " "}, "OFFICER_NAME_EMPTY", "full_name"),
        ({"full_name": "A" * 201}, "OFFICER_NAME_TOO_LONG", "full_name"),
        ({"agency_code": "99999"}, "OFFICER_AGENCY_UNKNOWN", "agency_code"),
        ({"password": "123"}, "OFFICER_PASSWORD_WEAK", "password"),
    ],
)
def test_officer_create_refuses_bad_input(changes: dict[str, str], code: str, field: str) -> None:
    arguments = {
        "username": "canbo1",
        "password": STRONG_PASSWORD,
        "full_name": "Trần Văn Minh",
        "agency_code": "01001",
        "actor": ACTOR,
    } | changes
    error = refusal(officer_create, **arguments)
    assert (error.code, error.field) == (code, field)
    assert not Officer.objects.exists()
    assert not get_user_model().objects.filter(username="canbo1").exists()


def test_officer_create_refuses_a_taken_username_whatever_its_case() -> None:
    get_user_model().objects.create(username="CanBo1")
    error = refusal(
        officer_create,
        username="canbo1",
        password=STRONG_PASSWORD,
        full_name="Trần Văn Minh",
        agency_code="01001",
        actor=ACTOR,
    )
    assert (error.code, error.field) == ("OFFICER_USERNAME_TAKEN", "username")


def test_officer_create_refuses_an_inactive_agency() -> None:
    from ebhxh.reference.models import Agency

    Agency.objects.filter(code="01002").update(is_active=False)
    error = refusal(
        officer_create,
        username="canbo1",
        password=STRONG_PASSWORD,
        full_name="Trần Văn Minh",
        agency_code="01002",
        actor=ACTOR,
    )
    assert error.code == "OFFICER_AGENCY_UNKNOWN"


# Units -------------------------------------------------------------------------------------


def test_unit_create_stores_normalised_values_and_audits() -> None:
    unit = unit_create(**UNIT)
    unit.refresh_from_db()
    assert unit.unit_code == "0100109106DNA03"
    assert unit.tax_code == TAX_CODE
    assert unit.name == "Công ty TNHH Minh Phúc"
    assert unit.phone == "0912345678"
    assert unit.managing_agency_id == "01001"
    assert unit.status == Unit.Status.ACTIVE
    record = AuditRecord.objects.get(action="registry.unit_create")
    assert record.object_id == str(unit.pk)
    assert record.data["unit_code"] == "0100109106DNA03"


def test_unit_create_accepts_legacy_codes_and_no_contact() -> None:
    unit = unit_create(**UNIT | {"unit_code": "tzh490l", "email": "", "phone": " "})
    assert (unit.unit_code, unit.email, unit.phone) == ("TZH490L", "", "")


def test_unit_create_lets_non_enterprises_use_another_registration_number() -> None:
    unit = unit_create(**UNIT | {"unit_code": "1234567890HCE01"})
    assert unit.unit_code == "1234567890HCE01"


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"unit_code": "0100109106XXA03"}, "UNIT_CODE_TARGET_GROUP", "unit_code"),
        ({"unit_code": "0100109106DN"}, "UNIT_CODE_LENGTH", "unit_code"),
        ({"unit_code": ""}, "UNIT_CODE_EMPTY", "unit_code"),
        ({"unit_code": "0100109107DNA03"}, "UNIT_CODE_TAX_CODE_MISMATCH", "unit_code"),
        ({"tax_code": "0100109107"}, "MST_CHECK_DIGIT", "tax_code"),
        ({"tax_code": "01001091"}, "MST_LENGTH", "tax_code"),
        ({"name": "   "}, "UNIT_NAME_EMPTY", "name"),
        ({"name": "x" * 301}, "UNIT_NAME_TOO_LONG", "name"),
        ({"address": ""}, "UNIT_ADDRESS_EMPTY", "address"),
        ({"address": "x" * 401}, "UNIT_ADDRESS_TOO_LONG", "address"),
        ({"province_code": "99"}, "UNIT_PROVINCE_UNKNOWN", "province_code"),
        ({"managing_agency_code": "99999"}, "UNIT_AGENCY_UNKNOWN", "managing_agency_code"),
        ({"managing_agency_code": "01000"}, "UNIT_AGENCY_NOT_LOCAL", "managing_agency_code"),
        (
            {"managing_agency_code": "79001"},
            "UNIT_AGENCY_PROVINCE_MISMATCH",
            "managing_agency_code",
        ),
        ({"email": "ketoan@"}, "UNIT_EMAIL_INVALID", "email"),
        ({"phone": "0241234567"}, "PHONE_PREFIX", "phone"),
        ({"phone": "09123"}, "PHONE_LENGTH", "phone"),
    ],
)
def test_unit_create_refuses_bad_input(changes: dict[str, str], code: str, field: str) -> None:
    error = refusal(unit_create, **UNIT | changes)
    assert (error.code, error.field) == (code, field)
    assert error.message
    assert not Unit.objects.exists()
    assert not AuditRecord.objects.filter(action="registry.unit_create").exists()


def test_unit_create_refuses_a_taken_unit_code() -> None:
    unit_create(**UNIT)
    error = refusal(unit_create, **UNIT | {"name": "Công ty khác"})
    assert (error.code, error.field) == ("UNIT_CODE_TAKEN", "unit_code")
    assert Unit.objects.count() == 1
