"""Thin task wrappers: the work is in services."""

from __future__ import annotations

from django_tasks import task

from ebhxh.notifications import services


@task()
def deliver_message(message_id: int) -> str | None:
    status = services.deliver(message_id=message_id)
    return str(status) if status else None


@task()
def sweep_outbox() -> int:
    return services.sweep_outbox()


@task()
def erase_sent_secrets() -> int:
    return services.erase_sent_secrets()
