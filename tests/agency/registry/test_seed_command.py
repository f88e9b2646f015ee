"""`ebhxh seed` against the database (SQLite or PostgreSQL, whichever the suite runs on)."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.core.management import CommandError
from django.db import connection

from ebhxh.agency.registry.models import Employment, InsuredPerson, Unit
from ebhxh.agency.registry.seeding import identifiers as ids
from ebhxh.audit.models import AuditRecord
from ebhxh.identifiers import (
    parse_citizen_id,
    parse_insurance_number,
    parse_phone,
    parse_tax_code,
    parse_unit_code,
)
from ebhxh.reference.models import Agency, AgencyWard
from tests.agency.registry.conftest import (
    AS_OF,
    clear_registry,
    registry_snapshot,
    run_seed,
)

pytestmark = pytest.mark.django_db

ARGS = ("--units", "40", "--persons", "600", "--seed", "11")


def test_summary_and_progress(seeded: tuple[str, str]) -> None:
    out, err = seeded
    assert "Đã nạp dữ liệu tổng hợp (seed 11, ngày tham chiếu 30/06/2026" in out
    assert "Đơn vị:" in out and "Người tham gia:" in out and "Quá trình tham gia:" in out
    assert "Mã số BHXH từ 9000000000 đến 9000000599" in out
    assert "dòng/giây" in out
    # Progress goes to stderr, one final line per table at least.
    assert err.count("xong trong") == 3
    assert Unit.objects.count() == 40
    assert InsuredPerson.objects.count() == 600


def test_quiet_run_prints_no_progress(db: None) -> None:
    out, err = run_seed("--units", "2", "--persons", "5", "-v", "0")
    assert err == ""
    assert "Đã nạp" in out


def test_same_seed_same_rows_and_another_seed_other_rows(db: None) -> None:
    run_seed(*ARGS)
    first = registry_snapshot()
    clear_registry()
    run_seed(*ARGS)
    assert registry_snapshot() == first
    clear_registry()
    run_seed("--units", "40", "--persons", "600", "--seed", "12")
    other = registry_snapshot()
    assert other != first
    # Identifiers depend on the index only; names, places, jobs on the seed.
    assert [row[0] for row in other[1]] == [row[0] for row in first[1]]
    assert [row[2] for row in other[1]] != [row[2] for row in first[1]]


def test_batch_size_does_not_change_the_rows(db: None) -> None:
    run_seed(*ARGS)
    first = registry_snapshot()
    clear_registry()
    run_seed(*ARGS, "--batch", "1000")
    assert registry_snapshot() == first


def test_every_identifier_passes_the_project_checks(seeded: tuple[str, str]) -> None:
    for unit in Unit.objects.all():
        code = parse_unit_code(unit.unit_code)
        assert code.value == unit.unit_code
        assert code.enterprise_number == parse_tax_code(unit.tax_code).value
        assert parse_phone(unit.phone).national == unit.phone
    for person in InsuredPerson.objects.all():
        assert parse_insurance_number(person.insurance_number).value == person.insurance_number
        assert person.citizen_id is not None
        parse_citizen_id(
            person.citizen_id, birth_date=person.birth_date, gender=person.gender, today=AS_OF
        )
        if person.phone:
            parse_phone(person.phone)


def test_units_sit_in_a_real_ward_served_by_their_agency(seeded: tuple[str, str]) -> None:
    for unit in Unit.objects.select_related("managing_agency", "province"):
        agency = unit.managing_agency
        assert agency.level == Agency.Level.LOCAL
        assert agency.province_id == unit.province_id
        ward_names = AgencyWard.objects.filter(agency=agency).values_list("ward__name", flat=True)
        assert any(f", {name}, " in unit.address for name in ward_names), unit.address


def test_employments_are_consistent(seeded: tuple[str, str]) -> None:
    current = Counter(
        Employment.objects.filter(end_date__isnull=True).values_list("person_id", flat=True)
    )
    assert Counter(current.values())[1] > 0.9 * 600
    for employment in Employment.objects.select_related("person", "unit"):
        assert employment.start_date.year - employment.person.birth_date.year >= 19
        assert employment.start_date <= AS_OF
        if employment.end_date is None:
            assert employment.unit.status == Unit.Status.ACTIVE
        else:
            assert employment.start_date < employment.end_date
    assert Employment.objects.exclude(end_date=None).exists()


def test_a_second_run_continues_without_collisions(seeded: tuple[str, str]) -> None:
    out, _ = run_seed(*ARGS)
    assert "Mã số BHXH từ 9000000600 đến 9000001199" in out
    assert InsuredPerson.objects.count() == 1_200
    assert Unit.objects.count() == 80
    assert len(set(InsuredPerson.objects.values_list("citizen_id", flat=True))) == 1_200
    assert len(set(Unit.objects.values_list("tax_code", flat=True))) == 80
    # The second run's people work at the second run's units.
    second_units = set(Unit.objects.order_by("id").values_list("id", flat=True)[40:])
    second_people = InsuredPerson.objects.filter(insurance_number__gte="9000000600")
    employers = set(
        Employment.objects.filter(person__in=second_people).values_list("unit_id", flat=True)
    )
    assert employers <= second_units


def test_existing_rows_are_never_reused(db: None) -> None:
    """Ids, MSTs and CCCD numbers already taken by other rows are skipped."""
    run_seed("--units", "3", "--persons", "0", "--seed", "1")
    unit = Unit.objects.order_by("id").first()
    assert unit is not None
    cycle = ids.citizen_id_cycle()
    other = InsuredPerson.objects.create(
        insurance_number="0100000001",
        citizen_id=cycle.citizen_id(0)[0],
        full_name="Người có sẵn",
        birth_date=date(1990, 1, 1),
        gender="male",
    )
    # 91 is Kiên Giang's code: a real number just above the synthetic block.
    InsuredPerson.objects.create(
        insurance_number="9100000001",
        citizen_id=cycle.citizen_id(2)[0],
        full_name="Người ở Kiên Giang",
        birth_date=date(1990, 1, 1),
        gender="male",
    )
    Unit.objects.create(
        unit_code=f"{ids.tax_code(50)}DNA01",
        tax_code="0100109106",
        name="Đơn vị có sẵn",
        address="Hà Nội",
        province_id=unit.province_id,
        managing_agency_id=unit.managing_agency_id,
    )
    out, _ = run_seed("--units", "2", "--persons", "3", "--seed", "1")
    assert f"Mã đơn vị từ {ids.tax_code(51)}" in out
    first_seeded = InsuredPerson.objects.get(insurance_number="9000000000")
    assert first_seeded.citizen_id is None
    assert first_seeded.pk > other.pk
    assert InsuredPerson.objects.get(insurance_number="9000000001").citizen_id
    assert InsuredPerson.objects.get(insurance_number="9000000002").citizen_id is None


def test_one_audit_record_per_run(seeded: tuple[str, str]) -> None:
    records = AuditRecord.objects.filter(action="registry.seed")
    assert records.count() == 1
    data = records.get().data
    assert data["seed"] == 11
    assert data["rows"]["unit"] == 40
    assert data["rows"]["person"] == 600
    assert data["rows"]["employment"] == Employment.objects.count()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--units", "0", "--persons", "5"), "Cần ít nhất một đơn vị"),
        (("--employments-per-person", "0"), "từ 1 đến 5"),
        (("--as-of", "01/01/2020"), "Ngày tham chiếu phải từ"),
    ],
)
def test_refuses_bad_options(db: None, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        from django.core.management import call_command

        call_command("seed", *args)
    assert not Unit.objects.exists()


def test_copy_needs_postgresql(db: None) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL COPY is available")
    with pytest.raises(CommandError, match="COPY chỉ dùng được với PostgreSQL"):
        run_seed("--units", "1", "--persons", "1", "--method", "copy")


def test_refuses_outside_the_demo_without_force(db: None, settings: object) -> None:
    settings.DEMO = False  # type: ignore[attr-defined]
    settings.DEBUG = False  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="--force"):
        run_seed("--units", "1", "--persons", "1")
    run_seed("--units", "1", "--persons", "1", "--force")
    assert Unit.objects.count() == 1
