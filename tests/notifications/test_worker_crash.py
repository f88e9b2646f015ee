"""Killing the worker loses no email: real worker processes, real SMTP, SIGKILL.

Runs against its own database (an SQLite file, or a fresh PostgreSQL database when the suite
runs on PostgreSQL), because the worker is a separate process.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.support.smtp import SmtpSink, free_port

pytestmark = pytest.mark.integration


class Stack:
    def __init__(self, env: dict[str, str], query: Callable[[str], list[tuple]]) -> None:
        self.env = env
        self.query = query
        self.procs: list[subprocess.Popen] = []

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "ebhxh", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def spawn(self, *args: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ebhxh", *args],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.procs.append(proc)
        return proc

    def statuses(self) -> Counter:
        return Counter(
            row[0] for row in self.query("SELECT status FROM notifications_outboxmessage")
        )

    def wait_until(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; outbox: {self.statuses()}")

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[tuple[str, Callable[[str], list[tuple]]]]:
    main = settings.DATABASES["default"]
    if main["ENGINE"].endswith("postgresql"):
        import psycopg

        name = f"ebhxh_it_{uuid.uuid4().hex[:10]}"
        admin = dict(
            host=main["HOST"],
            port=main["PORT"] or 5432,
            user=main["USER"],
            dbname="postgres",
            autocommit=True,
        )
        with psycopg.connect(**admin) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"postgres://{main['USER']}@{main['HOST']}:{main['PORT'] or 5432}/{name}"

        def query(sql: str) -> list[tuple]:
            with psycopg.connect(url) as conn:
                return list(conn.execute(sql).fetchall())

        yield url, query
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "crash.sqlite3"

        def query(sql: str) -> list[tuple]:
            with sqlite3.connect(path, timeout=20) as conn:
                return list(conn.execute(sql).fetchall())

        yield f"sqlite:///{path}", query


@pytest.fixture
def stack(tmp_path, database_url) -> Iterator[tuple[Stack, SmtpSink]]:
    url, query = database_url
    sink = SmtpSink(port=free_port())
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "EBHXH_VAR_DIR": str(tmp_path / "var"),
        "EBHXH_DEMO": "1",
        "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
        "EMAIL_TIMEOUT": "2",
        "SMS_GATEWAY_TIMEOUT": "2",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "OUTBOX_BACKOFF_BASE_SECONDS": "0.3",
        "OUTBOX_BACKOFF_MAX_SECONDS": "1",
        "OUTBOX_LEASE_SECONDS": "13",
        "OUTBOX_SWEEP_SECONDS": "1",
        "OUTBOX_SWEEP_GRACE_SECONDS": "2",
        "SCHEDULER_TICK_SECONDS": "0.5",
    }
    s = Stack(env, query)
    s.run("migrate", "--verbosity", "0")
    yield s, sink
    s.stop_all()
    sink.stop()


def test_worker_killed_while_smtp_is_down_loses_nothing(stack):
    s, sink = stack
    s.run("outbox", "test-email", "--to", "ketoan@congty.vn", "--count", "20")
    assert s.statuses() == Counter({"pending": 20})
    worker = s.spawn("worker", "--interval", "0.2")
    s.spawn("scheduler")
    # SMTP is down: every message is tried and put back for a later attempt.
    s.wait_until(
        lambda: s.query("SELECT MIN(attempts) FROM notifications_outboxmessage")[0][0] >= 1,
        timeout=60,
        what="first attempts",
    )
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    sink.start()
    s.spawn("worker", "--interval", "0.2")
    s.wait_until(lambda: s.statuses() == Counter({"sent": 20}), timeout=90, what="all sent")
    ids = sink.message_ids()
    assert len(ids) == 20, Counter(ids).most_common(3)
    assert len(set(ids)) == 20


def test_worker_killed_mid_stream_delivers_everything(stack):
    """SIGKILL while sending: every message arrives; only a message caught inside the SMTP
    exchange at the instant of the kill may arrive twice, with the same Message-ID."""
    s, sink = stack
    sink.delay = 0.15
    sink.start()
    s.run("outbox", "test-email", "--to", "nhansu@congty.vn", "--count", "15")
    worker = s.spawn("worker", "--interval", "0.2")
    s.spawn("scheduler")
    s.wait_until(lambda: len(sink.message_ids()) >= 4, timeout=60, what="some deliveries")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    s.spawn("worker", "--interval", "0.2")
    s.wait_until(lambda: s.statuses() == Counter({"sent": 15}), timeout=90, what="all sent")
    counts = Counter(sink.message_ids())
    assert len(counts) == 15
    assert sum(n - 1 for n in counts.values()) <= 1
