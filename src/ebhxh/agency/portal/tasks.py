"""Thin task wrappers: the work is in services."""

from __future__ import annotations

from django_tasks import task

from ebhxh.agency.portal import services


@task()
def decide_registration(registration_id: int) -> str:
    return str(services.registration_auto_decide(registration_id=registration_id).status)


@task()
def cancel_expired_declarations() -> int:
    return services.declarations_cancel_expired()


@task()
def redecide_stuck_registrations() -> int:
    return services.registrations_redecide_stuck()
