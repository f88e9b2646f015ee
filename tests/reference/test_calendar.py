"""Working days of Vietnamese state agencies: weekends, Tết and public holidays, government
swaps, operator adjustments, and the deadline convention."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ebhxh.reference import calendar
from ebhxh.reference.calendar import (
    AdjustmentKind,
    CalendarAdjustment,
    WorkingCalendar,
    add_working_days,
    day_off_reason,
    deadline,
    is_working_day,
    load_adjustments,
    next_working_day,
    vietnam_date,
    working_days_between,
)
from ebhxh.reference.errors import CalendarRangeError, ReferenceDataError


def test_ordinary_weekdays_work_and_weekends_do_not() -> None:
    assert is_working_day(date(2026, 3, 10))  # Tuesday
    assert not is_working_day(date(2026, 3, 14))  # Saturday
    assert not is_working_day(date(2026, 3, 15))  # Sunday
    assert day_off_reason(date(2026, 3, 14)) == "Thứ Bảy"
    assert day_off_reason(date(2026, 3, 15)) == "Chủ nhật"
    assert day_off_reason(date(2026, 3, 10)) is None


@pytest.mark.parametrize("day", [16, 17, 18, 19, 20])
def test_tet_2026_is_off(day: int) -> None:
    d = date(2026, 2, day)
    assert not is_working_day(d)
    assert "Tết" in (day_off_reason(d) or "")


def test_counter_dossier_across_tet_2026() -> None:
    """Received Friday 13/02/2026, 3 working days: Mon 23, Tue 24, Wed 25 February."""
    received = date(2026, 2, 13)
    assert add_working_days(received, 1) == date(2026, 2, 23)
    assert add_working_days(received, 3) == date(2026, 2, 25)
    assert deadline(received, 3) == date(2026, 2, 25)
    assert working_days_between(received, date(2026, 2, 25)) == 3


def test_across_30_april_and_1_may_2026() -> None:
    # Giỗ Tổ falls on Sunday 26/04 and is observed Monday 27/04; 30/04 and 01/05 are Thu, Fri.
    assert not is_working_day(date(2026, 4, 27))
    assert not is_working_day(date(2026, 4, 30))
    assert not is_working_day(date(2026, 5, 1))
    assert add_working_days(date(2026, 4, 24), 1) == date(2026, 4, 28)
    assert add_working_days(date(2026, 4, 29), 1) == date(2026, 5, 4)
    assert working_days_between(date(2026, 4, 24), date(2026, 5, 4)) == 3  # 28, 29/04, 04/05


def test_across_30_april_and_1_may_2025_with_a_make_up_saturday() -> None:
    # The government moved Friday 02/05/2025 off and Saturday 26/04/2025 became a working day.
    assert is_working_day(date(2025, 4, 26))
    assert not is_working_day(date(2025, 5, 2))
    assert add_working_days(date(2025, 4, 25), 1) == date(2025, 4, 26)
    assert add_working_days(date(2025, 4, 29), 1) == date(2025, 5, 5)


def test_across_national_day_2025() -> None:
    assert not is_working_day(date(2025, 9, 1))
    assert not is_working_day(date(2025, 9, 2))
    assert add_working_days(date(2025, 8, 29), 1) == date(2025, 9, 3)


def test_across_national_day_2026_with_the_swapped_monday() -> None:
    # 01-02/09/2026 are Tue-Wed; Monday 31/08 is off in exchange for Saturday 22/08.
    assert not is_working_day(date(2026, 8, 31))
    assert not is_working_day(date(2026, 9, 1))
    assert not is_working_day(date(2026, 9, 2))
    assert is_working_day(date(2026, 8, 22))
    assert add_working_days(date(2026, 8, 28), 1) == date(2026, 9, 3)
    assert add_working_days(date(2026, 8, 21), 1) == date(2026, 8, 22)


def test_n_zero_returns_start_unchanged_even_on_a_day_off() -> None:
    sunday = date(2026, 3, 15)
    assert add_working_days(sunday, 0) == sunday
    assert working_days_between(sunday, sunday) == 0


def test_negative_n_is_refused() -> None:
    with pytest.raises(ValueError, match="n must be >= 0"):
        add_working_days(date(2026, 3, 10), -1)


def test_working_days_between_is_antisymmetric() -> None:
    a, b = date(2026, 2, 13), date(2026, 2, 25)
    assert working_days_between(b, a) == -3


def test_next_working_day() -> None:
    assert next_working_day(date(2026, 2, 13)) == date(2026, 2, 23)
    assert next_working_day(date(2026, 3, 10)) == date(2026, 3, 11)


def test_a_dossier_received_on_a_day_off_counts_from_the_next_working_day() -> None:
    saturday = date(2026, 3, 7)
    # Deemed received Monday 09/03; three working days later is Thursday 12/03.
    assert deadline(saturday, 3) == date(2026, 3, 12)
    assert add_working_days(saturday, 3) == date(2026, 3, 11)
    assert deadline(date(2026, 2, 17), 1) == date(2026, 2, 24)  # received during Tết


def test_dates_outside_the_holiday_source_are_refused() -> None:
    with pytest.raises(CalendarRangeError):
        is_working_day(date(1990, 1, 2))
    with pytest.raises(CalendarRangeError):
        add_working_days(date(calendar.LAST_YEAR, 12, 30), 5)


def test_vietnam_date_converts_aware_datetimes() -> None:
    # 18:30 UTC on 12/02 is already 01:30 on 13/02 in Vietnam.
    assert vietnam_date(datetime(2026, 2, 12, 18, 30, tzinfo=UTC)) == date(2026, 2, 13)
    with pytest.raises(ValueError, match="aware"):
        vietnam_date(datetime(2026, 2, 12, 18, 30))


def test_adjustments_win_over_weekends_and_holidays() -> None:
    cal = WorkingCalendar(
        [
            CalendarAdjustment(date(2026, 3, 10), AdjustmentKind.DAY_OFF, "Nghỉ bù thử"),
            CalendarAdjustment(date(2026, 3, 14), AdjustmentKind.WORKING_DAY, "Làm bù"),
            CalendarAdjustment(date(2026, 2, 20), AdjustmentKind.WORKING_DAY, "Sửa thư viện"),
        ]
    )
    assert not cal.is_working_day(date(2026, 3, 10))
    assert cal.day_off_reason(date(2026, 3, 10)) == "Nghỉ bù thử"
    assert cal.is_working_day(date(2026, 3, 14))
    assert cal.is_working_day(date(2026, 2, 20))
    assert cal.add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 11)
    assert cal.add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 14)


def _write_adjustments(path: Path, entries: list[dict[str, str]]) -> Path:
    path.write_text(json.dumps({"adjustments": entries}), encoding="utf-8")
    return path


def test_adjustments_file_is_read(tmp_path: Path) -> None:
    path = _write_adjustments(
        tmp_path / "adj.json",
        [
            {"date": "2027-02-03", "kind": "day_off", "reason": "Nghỉ Tết", "source": "TB 1/2026"},
            {"date": "2027-02-20", "kind": "working_day", "reason": "Làm bù"},
        ],
    )
    adjustments = load_adjustments(path)
    assert adjustments[0] == CalendarAdjustment(
        date(2027, 2, 3), AdjustmentKind.DAY_OFF, "Nghỉ Tết", "TB 1/2026"
    )
    assert adjustments[1].source == ""


@pytest.mark.parametrize(
    "entries",
    [
        [{"date": "2027-02-30", "kind": "day_off", "reason": "x"}],
        [{"date": "03/02/2027", "kind": "day_off", "reason": "x"}],
        [{"date": "2027-02-03", "kind": "holiday", "reason": "x"}],
        [{"date": "2027-02-03", "kind": "day_off"}],
        [
            {"date": "2027-02-03", "kind": "day_off", "reason": "x"},
            {"date": "2027-02-03", "kind": "working_day", "reason": "y"},
        ],
    ],
)
def test_a_bad_adjustments_file_is_refused(tmp_path: Path, entries: list[dict[str, str]]) -> None:
    with pytest.raises(ReferenceDataError):
        load_adjustments(_write_adjustments(tmp_path / "adj.json", entries))


def test_the_packaged_adjustments_file_is_valid() -> None:
    for item in load_adjustments(calendar.DATA_DIR / calendar.CALENDAR_ADJUSTMENTS_FILENAME):
        assert item.reason


@pytest.mark.usefixtures("fresh_default_calendar")
def test_an_operator_file_replaces_the_packaged_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write_adjustments(
        tmp_path / "adj.json", [{"date": "2026-03-10", "kind": "day_off", "reason": "Thử"}]
    )
    monkeypatch.setenv(calendar.ADJUSTMENTS_FILE_ENV, str(path))
    assert calendar.adjustments_path() == path
    assert not is_working_day(date(2026, 3, 10))


# --- Properties -----------------------------------------------------------------------------

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2095, 12, 31))
counts = st.integers(min_value=0, max_value=60)


@settings(deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=60))
def test_result_is_a_working_day_after_start(start: date, n: int) -> None:
    result = add_working_days(start, n)
    assert result > start
    assert is_working_day(result)


@settings(deadline=None)
@given(start=dates, n=counts)
def test_monotonic_in_n(start: date, n: int) -> None:
    assert add_working_days(start, n) < add_working_days(start, n + 1)


@settings(deadline=None)
@given(start=dates, n=counts)
def test_between_is_the_inverse_of_add(start: date, n: int) -> None:
    assert working_days_between(start, add_working_days(start, n)) == n


@settings(deadline=None)
@given(a=dates, span=st.integers(min_value=0, max_value=90))
def test_add_recovers_any_working_day(a: date, span: int) -> None:
    b = a + timedelta(days=span)
    if is_working_day(b) and b > a:
        assert add_working_days(a, working_days_between(a, b)) == b


@settings(deadline=None)
@given(received=dates, n=st.integers(min_value=1, max_value=30))
def test_deadline_is_a_working_day_at_least_n_working_days_later(received: date, n: int) -> None:
    due = deadline(received, n)
    assert is_working_day(due)
    counted_from_next_working_day = 0 if is_working_day(received) else 1
    assert working_days_between(received, due) == n + counted_from_next_working_day
