"""The check of a Mẫu 01 against the registry of insured persons, one field at a time.

Both the automatic decision (signed online) and the officer's page use it, so the person
and the officer see the same differences. The person is told which fields differ, never the
registry's values: those are someone's personal data until the ID paper proves whose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ebhxh.agency.portal.declaration import name_key
from ebhxh.agency.portal.errors import FieldError

REGISTRY_MISMATCH = "IDN003"

FIELD_LABELS = {
    "full_name": gettext_lazy("Họ và tên"),
    "birth_date": gettext_lazy("Ngày sinh"),
    "gender": gettext_lazy("Giới tính"),
    "citizen_id": gettext_lazy("Số CCCD"),
    "insurance_number": gettext_lazy("Mã số BHXH"),
}


class PersonFacts(Protocol):
    """What the comparison reads: a declaration, a registration or an insured person."""

    @property
    def full_name(self) -> str: ...
    @property
    def birth_date(self) -> date: ...
    @property
    def gender(self) -> str: ...
    @property
    def insurance_number(self) -> str: ...
    @property
    def citizen_id(self) -> str | None: ...


@dataclass(frozen=True)
class Row:
    """One line of the officer's side-by-side view."""

    field: str
    label: str
    declared: str
    registry: str
    matches: bool


def _show(field: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if field == "gender":
        return str(_("Nam") if value == "male" else _("Nữ"))
    return str(value)


def _equal(field: str, declared: object, registered: object) -> bool:
    if field == "full_name":
        return name_key(str(declared)) == name_key(str(registered))
    return declared == registered


def compare(
    declared: PersonFacts,
    by_citizen_id: PersonFacts | None,
    by_insurance_number: PersonFacts | None,
) -> list[Row]:
    """Declared values against the registry's person found by CCCD (or else by mã số BHXH).

    When the two numbers lead to two different people, both numbers are marked as differing.
    """
    person = by_citizen_id or by_insurance_number
    split = (
        by_citizen_id is not None
        and by_insurance_number is not None
        and getattr(by_citizen_id, "pk", None) != getattr(by_insurance_number, "pk", None)
    )
    rows = []
    for field, label in FIELD_LABELS.items():
        declared_value = getattr(declared, field)
        registered = getattr(person, field) if person is not None else None
        matches = person is not None and _equal(field, declared_value, registered)
        if split and field in ("citizen_id", "insurance_number"):
            matches = False
        rows.append(
            Row(field, str(label), _show(field, declared_value), _show(field, registered), matches)
        )
    return rows


def mismatches(rows: list[Row], *, found: bool) -> dict[str, FieldError]:
    """IDN003 reasons by field, worded for the declarant."""
    if not found:
        return {
            "citizen_id": FieldError(
                REGISTRY_MISMATCH,
                _(
                    "Không tìm thấy người tham gia có số CCCD hoặc mã số BHXH đã khai trong dữ "
                    "liệu của cơ quan BHXH."
                ),
            )
        }
    return {
        row.field: FieldError(
            REGISTRY_MISMATCH,
            _("%(label)s đã khai không khớp với dữ liệu của cơ quan BHXH.") % {"label": row.label},
        )
        for row in rows
        if not row.matches
    }
