"""Writing a run's rows: COPY on PostgreSQL, `bulk_create` elsewhere, all in one transaction.

On PostgreSQL, worker processes generate and encode batches (the rows are pure functions of
the plan, so any process can make any batch) while this process streams them into
`COPY ... FROM STDIN`; bounded queues keep at most a few batches per worker in memory. For
a large load the tables' secondary indexes and foreign keys are dropped first and rebuilt
afterwards: building an index once from sorted data is many times faster than updating it
20 million times, and a foreign key added afterwards is checked by one join instead of a
trigger per row. All of it, the rebuild and the audit record included, commits or rolls
back as one, so a failed run leaves the registry as it was.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from psycopg import sql

from ebhxh.agency.registry.models import Employment, InsuredPerson, Unit
from ebhxh.agency.registry.seeding.pipeline import Job, jobs_for, payloads
from ebhxh.agency.registry.seeding.plan import build_plan
from ebhxh.agency.registry.seeding.progress import Progress, vn_duration
from ebhxh.agency.registry.seeding.rows import (
    EMPLOYMENT_COLUMNS,
    NULL,
    PERSON_COLUMNS,
    UNIT_COLUMNS,
    Row,
    SeedPlan,
    employment_rows,
    person_rows,
    unit_rows,
)
from ebhxh.audit.services import SYSTEM_ACTOR, audit_record
from ebhxh.core.errors import DomainError
from ebhxh.vntime import today_in_vietnam

Method = Literal["auto", "copy", "orm"]
IndexMode = Literal["auto", "keep", "rebuild"]

# Below this many new rows, dropping and rebuilding indexes costs more than it saves, and
# the exclusive lock it takes would block readers for nothing.
REBUILD_THRESHOLD: Final = 500_000
# Below this many new rows, starting worker processes costs more than it saves.
WORKER_THRESHOLD: Final = 50_000


@dataclass(frozen=True)
class _Table:
    key: str
    model: type[Model]
    columns: tuple[str, ...]
    rows: Callable[[SeedPlan, int, int], Iterator[Row]]
    label: str

    @property
    def db_table(self) -> str:
        return self.model._meta.db_table


TABLES: Final = (
    _Table("unit", Unit, UNIT_COLUMNS, unit_rows, "Đơn vị"),
    _Table("person", InsuredPerson, PERSON_COLUMNS, person_rows, "Người tham gia"),
    _Table("employment", Employment, EMPLOYMENT_COLUMNS, employment_rows, "Quá trình tham gia"),
)
_BY_KEY: Final = {table.key: table for table in TABLES}


@dataclass(frozen=True)
class SeedOptions:
    """What `ebhxh seed` was asked for; None means "choose for this database"."""

    seed: int
    units: int
    persons: int
    max_jobs: int = 2
    batch: int = 10_000
    workers: int | None = None
    indexes: IndexMode = "auto"
    method: Method = "auto"
    as_of: date | None = None
    actor: str = SYSTEM_ACTOR


@dataclass
class SeedSummary:
    """What a run did, for the command's summary and the audit record."""

    plan: SeedPlan
    method: str
    workers: int
    indexes_rebuilt: bool
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def seed_registry(options: SeedOptions, *, progress: Progress) -> SeedSummary:
    """Load one run of synthetic units, persons and employments, with one audit record."""
    method = _method(options.method)
    rebuild = method == "copy" and _should_rebuild(options)
    workers = _workers(options) if method == "copy" else 0
    started = time.monotonic()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _lock(exclusive=rebuild)
        plan = build_plan(
            seed=options.seed,
            units=options.units,
            persons=options.persons,
            max_jobs=options.max_jobs,
            as_of=options.as_of or today_in_vietnam(),
            now=timezone.now(),
        )
        summary = SeedSummary(plan=plan, method=method, workers=workers, indexes_rebuilt=rebuild)
        jobs = jobs_for(plan, options.batch)
        if method == "copy":
            _load_copy(plan, jobs, summary, progress, rebuild=rebuild)
        else:
            _load_orm(plan, jobs, summary, progress, batch=options.batch)
        _record(summary, actor=options.actor)
    summary.seconds["total"] = time.monotonic() - started
    return summary


