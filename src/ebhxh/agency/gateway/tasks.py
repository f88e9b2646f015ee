"""Thin task wrappers: the work is in services and callbacks."""

from __future__ import annotations

from django_tasks import task

from ebhxh.agency.gateway import callbacks, services


@task()
def process_dossier(dossier_id: int) -> str | None:
    return services.dossier_process(dossier_id=dossier_id)


@task()
def sweep_received_dossiers() -> int:
    return services.dossiers_sweep_received()


@task()
def deliver_callback(delivery_id: int) -> str | None:
    status = callbacks.deliver(delivery_id=delivery_id)
    return str(status) if status else None


@task()
def sweep_callbacks() -> int:
    return callbacks.sweep_callbacks()


@task()
def prune_nonces() -> int:
    return services.nonces_prune()
