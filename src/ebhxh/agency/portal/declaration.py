"""What a person declares on Mẫu số 01, checked field by field with stable codes.

One check serves the web form, the counter officer's entry and the signed XML the server
receives: a declaration that passes here is one the services may store, and one that fails
leaves nothing written. Errors name the field and carry the identifier check's code
(`CCCD_LENGTH`, `PHONE_PREFIX`, ...) or one of the `DECL_*` codes below.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from ebhxh.agency.portal.errors import FieldError, InvalidInput
from ebhxh.identifiers import (
    IdentifierError,
    citizen_id_mismatches,
    parse_citizen_id,
    parse_insurance_number,
    parse_phone,
)
from ebhxh.vntime import today_in_vietnam

FIELDS = (
    "full_name",
    "birth_date",
    "gender",
    "citizen_id",
    "insurance_number",
    "phone",
    "email",
    "address",
)
GENDERS = ("male", "female")
MAX_NAME = 200
MAX_ADDRESS = 400
EARLIEST_BIRTH = date(1900, 1, 1)
_SPACES = re.compile(r"\s+")
# Letters of any script (Vietnamese diacritics included), spaces, and the apostrophe or
# hyphen some ethnic-minority names carry; digits and other symbols are typing mistakes.
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")


@dataclass(frozen=True)
class Declaration:
    """A valid Mẫu 01: normalised (NFC names, national phone form, digits-only numbers)."""

    full_name: str
    birth_date: date
    gender: str
    citizen_id: str
    insurance_number: str
    phone: str
    email: str
    address: str

    def as_data(self) -> dict[str, str]:
        """Plain strings (ISO date), for the session and for re-checking later."""
        return {
            "full_name": self.full_name,
            "birth_date": self.birth_date.isoformat(),
            "gender": self.gender,
            "citizen_id": self.citizen_id,
            "insurance_number": self.insurance_number,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
        }


class DeclarationInvalid(InvalidInput):
    """A Mẫu 01 with fields at fault; `errors` maps each field to its errors."""

    code = "DECL_INVALID"


def clean_text(value: str) -> str:
    """NFC and single spaces: phones and some keyboards send decomposed diacritics."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def name_key(value: str) -> str:
    """How two spellings of a name are compared: case and spacing do not count, diacritics
    do ('Hương' and 'Huong' are different names in Vietnamese)."""
    return clean_text(value).casefold()


def _parse_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    return None


def validate_declaration(data: Mapping[str, object], *, today: date | None = None) -> Declaration:
    """Check and normalise a declaration; raise DeclarationInvalid listing every field."""
    today = today or today_in_vietnam()
    errors: dict[str, list[FieldError]] = {}

    def fail(name: str, code: str, message: str) -> None:
        errors.setdefault(name, []).append(FieldError(code, message))

    full_name = clean_text(str(data.get("full_name") or ""))
    if not full_name:
        fail("full_name", "DECL_NAME_EMPTY", _("Nhập họ và tên như trên thẻ căn cước."))
    elif len(full_name) > MAX_NAME:
        fail("full_name", "DECL_NAME_LENGTH", _("Họ và tên dài quá 200 ký tự."))
    elif not _NAME_CHARS.match(full_name):
        fail(
            "full_name",
            "DECL_NAME_CHARACTERS",
            _("Họ và tên chỉ gồm chữ cái và dấu cách, không có chữ số hay ký hiệu."),
        )

    raw_birth = data.get("birth_date")
    birth_date = _parse_date(raw_birth)
    if birth_date is None:
        if raw_birth in (None, ""):
            fail("birth_date", "DECL_BIRTH_DATE_EMPTY", _("Nhập ngày sinh."))
        else:
            fail(
                "birth_date",
                "DECL_BIRTH_DATE_FORMAT",
                _("Ngày sinh phải có dạng ngày/tháng/năm, ví dụ 05/09/1990."),
            )
    elif birth_date > today:
        fail("birth_date", "DECL_BIRTH_DATE_FUTURE", _("Ngày sinh không thể sau hôm nay."))
        birth_date = None
    elif birth_date < EARLIEST_BIRTH:
        fail("birth_date", "DECL_BIRTH_DATE_RANGE", _("Ngày sinh phải từ năm 1900 trở đi."))
        birth_date = None

    gender = str(data.get("gender") or "").strip()
    if gender not in GENDERS:
        fail("gender", "DECL_GENDER", _("Chọn giới tính Nam hoặc Nữ."))
        gender = ""

    citizen_id = ""
    try:
        parsed = parse_citizen_id(str(data.get("citizen_id") or ""), today=today)
        citizen_id = parsed.value
        # Birth year and gender are written into the CCCD: say every disagreement at once.
        for mismatch in citizen_id_mismatches(parsed, birth_date=birth_date, gender=gender or None):
            fail("citizen_id", mismatch.code, mismatch.message)
    except IdentifierError as error:
        fail("citizen_id", error.code, error.message)

    insurance_number = ""
    try:
        insurance_number = parse_insurance_number(str(data.get("insurance_number") or "")).value
    except IdentifierError as error:
        fail("insurance_number", error.code, error.message)

    phone = ""
    try:
        phone = parse_phone(str(data.get("phone") or "")).national
    except IdentifierError as error:
        fail("phone", error.code, error.message)

    email = str(data.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            fail(
                "email",
                "DECL_EMAIL",
                _("Thư điện tử không đúng dạng, ví dụ ten@vidu.vn; bỏ trống nếu không có."),
            )

    address = clean_text(str(data.get("address") or ""))
    if not address:
        fail("address", "DECL_ADDRESS_EMPTY", _("Nhập địa chỉ liên hệ."))
    elif len(address) > MAX_ADDRESS:
        fail("address", "DECL_ADDRESS_LENGTH", _("Địa chỉ dài quá 400 ký tự."))

    if errors:
        raise DeclarationInvalid(errors)
    assert birth_date is not None  # no error means every field parsed
    return Declaration(
        full_name=full_name,
        birth_date=birth_date,
        gender=gender,
        citizen_id=citizen_id,
        insurance_number=insurance_number,
        phone=phone,
        email=email.lower(),
        address=address,
    )
