"""Thin task wrappers: the work is in handlers and services."""

from __future__ import annotations

from django_tasks import task

from ebhxh.agency.registrations.handlers import dossier_retry


@task()
def retry_registration_dossiers() -> int:
    return dossier_retry()
