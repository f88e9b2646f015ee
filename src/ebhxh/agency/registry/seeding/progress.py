"""Progress lines for long loads, in Vietnamese number style (1.234.567; 12,5 %).

A 20-million-row load runs for minutes; an operator wants to see that it moves and how
fast. Lines go to stderr at most every `interval` seconds, so the summary on stdout stays
clean for scripts, and a log file gets whole lines rather than carriage returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Writer(Protocol):
    """A text stream: sys.stderr, or a management command's self.stderr."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


def vn_number(value: float, decimals: int = 0) -> str:
    """1234567.8 -> '1.234.567,8': dots group thousands, a comma marks decimals."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def vn_duration(seconds: float) -> str:
    """Seconds as '1 giờ 2 phút 3 giây', '2 phút 5 giây' or '4,2 giây'."""
    if seconds < 60:
        return f"{vn_number(seconds, 1)} giây"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} giờ"] if hours else []
    return " ".join([*parts, f"{minutes} phút", f"{secs} giây"])


class Progress:
    """Counts rows of one phase at a time and reports their rate."""

    def __init__(
        self,
        stream: Writer | None,
        *,
        interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self.label = ""
        self.total = 0
        self.rows = 0
        self.done = 0
        self.started = 0.0
        self.last_report = 0.0

    def start(self, label: str, total: int) -> None:
        """Begin a phase of `total` units of work (rows, or persons for employments)."""
        self.label, self.total, self.rows, self.done = label, total, 0, 0
        self.started = self.last_report = self.clock()

    def advance(self, *, rows: int, done: int | None = None) -> None:
        self.rows += rows
        self.done += rows if done is None else done
        now = self.clock()
        if now - self.last_report >= self.interval:
            self.last_report = now
            self._line(now, final=False)

    def finish(self) -> float:
        """End the phase with a last line; return its duration in seconds."""
        now = self.clock()
        self._line(now, final=True)
        return now - self.started

    def note(self, message: str) -> None:
        if self.stream is not None:
            self.stream.write(message + "\n")
            self.stream.flush()

    def _line(self, now: float, *, final: bool) -> None:
        elapsed = max(now - self.started, 1e-9)
        rate = self.rows / elapsed
        text = f"{self.label}: {vn_number(self.rows)} dòng"
        if self.total and not final:
            share = 100 * self.done / self.total
            text += f" ({vn_number(share, 1)} %)"
            if self.done:
                remaining = elapsed * (self.total - self.done) / self.done
                text += f", còn khoảng {vn_duration(remaining)}"
        text += f" · {vn_number(rate)} dòng/giây"
        if final:
            text += f" · xong trong {vn_duration(elapsed)}"
        self.note(text)
