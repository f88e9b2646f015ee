"""Registry of periodic jobs. Apps register theirs in `AppConfig.ready()`.

A job is a django-tasks `Task` plus an interval; the scheduler enqueues it when due. Later
features add theirs (expire activation codes, auto-cancel declarations, password ageing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django_tasks.base import Task


@dataclass(frozen=True)
class PeriodicJob:
    key: str
    task: Task[Any, Any]
    every: timedelta
    description: str


_REGISTRY: dict[str, PeriodicJob] = {}


def register(*, key: str, task: Task[Any, Any], every: timedelta, description: str) -> None:
    if every <= timedelta(0):
        raise ValueError(f"Chu kỳ của tác vụ định kỳ {key} phải dương.")
    existing = _REGISTRY.get(key)
    if existing is not None and existing.task is not task:
        raise ValueError(f"Tác vụ định kỳ {key} đã được đăng ký với một task khác.")
    _REGISTRY[key] = PeriodicJob(key=key, task=task, every=every, description=description)


def registered() -> list[PeriodicJob]:
    return sorted(_REGISTRY.values(), key=lambda job: job.key)
