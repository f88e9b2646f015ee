"""`ebhxh scheduler`: the loop that enqueues periodic jobs; run one or more beside the workers."""

from __future__ import annotations

import signal
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from ebhxh.jobs.periodic import registered
from ebhxh.jobs.services import scheduler_tick


class Command(BaseCommand):
    help = "Chạy bộ lập lịch: xếp hàng các tác vụ định kỳ khi đến hạn."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="chạy một lượt rồi thoát")
        parser.add_argument(
            "--tick",
            type=float,
            default=None,
            help="số giây giữa hai lượt kiểm tra (mặc định SCHEDULER_TICK_SECONDS)",
        )
        parser.add_argument("--list", action="store_true", help="liệt kê tác vụ định kỳ")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for job in registered():
                self.stdout.write(f"{job.key}\t{job.every}\t{job.description}")
            return
        tick = options["tick"] or settings.SCHEDULER_TICK_SECONDS
        self._running = True

        def stop(signum: int, frame: FrameType | None) -> None:
            self._running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Bộ lập lịch chạy, {len(registered())} tác vụ định kỳ, chu kỳ {tick}s.")
        while self._running:
            for key in scheduler_tick():
                self.stdout.write(f"Đã xếp hàng tác vụ định kỳ {key}")
            if options["once"]:
                break
            time.sleep(tick)
            # A long-lived loop must drop connections the database has closed meanwhile.
            close_old_connections()
