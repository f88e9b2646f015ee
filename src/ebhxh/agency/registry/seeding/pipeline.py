"""Batches of encoded rows, made in worker processes while the database ingests.

Pure Python with no Django: a worker is started with `spawn` (a forked child would share
the parent's database socket) and imports only this module and `rows`. Worker w makes
batches w, w + n, w + 2n, ... into a bounded queue of its own, so reading the queues
round-robin gives the batches in order and a slow database holds the workers back instead
of filling memory.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Callable, Generator, Iterator
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import Any, Final

from ebhxh.agency.registry.seeding.rows import (
    RNG_BLOCK,
    Row,
    SeedPlan,
    employment_rows,
    person_rows,
    unit_rows,
)

GENERATORS: Final[dict[str, Callable[[SeedPlan, int, int], Iterator[Row]]]] = {
    "unit": unit_rows,
    "person": person_rows,
    "employment": employment_rows,
}
QUEUE_DEPTH: Final = 3

Job = tuple[str, int, int]  # table key, first row, end row (for employments: persons)


def jobs_for(plan: SeedPlan, batch: int) -> list[Job]:
    """Batches of about `batch` rows in load order, cut on RNG block boundaries of the
    synthetic index so that no batch has to regenerate rows of the one before."""
    size = max(RNG_BLOCK, batch // RNG_BLOCK * RNG_BLOCK)
    jobs: list[Job] = []
    for key, offset, count in (
        ("unit", plan.unit_start, plan.units),
        ("person", plan.person_start, plan.persons),
        ("employment", plan.person_start, plan.persons),
    ):
        start = 0
        while start < count:
            stop = min(count, (offset + start) // size * size + size - offset)
            jobs.append((key, start, stop))
            start = stop
    return jobs


def encode(plan: SeedPlan, job: Job) -> tuple[int, bytes]:
    """One batch in COPY's text format: tab-separated fields, one line per row."""
    key, start, stop = job
    rows = list(GENERATORS[key](plan, start, stop))
    if not rows:
        return 0, b""
    return len(rows), ("\n".join(map("\t".join, rows)) + "\n").encode()


def _produce(plan: SeedPlan, jobs: list[Job], out: Queue[Any]) -> None:
    """A worker process's body: encode its share of the batches into its queue."""
    try:
        for job in jobs:
            rows, payload = encode(plan, job)
            out.put(("ok", rows, payload))
    except BaseException:
        out.put(("error", 0, traceback.format_exc().encode()))


class WorkerFailed(RuntimeError):
    """A worker process raised or died; the load must roll back."""


def payloads(
    plan: SeedPlan, jobs: list[Job], workers: int
) -> Generator[tuple[int, bytes], None, None]:
    """(row count, COPY text) for each job in order, made by `workers` processes (0: here).

    Closing the iterator early (an error while loading) stops the workers this started.
    """
    if workers <= 0:
        for job in jobs:
            yield encode(plan, job)
        return
    context = multiprocessing.get_context("spawn")
    queues: list[Queue[Any]] = [context.Queue(maxsize=QUEUE_DEPTH) for _ in range(workers)]
    processes: list[BaseProcess] = [
        context.Process(
            target=_produce,
            args=(plan, jobs[w::workers], queues[w]),
            name=f"ebhxh-seed-{w}",
            daemon=True,
        )
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        for index in range(len(jobs)):
            status, rows, payload = _next(queues[index % workers], processes[index % workers])
            if status != "ok":
                raise WorkerFailed(
                    "Tiến trình sinh dữ liệu gặp lỗi:\n" + payload.decode(errors="replace")
                )
            yield rows, payload
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=10)
        for worker_queue in queues:
            worker_queue.close()
            worker_queue.cancel_join_thread()


def _next(source: Queue[Any], process: BaseProcess) -> tuple[str, int, bytes]:
    while True:
        try:
            item: tuple[str, int, bytes] = source.get(timeout=1.0)
        except queue.Empty:
            if not process.is_alive():
                raise WorkerFailed(
                    f"Tiến trình sinh dữ liệu {process.pid} dừng bất thường "
                    f"(mã thoát {process.exitcode})."
                ) from None
            continue
        return item
