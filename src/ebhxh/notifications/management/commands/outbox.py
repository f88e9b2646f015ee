"""`ebhxh outbox ...`: operator tools for the notification outbox."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from ebhxh.audit.services import audit_record
from ebhxh.identifiers import IdentifierError
from ebhxh.notifications.selectors import outbox_counts
from ebhxh.notifications.services import queue_email, queue_sms, requeue_failed

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
        now = timezone.now()
        try:
            with transaction.atomic():
                for i in range(1, count + 1):
                    ctx = {"requested_by": OPERATOR, "requested_at": now, "sequence": i}
                    queue = queue_sms if sms else queue_email
                    message = queue(to=to, template="test_message", context=ctx)
                    audit_record(actor=OPERATOR, action="notification.test_queued", target=message)
        except IdentifierError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Đã xếp hàng {count} {'SMS' if sms else 'thư'} kiểm tra tới {to}.")