def _method(requested: Method) -> str:
    postgres = connection.vendor == "postgresql"
    if requested == "copy" and not postgres:
        raise DomainError(
            "COPY chỉ dùng được với PostgreSQL; bỏ --method copy để dùng bulk_create.",
            code="SEED_COPY_NEEDS_POSTGRESQL",
            field="method",
        )
    if requested == "auto":
        return "copy" if postgres else "orm"
    return requested


def _should_rebuild(options: SeedOptions) -> bool:
    if options.indexes != "auto":
        return options.indexes == "rebuild"
    new_rows = options.units + 2 * options.persons
    if new_rows < REBUILD_THRESHOLD:
        return False
    # Rebuilding reads every existing row too: worth it only when the load dominates.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(greatest(reltuples, 0)), 0) FROM pg_class "
            "WHERE oid = ANY(%s::regclass[])",
            [[table.db_table for table in TABLES]],
        )
        existing = float(cursor.fetchone()[0])
    return new_rows >= existing


def _workers(options: SeedOptions) -> int:
    if options.workers is not None:
        return max(0, options.workers)
    if options.units + 2 * options.persons < WORKER_THRESHOLD:
        return 0
    # One core is PostgreSQL's; the others generate.
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def _lock(*, exclusive: bool) -> None:
    """Keep other writers out until commit: the plan's ids and indexes must stay free.

    SHARE ROW EXCLUSIVE lets readers on and makes a second seed wait; dropping indexes
    needs ACCESS EXCLUSIVE anyway.
    """
    mode = "ACCESS EXCLUSIVE" if exclusive else "SHARE ROW EXCLUSIVE"
    tables = ", ".join(connection.ops.quote_name(table.db_table) for table in TABLES)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN {mode} MODE")


def _load_copy(
    plan: SeedPlan,
    jobs: list[Job],
    summary: SeedSummary,
    progress: Progress,
    *,
    rebuild: bool,
) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor
        dropped: list[_Structure] = []
        if rebuild:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            dropped = _drop_secondary(cursor)
            progress.note(
                f"Đã tạm bỏ {len(dropped)} chỉ mục và ràng buộc phụ; sẽ tạo lại sau khi nạp."
            )
        stream = payloads(plan, jobs, summary.workers)
        try:
            for table in TABLES:
                table_jobs = [job for job in jobs if job[0] == table.key]
                summary.rows[table.key] = 0
                if not table_jobs:
                    continue
                progress.start(table.label, table_jobs[-1][2])
                statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(table.db_table),
                    sql.SQL(", ").join(map(sql.Identifier, table.columns)),
                )
                with raw.copy(statement) as copy:
                    for _key, start, stop in table_jobs:
                        rows, payload = next(stream)
                        if rows:
                            copy.write(payload)
                        summary.rows[table.key] += rows
                        progress.advance(rows=rows, done=stop - start)
                summary.seconds[table.key] = progress.finish()
        finally:
            stream.close()
        if dropped:
            summary.seconds["indexes"] = _restore(cursor, dropped, progress)
        _advance_sequences(cursor, plan)
        began = time.monotonic()
        names = ", ".join(connection.ops.quote_name(t.db_table) for t in TABLES)
        cursor.execute(f"ANALYZE {names}")
        summary.seconds["analyze"] = time.monotonic() - began


@dataclass(frozen=True)
class _Structure:
    """A secondary index or constraint, with the SQL to drop and to recreate it."""

    name: str
    drop: str
    create: str
    is_foreign_key: bool


