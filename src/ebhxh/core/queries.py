"""Small query helpers for hot paths."""

from __future__ import annotations

from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def unique_or_none(queryset: models.QuerySet[M]) -> M | None:
    """The row of a lookup by a unique key, or None. Unlike `.first()` it adds no ORDER BY
    (nothing to order: at most one row matches) and raises nothing for a missing row; on the
    gateway's intake path every query it does not have to compile counts."""
    return next(iter(queryset[:1]), None)
