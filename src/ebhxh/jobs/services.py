"""The scheduler's one use case: enqueue every job that is due, exactly once per slot."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_tasks_db import DatabaseBackend

from ebhxh.jobs.models import PeriodicJobState
from ebhxh.jobs.periodic import PeriodicJob, registered


def scheduler_tick(*, now: datetime | None = None) -> list[str]:
    """Claim each due slot with a conditional UPDATE, so concurrent schedulers never double-fire.

    With the database task backend the claim and the task row commit together, or neither
    does. With a broker (RQ, Celery) the enqueue waits for the commit like any side effect:
    a slot claimed and rolled back never reaches the broker; an enqueue lost after the
    commit only skips one run of a periodic job.
    """
    now = now or timezone.now()
    fired: list[str] = []
    for job in registered():
        if _claim_and_enqueue(job, now):
            fired.append(job.key)
    return fired


def _claim_and_enqueue(job: PeriodicJob, now: datetime) -> bool:
    with transaction.atomic():
        PeriodicJobState.objects.get_or_create(key=job.key, defaults={"next_run_at": now})
        claimed = PeriodicJobState.objects.filter(key=job.key, next_run_at__lte=now).update(
            next_run_at=now + job.every, last_enqueued_at=now
        )
        if not claimed:
            return False
        if _queue_is_this_database(job):
            result = job.task.enqueue()
            PeriodicJobState.objects.filter(key=job.key).update(last_task_id=str(result.id)[:64])
        else:
            transaction.on_commit(job.task.enqueue)
        return True


def _queue_is_this_database(job: PeriodicJob) -> bool:
    return isinstance(job.task.get_backend(), DatabaseBackend)
