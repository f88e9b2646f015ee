"""Thin task wrapper: the work is in services."""

from __future__ import annotations

from django_tasks import task

from ebhxh.ivan.employees import services


@task()
def fetch_employees(fetch_id: int) -> str:
    return str(services.employee_fetch_run(fetch_id=fetch_id).status)
