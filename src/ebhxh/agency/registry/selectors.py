"""Reads of the registry that the gateway makes for every dossier, and the consoles reuse.

Each is one equality look-up on a unique or indexed column (the plans on 20 million
persons are in docs/registry.md). Look-ups of one row raise the model's `DoesNotExist`
when nothing matches, as `ebhxh.reference.selectors` does; the gateway turns that into a
rejection code of its own. Input is normalised the way the services store it (stripped,
unit codes upper case, fingerprints lower-case hex), so a caller may pass what a user typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from django.db.models import QuerySet

from ebhxh.agency.registry.models import Employment, InsuredPerson, IvanConnection, Unit

EMPLOYEE_PAGE_MAX: Final = 1_000


def unit_by_code(unit_code: str) -> Unit:
    """The unit with this unit code (mã đơn vị), legacy or 2025 structure."""
    return Unit.objects.get(unit_code=unit_code.strip().upper())


def units_by_tax_code(tax_code: str) -> QuerySet[Unit]:
    """The units registered under one MST, by unit code: a unit whose code was reissued,
    or a parent and its branches when they registered separately."""
    return Unit.objects.filter(tax_code=tax_code.strip()).order_by("unit_code")


@dataclass(frozen=True, slots=True)
class Employee:
    """One row of "Lấy lao động": a current employee as the unit's software needs it."""

    person_id: int
    insurance_number: str
    citizen_id: str | None
    full_name: str
    birth_date: date
    gender: str
    position: str
    salary: int
    start_date: date


@dataclass(frozen=True, slots=True)
class EmployeePage:
    """A page of employees and the cursor for the next one (None on the last page)."""

    employees: list[Employee]
    next_after: int | None


def current_employees(*, unit_id: int, after: int | None = None, limit: int = 100) -> EmployeePage:
    """The unit's current employees, `limit` at a time, in registration order (person id).

    Keyset pagination (`after` = the previous page's `next_after`) walks the partial index
    on (unit, person) where the employment has not ended, so the thousandth page of a unit
    with 200,000 employees costs what the first does; OFFSET would re-read every row before.
    """
    limit = max(1, min(limit, EMPLOYEE_PAGE_MAX))
    employments = Employment.objects.filter(unit_id=unit_id, end_date__isnull=True)
    if after is not None:
        employments = employments.filter(person_id__gt=after)
    rows = list(
        employments.order_by("person_id").values_list(
            "person_id",
            "person__insurance_number",
            "person__citizen_id",
            "person__full_name",
            "person__birth_date",
            "person__gender",
            "position",
            "salary",
            "start_date",
        )[: limit + 1]
    )
    employees = [Employee(*row) for row in rows[:limit]]
    next_after = employees[-1].person_id if len(rows) > limit else None
    return EmployeePage(employees=employees, next_after=next_after)


def person_by_insurance_number(insurance_number: str) -> InsuredPerson:
    """The insured person with this mã số BHXH."""
    return InsuredPerson.objects.get(insurance_number=insurance_number.strip())


def person_by_citizen_id(citizen_id: str) -> InsuredPerson:
    """The insured person with this CCCD number (since 2025 it identifies them too)."""
    return InsuredPerson.objects.get(citizen_id=citizen_id.strip())


def normalise_fingerprint(fingerprint: str) -> str:
    """'AB:CD:…' or 'abcd…' -> 'abcd…', the form the registry stores."""
    return fingerprint.strip().replace(":", "").lower()


def ivan_connection_by_fingerprint(fingerprint: str) -> IvanConnection:
    """The active I-VAN connection whose certificate has this SHA-256 fingerprint: how the
    gateway recognises a caller from its TLS client certificate or signature."""
    return IvanConnection.objects.select_related("provider").get(
        certificate_fingerprint=normalise_fingerprint(fingerprint),
        status=IvanConnection.Status.ACTIVE,
    )


def ivan_connection_by_provider(provider_code: str) -> IvanConnection:
    """The active connection of an I-VAN by its code (MaIVAN in the dossier envelope)."""
    return IvanConnection.objects.select_related("provider").get(
        provider_id=provider_code.strip(), status=IvanConnection.Status.ACTIVE
    )
