"""`ebhxh load_reference`: reload the reference tables after a data file was replaced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ebhxh.reference.datafiles import DATA_DIR_ENV, configured_data_dir
from ebhxh.reference.errors import ReferenceDataError
from ebhxh.reference.services import reference_reload


class Command(BaseCommand):
    help = (
        "Nạp lại danh mục dùng chung (tỉnh, phường xã, cơ quan BHXH, I-VAN, thủ tục, mã lỗi) "
        "từ các tệp dữ liệu; chạy lại nhiều lần không làm thay đổi gì thêm."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=None,
            help="Thư mục dữ liệu thay cho thư mục đóng gói (cùng cấu trúc với reference/data).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Kiểm tra và báo những gì sẽ thay đổi, rồi hoàn tác.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir: Path | None = options["data_dir"]
        if data_dir is not None and not data_dir.is_dir():
            raise CommandError(f"Không có thư mục dữ liệu {data_dir}.")
        configured = configured_data_dir()
        if (
            data_dir is not None
            and not options["dry_run"]
            and data_dir.resolve() != configured.resolve()
        ):
            raise CommandError(
                f"Thư mục {data_dir} khác thư mục dữ liệu đang dùng ({configured}). Đặt "
                f"{DATA_DIR_ENV}={data_dir} cho mọi tiến trình (web, worker) rồi chạy lại, để "
                "danh mục trong cơ sở dữ liệu và danh mục thủ tục, mã lỗi khớp nhau; "
                "hoặc dùng --dry-run để chỉ kiểm tra."
            )
        try:
            report = reference_reload(
                actor="operator:cli", data_dir=data_dir, dry_run=options["dry_run"]
            )
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write(self.style.WARNING("Chạy thử: đã hoàn tác, không lưu thay đổi."))
        elif report.changed:
            self.stdout.write(self.style.SUCCESS("Đã nạp lại danh mục."))
        else:
            self.stdout.write(self.style.SUCCESS("Danh mục đã khớp với tệp dữ liệu."))