def _drop_secondary(cursor: Any) -> list[_Structure]:
    """Drop every index and constraint of the three tables except primary keys and checks.

    Definitions are read from the catalogue (pg_get_indexdef, pg_get_constraintdef), so the
    rebuild restores exactly what the migrations made, whatever they become. A unique
    constraint that a foreign key elsewhere depends on is left alone.
    """
    tables = [table.db_table for table in TABLES]
    # Writes made earlier in this transaction may still have foreign-key checks queued
    # (Django's are DEFERRABLE INITIALLY DEFERRED), and PostgreSQL refuses to alter a table
    # with pending trigger events: run those checks now. `_restore` defers them again.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, quote_ident(c.conname),
               pg_get_constraintdef(c.oid), c.contype = 'f'
        FROM pg_constraint c
        WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u')
          AND NOT (c.contype = 'u' AND EXISTS (
              SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid))
        ORDER BY c.contype = 'f' DESC, 1, 2
        """,
        [tables],
    )
    constraints = [
        _Structure(
            name=name,
            drop=f"ALTER TABLE {table} DROP CONSTRAINT {name}",
            create=f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}",
            is_foreign_key=is_fk,
        )
        for table, name, definition, is_fk in cursor.fetchall()
    ]
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                          WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
        ORDER BY 1
        """,
        [tables],
    )
    indexes = [
        _Structure(name=name, drop=f"DROP INDEX {name}", create=definition, is_foreign_key=False)
        for name, definition in cursor.fetchall()
    ]
    structures = constraints + indexes
    for structure in structures:
        cursor.execute(structure.drop)
    return structures


def _restore(cursor: Any, dropped: list[_Structure], progress: Progress) -> float:
    """Recreate indexes and unique constraints, then foreign keys (checked by one join)."""
    began = time.monotonic()
    for structure in sorted(dropped, key=lambda s: s.is_foreign_key):
        step = time.monotonic()
        cursor.execute(structure.create)
        kind = "khóa ngoại" if structure.is_foreign_key else "chỉ mục"
        progress.note(f"  Tạo lại {kind} {structure.name}: {vn_duration(time.monotonic() - step)}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return time.monotonic() - began


def _advance_sequences(cursor: Any, plan: SeedPlan) -> None:
    """Move the id sequences past the ids this run wrote itself."""
    for model, base, count in (
        (Unit, plan.unit_id_base, plan.units),
        (InsuredPerson, plan.person_id_base, plan.persons),
    ):
        if count:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [model._meta.db_table, base + count - 1],
            )


_CONVERTERS: Final[dict[str, Callable[[str], object]]] = {
    "id": int,
    "unit_id": int,
    "person_id": int,
    "salary": int,
    "birth_date": date.fromisoformat,
    "start_date": date.fromisoformat,
    "end_date": date.fromisoformat,
    "created_at": datetime.fromisoformat,
}


def to_model(table_key: str, row: Row) -> Model:
    """A model instance from a generated row (the ORM path and the tests use this)."""
    table = _BY_KEY[table_key]
    values: dict[str, object] = {}
    for column, value in zip(table.columns, row, strict=True):
        if value == NULL:
            values[column] = None
        else:
            convert = _CONVERTERS.get(column)
            values[column] = convert(value) if convert else value
    return table.model(**values)


def _load_orm(
    plan: SeedPlan, jobs: list[Job], summary: SeedSummary, progress: Progress, *, batch: int
) -> None:
    for table in TABLES:
        table_jobs = [job for job in jobs if job[0] == table.key]
        summary.rows[table.key] = 0
        if not table_jobs:
            continue
        progress.start(table.label, table_jobs[-1][2])
        for key, start, stop in table_jobs:
            objects = [to_model(key, row) for row in table.rows(plan, start, stop)]
            table.model._default_manager.bulk_create(objects, batch_size=min(batch, 2_000))
            summary.rows[key] += len(objects)
            progress.advance(rows=len(objects), done=stop - start)
        summary.seconds[table.key] = progress.finish()
    if plan.units:
        # auto_now_add stamped each batch as it went in; the run's one timestamp is the
        # one COPY writes, so both paths leave the same rows.
        Unit.objects.filter(
            pk__gte=plan.unit_id_base, pk__lt=plan.unit_id_base + plan.units
        ).update(created_at=datetime.fromisoformat(plan.created_at))


def _record(summary: SeedSummary, *, actor: str) -> None:
    plan = summary.plan
    audit_record(
        actor=actor,
        action="registry.seed",
        object_type="registry.seed",
        object_id=str(plan.seed),
        data={
            "seed": plan.seed,
            "as_of": plan.as_of.isoformat(),
            "method": summary.method,
            "rows": dict(summary.rows),
            "unit_start": plan.unit_start,
            "person_start": plan.person_start,
            "max_jobs": plan.max_jobs,
        },
    )
