"""Field checks the services share, collecting every error with its field, code and message.

Services validate their own input (a script or a later API calls them without a form); the
forms only carry the errors back next to the fields they belong to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ebhxh.core.errors import DomainError
from ebhxh.identifiers import IdentifierError, parse_phone, parse_tax_code, parse_unit_code
from ebhxh.reference.models import Province


@dataclass(frozen=True)
class FieldError:
    code: str
    message: str


class InvalidInput(DomainError):
    """Some fields are wrong; `errors` maps each field to what is wrong with it."""

    code = "IVAN_INVALID_INPUT"

    def __init__(self, errors: Mapping[str, Sequence[FieldError]]) -> None:
        super().__init__("Thông tin chưa hợp lệ, vui lòng sửa các ô được đánh dấu.")
        self.errors = {field: tuple(found) for field, found in errors.items()}

    def codes(self, field: str) -> list[str]:
        return [error.code for error in self.errors.get(field, ())]


class Errors:
    """Collects field errors, then raises them all at once."""

    def __init__(self) -> None:
        self.found: dict[str, list[FieldError]] = {}

    def add(self, field: str, code: str, message: str) -> None:
        self.found.setdefault(field, []).append(FieldError(code, message))

    def __contains__(self, field: str) -> bool:
        return field in self.found

    def raise_if_any(self) -> None:
        if self.found:
            raise InvalidInput(self.found)

    def text(
        self, field: str, value: str, *, label: str, max_length: int, required: bool = True
    ) -> str:
        cleaned = " ".join(value.split())
        if required and not cleaned:
            self.add(field, "REQUIRED", f"Chưa nhập {label}.")
        elif len(cleaned) > max_length:
            self.add(field, "TOO_LONG", f"{label.capitalize()} dài tối đa {max_length} ký tự.")
        return cleaned

    def tax_code(self, field: str, value: str, *, required: bool = True) -> str:
        if not value.strip() and not required:
            return ""
        try:
            return parse_tax_code(value).value
        except IdentifierError as error:
            self.add(field, error.code, error.message)
            return value.strip()

    def unit_code(self, field: str, value: str) -> str:
        try:
            return parse_unit_code(value).value
        except IdentifierError as error:
            self.add(field, error.code, error.message)
            return value.strip()

    def phone(self, field: str, value: str) -> str:
        if not value.strip():
            return ""
        try:
            return parse_phone(value).national
        except IdentifierError as error:
            self.add(field, error.code, error.message)
            return value.strip()

    def email(self, field: str, value: str, *, required: bool = False) -> str:
        cleaned = value.strip()
        if not cleaned:
            if required:
                self.add(field, "REQUIRED", "Chưa nhập email.")
            return ""
        try:
            validate_email(cleaned)
        except ValidationError:
            self.add(
                field,
                "EMAIL_INVALID",
                f"Email '{cleaned}' không hợp lệ. Nhập đúng dạng ten@congty.vn.",
            )
        return cleaned

    def province(self, field: str, code: str, *, required: bool = True) -> Province | None:
        if not code:
            if required:
                self.add(field, "REQUIRED", "Chọn tỉnh, thành phố trực thuộc trung ương.")
            return None
        found = Province.objects.filter(code=code).first()
        if found is None:
            self.add(
                field,
                "PROVINCE_UNKNOWN",
                "Tỉnh, thành phố không có trong danh mục 34 tỉnh, thành phố sau sắp xếp 2025.",
            )
        return found
