"""`ebhxh outbox ...`: operator tools for the notification outbox."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ebhxh.identifiers import IdentifierError
from ebhxh.notifications.selectors import outbox_counts
from ebhxh.notifications.services import notification_test_queue, requeue_failed

OPERATOR = "operator:cli"


class Command(BaseCommand):
    help = "Quản lý hàng đợi thông báo: xem trạng thái, gửi thử, gửi lại thư thất bại."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        status = sub.add_parser("status", help="số thư/SMS theo trạng thái")
        status.add_argument("--json", action="store_true")
        email = sub.add_parser("test-email", help="xếp hàng thư kiểm tra")
        email.add_argument("--to", required=True)
        email.add_argument("--count", type=int, default=1)
        sms = sub.add_parser("test-sms", help="xếp hàng SMS kiểm tra")
        sms.add_argument("--to", required=True)
        sub.add_parser("retry-failed", help="gửi lại các thư/SMS đã hết lượt thử")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "status":
            counts = outbox_counts()
            if options["json"]:
                self.stdout.write(json.dumps(counts))
            else:
                for status, n in sorted(counts.items()):
                    self.stdout.write(f"{status}\t{n}")
        elif action == "test-email":
            self._queue_tests(options["to"], options["count"], sms=False)
        elif action == "test-sms":
            self._queue_tests(options["to"], 1, sms=True)
        elif action == "retry-failed":
            n = requeue_failed(actor=OPERATOR)
            self.stdout.write(f"Đã xếp hàng gửi lại {n} thư/SMS.")

    def _queue_tests(self, to: str, count: int, *, sms: bool) -> None:
        try:
            notification_test_queue(
                actor=OPERATOR, to=to, channel="sms" if sms else "email", count=count
            )
        except IdentifierError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Đã xếp hàng {count} {'SMS' if sms else 'thư'} kiểm tra tới {to}.")
