"""Mẫu 01 field checks: every field at fault, with the identifier check's code, in Vietnamese."""

from __future__ import annotations

from datetime import date

import pytest

from ebhxh.agency.portal.declaration import DeclarationInvalid, validate_declaration
from tests.agency.portal.support import HUONG

TODAY = date(2026, 6, 1)


def errors(**changes) -> dict[str, list[str]]:
    try:
        validate_declaration({**HUONG, **changes}, today=TODAY)
    except DeclarationInvalid as error:
        return {field: [e.code for e in items] for field, items in error.errors.items()}
    return {}


def test_a_good_declaration_is_normalised():
    declaration = validate_declaration(
        {
            **HUONG,
            "full_name": "  nguyễn   thị  hương ",
            "phone": "+84 912.345.678",
            "email": "Huong@Example.VN",
        },
        today=TODAY,
    )
    assert declaration.full_name == "nguyễn thị hương"
    assert declaration.phone == "0912345678"
    assert declaration.email == "huong@example.vn"
    assert declaration.birth_date == date(1990, 5, 12)


def test_dates_may_be_typed_the_vietnamese_way():
    assert validate_declaration(
        {**HUONG, "birth_date": "12/05/1990"}, today=TODAY
    ).birth_date == date(1990, 5, 12)


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"full_name": ""}, "full_name", "DECL_NAME_EMPTY"),
        ({"full_name": "Nguyễn Thị Hương 2"}, "full_name", "DECL_NAME_CHARACTERS"),
        ({"birth_date": ""}, "birth_date", "DECL_BIRTH_DATE_EMPTY"),
        ({"birth_date": "31/02/1990"}, "birth_date", "DECL_BIRTH_DATE_FORMAT"),
        ({"birth_date": "2026-07-01"}, "birth_date", "DECL_BIRTH_DATE_FUTURE"),
        ({"gender": "x"}, "gender", "DECL_GENDER"),
        ({"citizen_id": "00119001234"}, "citizen_id", "CCCD_LENGTH"),
        ({"citizen_id": "001190O12345"}, "citizen_id", "CCCD_NOT_DIGITS"),
        ({"citizen_id": "999190012345"}, "citizen_id", "CCCD_PROVINCE"),
        ({"birth_date": "1991-05-12"}, "citizen_id", "CCCD_BIRTH_YEAR_MISMATCH"),
        ({"gender": "male"}, "citizen_id", "CCCD_GENDER_MISMATCH"),
        ({"insurance_number": "01900123"}, "insurance_number", "BHXH_LENGTH"),
        ({"phone": "0243 826 123"}, "phone", "PHONE_PREFIX"),  # a landline
        ({"phone": ""}, "phone", "PHONE_EMPTY"),
        ({"email": "huong@"}, "email", "DECL_EMAIL"),
        ({"address": " "}, "address", "DECL_ADDRESS_EMPTY"),
    ],
)
def test_each_field_error_has_its_code(changes, field, code):
    assert code in errors(**changes).get(field, []), errors(**changes)


def test_every_field_at_fault_is_reported_at_once():
    found = errors(full_name="", citizen_id="1", phone="123", address="")
    assert set(found) == {"full_name", "citizen_id", "phone", "address"}


def test_messages_are_vietnamese():
    with pytest.raises(DeclarationInvalid) as caught:
        validate_declaration({**HUONG, "gender": "male"}, today=TODAY)
    message = caught.value.errors["citizen_id"][0].message
    assert "nữ" in message and "nam" in message
