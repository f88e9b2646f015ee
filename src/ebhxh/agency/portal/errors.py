"""Refusals of the portal's services: a stable code and a Vietnamese message per field."""

from __future__ import annotations

from dataclasses import dataclass

from ebhxh.core.errors import DomainError


@dataclass(frozen=True)
class FieldError:
    code: str
    message: str


class InvalidInput(DomainError):
    """Every field at fault at once, so the person fixes the form in one pass."""

    code = "INVALID_INPUT"

    def __init__(self, errors: dict[str, list[FieldError]]) -> None:
        first_field, first_errors = next(iter(errors.items()))
        super().__init__(first_errors[0].message, code=first_errors[0].code, field=first_field)
        self.errors = errors

    @classmethod
    def one(cls, field: str, code: str, message: str) -> InvalidInput:
        return cls({field: [FieldError(code, message)]})
