"""Operator use case: reload the reference tables from their data files, audited."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from django.db import transaction

from ebhxh.audit.services import audit_record
from ebhxh.reference.loader import LoadReport, load_reference


def reference_reload(
    *,
    actor: str,
    data_dir: Path | None = None,
    dry_run: bool = False,
) -> LoadReport:
    """Upsert every table in one transaction; a real change leaves an audit record.

    A dry run does the same work and rolls it back, so its report is exactly what a real
    run would change.
    """
    with transaction.atomic():
        report = load_reference(data_dir=data_dir)
        if dry_run:
            transaction.set_rollback(True)
        elif report.changed:
            audit_record(
                actor=actor,
                action="reference.reloaded",
                object_type="reference.data",
                object_id=str(data_dir or "packaged"),
                data={name: asdict(table) for name, table in report.tables.items()},
            )
    return report
