"""Row generation throughput of `ebhxh seed`, and the query plans of the registry selectors.

    .venv/bin/python bench/seed.py [--persons 200000] [--units 50000]
    EBHXH_DEMO=1 DATABASE_URL=postgres://... .venv/bin/python bench/seed.py --plans

Without `--plans`: generates and encodes (COPY text) each table's rows in this process, no
database, and prints rows per second of CPU time, so the figure does not depend on what
else the machine runs. A load is bounded by the slower of this (per worker process) and
PostgreSQL's COPY ingest; docs/registry.md has the end-to-end figures.

With `--plans`: runs each selector of `ebhxh.agency.registry.selectors` once against a
seeded PostgreSQL registry, captures the SQL it sent, and prints EXPLAIN (ANALYZE, BUFFERS)
for it, which is what docs/registry.md shows.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from ebhxh.agency.registry.seeding.pipeline import encode
from ebhxh.agency.registry.seeding.rows import SeedPlan, WardRef, tables_for

WARDS = tuple(
    WardRef(f"{i:05d}", f"Phường {i}", province, f"tỉnh {province}", f"{province}001")
    for i, province in enumerate(["01", "79", "04", "08"] * 50)
)


def plans() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ebhxh.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from ebhxh.agency.registry import selectors
    from ebhxh.agency.registry.models import Employment, InsuredPerson, IvanConnection, Unit

    # The unit with the most current employees: the worst case for "Lấy lao động".
    top = (
        Employment.objects.filter(end_date__isnull=True)
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by("-n")[0]
    )
    big = Unit.objects.get(pk=top["unit_id"])
    person = InsuredPerson.objects.order_by("pk")[InsuredPerson.objects.count() // 2]
    deep = selectors.current_employees(unit_id=big.pk, limit=1000).next_after
    connection_row = IvanConnection.objects.filter(status="active").first()
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("unit_by_code", lambda: selectors.unit_by_code(big.unit_code)),
        ("units_by_tax_code", lambda: list(selectors.units_by_tax_code(big.tax_code))),
        (
            f"current_employees, first page (unit with {top['n']:,} employees)",
            lambda: selectors.current_employees(unit_id=big.pk, limit=100),
        ),
        (
            "current_employees, page after 1,000",
            lambda: selectors.current_employees(unit_id=big.pk, after=deep, limit=100),
        ),
        (
            "person_by_insurance_number",
            lambda: selectors.person_by_insurance_number(person.insurance_number),
        ),
        ("person_by_citizen_id", lambda: selectors.person_by_citizen_id(person.citizen_id or "")),
    ]
    if connection_row is not None:
        cases += [
            (
                "ivan_connection_by_fingerprint",
                lambda: selectors.ivan_connection_by_fingerprint(
                    connection_row.certificate_fingerprint
                ),
            ),
            (
                "ivan_connection_by_provider",
                lambda: selectors.ivan_connection_by_provider(connection_row.provider_id),
            ),
        ]
    for title, call in cases:
        call()  # warm the cache, as the gateway's steady state is
        with CaptureQueriesContext(connection) as captured:
            call()
        for query in captured.captured_queries:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"### {title}\n\n```sql\n{query['sql']}\n```\n\n```\n{plan}\n```\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--units", type=int, default=50_000)
    parser.add_argument("--plans", action="store_true", help="EXPLAIN the selectors instead")
    args = parser.parse_args()
    if args.plans:
        plans()
        return
    plan = SeedPlan(
        seed=1,
        as_of=date(2026, 6, 30),
        created_at="2026-06-30T09:00:00+07:00",
        units=args.units,
        persons=args.persons,
        max_jobs=2,
        unit_start=0,
        unit_id_base=1,
        person_start=0,
        person_id_base=1,
        wards=WARDS,
    )
    started = time.process_time()
    tables_for(plan).active_units  # noqa: B018 - built once per worker, timed apart
    print(f"lookup tables: {time.process_time() - started:.2f} s CPU")
    for key, count in (
        ("unit", args.units),
        ("person", args.persons),
        ("employment", args.persons),
    ):
        started = time.process_time()
        rows, payload = encode(plan, (key, 0, count))
        seconds = time.process_time() - started
        print(
            f"{key:<11} {rows:>10,} rows  {rows / seconds:>10,.0f} rows/s CPU  "
            f"{len(payload) / rows:6.1f} bytes/row"
        )


if __name__ == "__main__":
    main()
