"""Progress lines: Vietnamese number style, throttled, with the rate and the time left."""

from __future__ import annotations

import io

from ebhxh.agency.registry.seeding.progress import Progress, vn_duration, vn_number


def test_vietnamese_numbers_and_durations() -> None:
    assert vn_number(1234567) == "1.234.567"
    assert vn_number(12.345, 1) == "12,3"
    assert vn_duration(4.25) == "4,2 giây"
    assert vn_duration(125) == "2 phút 5 giây"
    assert vn_duration(3723) == "1 giờ 2 phút 3 giây"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_lines_are_throttled_and_carry_rate_and_time_left() -> None:
    out, clock = io.StringIO(), FakeClock()
    progress = Progress(out, interval=2.0, clock=clock)
    progress.start("Người tham gia", 1_000_000)
    clock.now += 1
    progress.advance(rows=100_000)
    assert out.getvalue() == ""  # under the interval: nothing yet
    clock.now += 1
    progress.advance(rows=150_000)
    line = out.getvalue()
    assert line == (
        "Người tham gia: 250.000 dòng (25,0 %), còn khoảng 6,0 giây · 125.000 dòng/giây\n"
    )
    clock.now += 6
    assert progress.finish() == 8.0
    assert out.getvalue().splitlines()[-1] == (
        "Người tham gia: 250.000 dòng · 31.250 dòng/giây · xong trong 8,0 giây"
    )


def test_employments_count_rows_but_measure_progress_in_persons() -> None:
    out, clock = io.StringIO(), FakeClock()
    progress = Progress(out, interval=0.0, clock=clock)
    progress.start("Quá trình tham gia", 1_000)
    clock.now += 1
    progress.advance(rows=1_150, done=500)
    assert "1.150 dòng (50,0 %)" in out.getvalue()


def test_silent_without_a_stream() -> None:
    progress = Progress(None)
    progress.start("Đơn vị", 10)
    progress.advance(rows=10)
    progress.note("không in gì")
    assert progress.finish() >= 0
