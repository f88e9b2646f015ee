"""Fixtures for the reference tests: a writable copy of the data files, a fresh calendar."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ebhxh.reference import calendar
from ebhxh.reference.datafiles import DATA_DIR


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the packaged data directory that a test may edit, as an operator would."""
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


@pytest.fixture
def fresh_default_calendar() -> Iterator[None]:
    """Forget the process-wide calendar before and after a test that changes its source."""
    calendar.default_calendar.cache_clear()
    yield
    calendar.default_calendar.cache_clear()
