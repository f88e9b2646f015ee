"""A task the scheduler tests can count."""

from django_tasks import task

CALLS: list[str] = []


@task()
def record_call() -> None:
    CALLS.append("called")
