"""`ebhxh audit verify`: exit 0 when the chain is intact, 1 with each break listed."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from ebhxh.audit.verification import verify_chain


class Command(BaseCommand):
    help = "Kiểm tra nhật ký kiểm toán: phát hiện bản ghi bị sửa hoặc bị xoá."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["verify"], help="verify: kiểm tra toàn chuỗi")
        parser.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": report.ok,
                        "checked": report.checked,
                        "problems": [p.__dict__ for p in report.problems],
                    },
                    ensure_ascii=False,
                )
            )
        elif report.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Nhật ký toàn vẹn: đã kiểm tra {report.checked} bản ghi.")
            )
        else:
            for p in report.problems:
                self.stderr.write(f"[{p.code}] {p.message}")
            self.stderr.write(
                f"Nhật ký KHÔNG toàn vẹn: {len(report.problems)} lỗi trên {report.checked} bản ghi."
            )
        if not report.ok:
            sys.stdout.flush()
            raise SystemExit(1)
