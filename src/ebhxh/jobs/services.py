"""The scheduler's one use case: enqueue every job that is due, exactly once per slot."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ebhxh.jobs.models import PeriodicJobState
from ebhxh.jobs.periodic import PeriodicJob, registered


def scheduler_tick(*, now: datetime | None = None) -> list[str]:
    """Claim each due slot with a conditional UPDATE, so concurrent schedulers never double-fire.

    The claim and the enqueue share one transaction: with the database task backend the
    task row commits together with the new `next_run_at`, or neither does.
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
        result = job.task.enqueue()
        PeriodicJobState.objects.filter(key=job.key).update(last_task_id=str(result.id)[:64])
        return True
