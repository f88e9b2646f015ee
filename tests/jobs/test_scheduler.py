import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from ebhxh.jobs import periodic
from ebhxh.jobs.models import PeriodicJobState
from ebhxh.jobs.services import scheduler_tick
from tests.jobs import tasks_for_tests

pytestmark = pytest.mark.django_db


@pytest.fixture
def only_test_job():
    saved = dict(periodic._REGISTRY)
    periodic._REGISTRY.clear()
    tasks_for_tests.CALLS.clear()
    periodic.register(
        key="tests.record_call",
        task=tasks_for_tests.record_call,
        every=timedelta(minutes=10),
        description="test",
    )
    yield
    periodic._REGISTRY.clear()
    periodic._REGISTRY.update(saved)


def test_due_job_fires_once_per_slot(only_test_job, django_capture_on_commit_callbacks):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert scheduler_tick(now=now) == ["tests.record_call"]
        assert scheduler_tick(now=now) == []
        assert scheduler_tick(now=now + timedelta(minutes=9)) == []
        assert scheduler_tick(now=now + timedelta(minutes=10)) == ["tests.record_call"]
    assert tasks_for_tests.CALLS == ["called", "called"]
    state = PeriodicJobState.objects.get(key="tests.record_call")
    assert state.next_run_at == now + timedelta(minutes=20)


def test_database_queue_gets_the_task_in_the_claiming_transaction(only_test_job, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert scheduler_tick(now=timezone.now()) == ["tests.record_call"]
    state = PeriodicJobState.objects.get(key="tests.record_call")
    assert DBTaskResult.objects.filter(id=state.last_task_id).exists()


def test_platform_registers_its_jobs():
    keys = {job.key for job in periodic.registered()}
    assert "notifications.sweep_outbox" in keys


def test_register_rejects_bad_interval_and_conflicting_task(only_test_job):
    with pytest.raises(ValueError):
        periodic.register(
            key="x", task=tasks_for_tests.record_call, every=timedelta(0), description=""
        )
    from ebhxh.notifications.tasks import sweep_outbox

    with pytest.raises(ValueError):
        periodic.register(
            key="tests.record_call", task=sweep_outbox, every=timedelta(1), description=""
        )


def test_scheduler_command_once(only_test_job, capsys):
    call_command("scheduler", "--once")
    assert "tests.record_call" in capsys.readouterr().out
    call_command("scheduler", "--list")
    assert "tests.record_call" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_concurrent_schedulers_fire_a_slot_once(only_test_job):
    now = timezone.now()
    scheduler_tick(now=now)  # creates the state row
    tasks_for_tests.CALLS.clear()
    later = now + timedelta(minutes=10)
    fired: list[list[str]] = []
    barrier = threading.Barrier(6)

    def run() -> None:
        barrier.wait()
        try:
            fired.append(scheduler_tick(now=later))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(len(f) for f in fired) == 1
    assert tasks_for_tests.CALLS == ["called"]


def test_broker_backends_enqueue_only_after_commit(
    only_test_job, django_capture_on_commit_callbacks
):
    """The test settings use the immediate backend, which stands for any non-database queue."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert scheduler_tick(now=timezone.now()) == ["tests.record_call"]
        assert tasks_for_tests.CALLS == []  # nothing reached the queue inside the transaction
    assert len(callbacks) == 1
    callbacks[0]()
    assert tasks_for_tests.CALLS == ["called"]
