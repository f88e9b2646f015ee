"""The PostgreSQL path: COPY from worker processes, indexes dropped and rebuilt, rollback.

Run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test; skipped on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection

from ebhxh.agency.registry.models import Employment, InsuredPerson, Unit
from ebhxh.agency.registry.seeding import pipeline
from ebhxh.agency.registry.seeding.rows import Row, SeedPlan
from tests.agency.registry.conftest import clear_registry, registry_snapshot, run_seed

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="COPY FROM STDIN and index rebuilds exist only on PostgreSQL",
    ),
]

ARGS = ("--units", "60", "--persons", "3000", "--seed", "21", "--batch", "1000")
TABLES = ["registry_unit", "registry_insuredperson", "registry_employment"]


def structures() -> list[tuple[str, str]]:
    """Every index and constraint definition of the three tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
            WHERE indrelid = ANY(%s::regclass[])
            UNION ALL
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = ANY(%s::regclass[])
            ORDER BY 1, 2
            """,
            [TABLES, TABLES],
        )
        return cursor.fetchall()


@pytest.mark.parametrize(
    "copy_args",
    [
        ("--workers", "2", "--indexes", "rebuild"),
        ("--workers", "0", "--indexes", "keep"),
    ],
)
def test_copy_loads_the_rows_bulk_create_loads(copy_args: tuple[str, ...]) -> None:
    before = structures()
    run_seed(*ARGS, "--method", "orm")
    expected = registry_snapshot()
    clear_registry()
    out, err = run_seed(*ARGS, "--method", "copy", *copy_args)
    assert "COPY" in out
    assert registry_snapshot() == expected
    assert InsuredPerson.objects.count() == 3000
    # The rebuild restored exactly what the migrations made (deferrable FKs included).
    assert structures() == before
    if "rebuild" in copy_args:
        assert "Đã tạm bỏ" in err and "Tạo lại khóa ngoại" in out + err


def test_sequences_move_past_the_loaded_ids() -> None:
    run_seed(*ARGS, "--method", "copy", "--workers", "0")
    top_unit = Unit.objects.order_by("-id").values_list("id", flat=True).first()
    created = Unit.objects.create(
        unit_code="TZH490L",
        tax_code="0100109106",
        name="Sau khi nạp",
        address="Hà Nội",
        province_id="01",
        managing_agency_id="01001",
    )
    assert top_unit is not None and created.pk > top_unit
    top_person = InsuredPerson.objects.order_by("-id").values_list("id", flat=True).first()
    person = InsuredPerson.objects.create(
        insurance_number="0100000001", full_name="Sau khi nạp", birth_date="1990-01-01"
    )
    assert top_person is not None and person.pk > top_person
    # ANALYZE ran: the planner knows the tables' sizes.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'registry_insuredperson'::regclass"
        )
        assert cursor.fetchone()[0] >= 3000


def test_a_failure_rolls_everything_back(monkeypatch: pytest.MonkeyPatch) -> None:
    before = structures()

    def broken(plan: SeedPlan, start: int, stop: int) -> Iterator[Row]:
        raise RuntimeError("hỏng giữa chừng")
        yield ()

    monkeypatch.setitem(pipeline.GENERATORS, "employment", broken)
    with pytest.raises(RuntimeError, match="hỏng giữa chừng"):
        run_seed(*ARGS, "--method", "copy", "--workers", "0", "--indexes", "rebuild")
    assert not Unit.objects.exists()
    assert not InsuredPerson.objects.exists()
    assert not Employment.objects.exists()
    assert structures() == before
