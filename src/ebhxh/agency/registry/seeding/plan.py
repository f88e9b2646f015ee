"""Fixing what a run depends on: the reference tables and where the registry's data ends.

Called inside the loading transaction, after the registry tables are locked, so that no
other writer can take an identifier or an id between the reads here and the inserts.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection
from django.db.models import Max, Model, Q

from ebhxh.agency.registry.models import InsuredPerson, Unit
from ebhxh.agency.registry.seeding import identifiers as ids
from ebhxh.agency.registry.seeding.rows import SeedPlan, WardRef
from ebhxh.agency.registry.seeding.vocabulary import copy_safe
from ebhxh.core.errors import DomainError
from ebhxh.reference.models import Agency, AgencyWard, Province
from ebhxh.vntime import VIETNAM_TZ

# Every synthetic person is at least 19 on 1 January of the reference year and has had
# time for a job; the CCCD cycle's latest birth year fixes the earliest reference date.
EARLIEST_AS_OF = date(ids.CitizenIdCycle.LAST_YEAR + 19, 3, 1)
_SYNTHETIC_PERSONS = Q(
    insurance_number__gte=ids.insurance_number(0),
    insurance_number__lt=str(ids.INSURANCE_BASE + ids.INSURANCE_CAPACITY),
)
UNIT_CAPACITY = min(ids.TAX_CAPACITY, ids.PHONE_CAPACITY - ids.PHONE_UNIT_BASE)


def build_plan(
    *,
    seed: int,
    units: int,
    persons: int,
    max_jobs: int,
    as_of: date,
    now: datetime,
) -> SeedPlan:
    """Read the reference data, the next free synthetic indexes and ids; check capacity."""
    _check_counts(units=units, persons=persons, max_jobs=max_jobs, as_of=as_of)
    wards = reference_wards()
    if units and not wards:
        raise DomainError(
            "Chưa có phường, xã nào gắn với BHXH cơ sở: nạp dữ liệu tham chiếu trước "
            "(ebhxh load_reference).",
            code="SEED_NO_REFERENCE_DATA",
        )
    unit_start = next_unit_index()
    person_start = next_person_index()
    if unit_start + units > UNIT_CAPACITY:
        raise DomainError(
            f"Dải mã số thuế tổng hợp chỉ còn chỗ cho {UNIT_CAPACITY - unit_start} đơn vị.",
            code="SEED_CAPACITY",
            field="units",
        )
    person_capacity = min(
        ids.INSURANCE_CAPACITY, ids.PHONE_UNIT_BASE, ids.citizen_id_cycle().capacity
    )
    if person_start + persons > person_capacity:
        raise DomainError(
            f"Dải mã số BHXH tổng hợp chỉ còn chỗ cho {person_capacity - person_start} người.",
            code="SEED_CAPACITY",
            field="persons",
        )
    return SeedPlan(
        seed=seed,
        as_of=as_of,
        created_at=now.astimezone(VIETNAM_TZ).isoformat(timespec="seconds"),
        units=units,
        persons=persons,
        max_jobs=max_jobs,
        unit_start=unit_start,
        unit_id_base=next_id(Unit),
        person_start=person_start,
        person_id_base=next_id(InsuredPerson),
        wards=wards,
        taken_citizen_ids=taken_citizen_ids() if persons else frozenset(),
    )


def _check_counts(*, units: int, persons: int, max_jobs: int, as_of: date) -> None:
    if units < 0 or persons < 0:
        raise DomainError("Số đơn vị và số người phải không âm.", code="SEED_NEGATIVE")
    if persons and not units:
        raise DomainError(
            "Cần ít nhất một đơn vị để người tham gia có nơi làm việc (--units).",
            code="SEED_NO_UNITS",
            field="units",
        )
    if not 1 <= max_jobs <= 5:
        raise DomainError(
            "Số nơi làm việc tối đa của một người phải từ 1 đến 5.",
            code="SEED_MAX_JOBS",
            field="employments_per_person",
        )
    if as_of < EARLIEST_AS_OF:
        raise DomainError(
            f"Ngày tham chiếu phải từ {EARLIEST_AS_OF:%d/%m/%Y} trở đi.",
            code="SEED_AS_OF",
            field="as_of",
        )


def reference_wards() -> tuple[WardRef, ...]:
    """Every ward served by an active BHXH cơ sở, in code order (the order rows depend on)."""
    links = (
        AgencyWard.objects.filter(agency__level=Agency.Level.LOCAL, agency__is_active=True)
        .select_related("ward", "ward__province")
        .order_by("ward_id")
    )
    wards = []
    for link in links:
        province = link.ward.province
        label = (
            province.name
            if province.division_type != Province.DivisionType.PROVINCE
            else f"tỉnh {province.name}"
        )
        name, label = copy_safe((link.ward.name, label))
        wards.append(
            WardRef(
                code=link.ward_id,
                name=name,
                province_code=province.code,
                province_label=label,
                agency_code=link.agency_id,
            )
        )
    return tuple(wards)


def next_unit_index() -> int:
    """One past the highest synthetic unit index in use, by MST or by unit code."""
    low, high = ids.TAX_BLOCK
    found = Unit.objects.filter(tax_code__gte=low, tax_code__lt=high).aggregate(
        tax=Max("tax_code")
    )["tax"]
    code = Unit.objects.filter(unit_code__gte=low, unit_code__lt=high).aggregate(
        code=Max("unit_code")
    )["code"]
    used = [ids.tax_index(value) for value in (found, code) if value]
    return max(used, default=-1) + 1


def next_person_index() -> int:
    """One past the highest synthetic mã số BHXH in use."""
    found = InsuredPerson.objects.filter(_SYNTHETIC_PERSONS).aggregate(
        number=Max("insurance_number")
    )["number"]
    return ids.insurance_index(found) + 1 if found else 0


def taken_citizen_ids() -> frozenset[str]:
    """CCCD numbers of persons outside the synthetic range, which a synthetic one must avoid."""
    numbers = (
        InsuredPerson.objects.exclude(_SYNTHETIC_PERSONS)
        .filter(citizen_id__isnull=False)
        .values_list("citizen_id", flat=True)
    )
    return frozenset(number for number in numbers if number)


def next_id(model: type[Model]) -> int:
    """The first id a bulk load may use: above every row and every id the sequence gave."""
    table = model._meta.db_table
    highest = model._default_manager.aggregate(top=Max("pk"))["top"] or 0
    if connection.vendor != "postgresql":
        return int(highest) + 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
        last_value, is_called = cursor.fetchone()
    return max(int(highest), int(last_value) if is_called else int(last_value) - 1) + 1
