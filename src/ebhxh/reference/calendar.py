"""Vietnamese working days (ngày làm việc) of state agencies, for deadlines such as "decided
within 3 working days".

A day is a working day unless it is a Saturday or Sunday, a public holiday or Tết day (from
`holidays.VN`, which also knows the observed days and the days the government swapped), or
a day off in `data/calendar_adjustments.json`. Make-up working days (usually Saturdays)
come from `holidays.VN` and the same file. Entries in the file win over everything else, so an
operator can add this year's government notice, or correct the library, without a release.

Pure Python, no database: the I-VAN, the gateway and the portal all compute the same dates.
Dates only; turn an aware datetime into a Vietnamese calendar date with `vietnam_date`.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import holidays

from ebhxh.reference.datafiles import (
    CALENDAR_ADJUSTMENTS_FILENAME,
    DATA_DIR,
    get_objects,
    get_str,
    read_json_object,
)
from ebhxh.reference.errors import CalendarRangeError, ReferenceDataError
from ebhxh.vntime import VIETNAM_TZ, vietnam_date  # noqa: F401 - part of this module's API

# holidays.VN applies the observed-day rules from 1995; it has no data after its end year.
FIRST_YEAR = 1995
LAST_YEAR: int = holidays.VN.end_year
# An operator may point at a file outside the installed package (docs/reference-data.md).
ADJUSTMENTS_FILE_ENV = "EBHXH_CALENDAR_ADJUSTMENTS"
_SATURDAY = 5


class AdjustmentKind(enum.StrEnum):
    DAY_OFF = "day_off"
    WORKING_DAY = "working_day"


@dataclass(frozen=True, slots=True)
class CalendarAdjustment:
    """One government decision: an extra day off, or a make-up working day."""

    day: date
    kind: AdjustmentKind
    reason: str
    source: str = ""


def parse_adjustments(raw: dict[str, object], *, source: str) -> tuple[CalendarAdjustment, ...]:
    """Validate the decoded JSON of an adjustments file."""
    result: list[CalendarAdjustment] = []
    seen: set[date] = set()
    for where, item in get_objects(dict(raw), "adjustments", source):
        text = get_str(item, "date", where)
        try:
            day = date.fromisoformat(text)
            kind = AdjustmentKind(get_str(item, "kind", where))
        except ValueError as exc:
            raise ReferenceDataError(f"{where}: {exc}.") from exc
        if day in seen:
            raise ReferenceDataError(f"{where}: ngày {text} xuất hiện hai lần.")
        seen.add(day)
        result.append(
            CalendarAdjustment(
                day=day,
                kind=kind,
                reason=get_str(item, "reason", where),
                source=get_str(item, "source", where, required=False),
            )
        )
    return tuple(result)


def load_adjustments(path: Path) -> tuple[CalendarAdjustment, ...]:
    """Read and validate an adjustments file."""
    return parse_adjustments(read_json_object(path), source=str(path))


@dataclass(frozen=True, slots=True)
class _Year:
    days_off: dict[date, str]
    make_up_days: frozenset[date]


class WorkingCalendar:
    """Working days under `holidays.VN` plus a set of adjustments."""

    def __init__(self, adjustments: Iterable[CalendarAdjustment] = ()) -> None:
        self._adjustments = {item.day: item for item in adjustments}
        self._years: dict[int, _Year] = {}

    def _year(self, year: int) -> _Year:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise CalendarRangeError(
                f"Lịch ngày làm việc chỉ có cho các năm {FIRST_YEAR}-{LAST_YEAR}, "
                f"không có năm {year}."
            )
        cached = self._years.get(year)
        if cached is None:
            source = holidays.VN(years=year, language="vi")
            cached = _Year(
                days_off={day: str(name) for day, name in source.items()},
                make_up_days=frozenset(d for d in source.weekend_workdays if d.year == year),
            )
            self._years[year] = cached
        return cached

    def day_off_reason(self, day: date) -> str | None:
        """Why `day` is not a working day (Vietnamese), or None if it is one."""
        year = self._year(day.year)
        adjustment = self._adjustments.get(day)
        if adjustment is not None:
            return adjustment.reason if adjustment.kind is AdjustmentKind.DAY_OFF else None
        if day in year.make_up_days:
            return None
        if day in year.days_off:
            return year.days_off[day]
        if day.weekday() >= _SATURDAY:
            return "Thứ Bảy" if day.weekday() == _SATURDAY else "Chủ nhật"
        return None

    def is_working_day(self, day: date) -> bool:
        """Whether state agencies work on `day`."""
        return self.day_off_reason(day) is None

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        current = day + timedelta(days=1)
        while not self.is_working_day(current):
            current += timedelta(days=1)
        return current

    def working_day_on_or_after(self, day: date) -> date:
        """`day` itself if it is a working day, else the next one."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start`; `start` itself never counts.

        n = 0 returns `start` unchanged (even on a day off), so that
        `working_days_between(start, add_working_days(start, n)) == n` for every n >= 0.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        current = start
        for _ in range(n):
            current = self.next_working_day(current)
        return current

    def working_days_between(self, a: date, b: date) -> int:
        """How many working days d satisfy a < d <= b (negative, mirrored, when b < a)."""
        if b < a:
            return -self.working_days_between(b, a)
        self._year(a.year)
        return sum(
            1 for offset in range(1, (b - a).days + 1) if self.is_working_day(a + timedelta(offset))
        )

    def deadline(self, received_on: date, working_days: int) -> date:
        """The last day to decide a dossier received on `received_on` within `working_days`.

        A dossier received on a day off counts as received on the next working day; the day
        of receipt itself is not counted (Civil Code 2015, art. 147). So a counter dossier of
        Friday 13/02/2026 with 3 working days (Tết 16-20/02) is due Wednesday 25/02/2026.
        """
        return self.add_working_days(self.working_day_on_or_after(received_on), working_days)


def adjustments_path() -> Path:
    """The adjustments file in use: $EBHXH_CALENDAR_ADJUSTMENTS, else the packaged one."""
    configured = os.environ.get(ADJUSTMENTS_FILE_ENV, "")
    return Path(configured) if configured else DATA_DIR / CALENDAR_ADJUSTMENTS_FILENAME


@cache
def default_calendar() -> WorkingCalendar:
    """The process-wide calendar, read once; restart processes after editing the file."""
    return WorkingCalendar(load_adjustments(adjustments_path()))


def is_working_day(d: date) -> bool:
    """Whether state agencies work on `d` (see `WorkingCalendar.is_working_day`)."""
    return default_calendar().is_working_day(d)


def day_off_reason(d: date) -> str | None:
    """Why `d` is a day off, or None (see `WorkingCalendar.day_off_reason`)."""
    return default_calendar().day_off_reason(d)


def next_working_day(d: date) -> date:
    """The first working day strictly after `d`."""
    return default_calendar().next_working_day(d)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start`; n = 0 returns `start` unchanged."""
    return default_calendar().add_working_days(start, n)


def working_days_between(a: date, b: date) -> int:
    """How many working days d satisfy a < d <= b."""
    return default_calendar().working_days_between(a, b)


def deadline(received_on: date, working_days: int) -> date:
    """Due date of a dossier received on `received_on` (see `WorkingCalendar.deadline`)."""
    return default_calendar().deadline(received_on, working_days)
