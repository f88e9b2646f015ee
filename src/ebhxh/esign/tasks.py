"""Thin task wrappers: the work is in services."""

from __future__ import annotations

from django_tasks import task

from ebhxh.esign import services


@task()
def expire_signing_requests() -> int:
    return services.expire_due_requests()
