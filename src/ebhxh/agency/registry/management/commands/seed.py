"""`ebhxh seed`: load synthetic units, insured persons and employments into the registry.

For demos, tests and load tests: the same `--seed` on the same database gives the same
rows, identifiers are valid and unique, and PostgreSQL takes millions of rows a minute.
Progress goes to stderr, the summary to stdout.
"""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from ebhxh.agency.registry.seeding import identifiers as ids
from ebhxh.agency.registry.seeding.loading import SeedOptions, SeedSummary, seed_registry
from ebhxh.agency.registry.seeding.progress import Progress, vn_duration, vn_number
from ebhxh.agency.registry.seeding.rows import SeedPlan, unit_rows
from ebhxh.core.errors import DomainError
from ebhxh.identifiers.text import format_vn_date, parse_vn_date


def _count(text: str) -> int:
    """A row count; 1_000_000 and 1.000.000 are accepted as well as 1000000."""
    cleaned = text.replace("_", "").replace(".", "")
    if not cleaned.isdigit():
        raise ArgumentTypeError(f"'{text}' không phải số nguyên không âm")
    return int(cleaned)


def _as_of(text: str) -> date:
    parsed = parse_vn_date(text, allow_iso=True)
    if parsed is None:
        raise ArgumentTypeError(f"ngày '{text}' không hợp lệ: ghi dd/mm/yyyy hoặc yyyy-mm-dd")
    return parsed


class _PlainLines:
    """stderr without the error colour Django gives it: progress is not an error."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str, /) -> object:
        self.wrapper.write(text, style_func=lambda plain: plain, ending="")
        return None

    def flush(self) -> object:
        self.wrapper.flush()
        return None


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu tổng hợp vào sổ đăng ký: đơn vị, người tham gia và quá trình tham gia, "
        "với mã số hợp lệ và không trùng. Cùng --seed trên cùng cơ sở dữ liệu cho cùng dữ liệu."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--units", type=_count, default=100, help="số đơn vị (mặc định 100)")
        parser.add_argument(
            "--persons", type=_count, default=2_000, help="số người tham gia (mặc định 2000)"
        )
        parser.add_argument("--seed", type=int, default=1, help="hạt giống ngẫu nhiên")
        parser.add_argument(
            "--employments-per-person",
            type=int,
            default=2,
            metavar="K",
            help="số nơi làm việc hiện tại tối đa của một người (mặc định 2; đa số chỉ có 1)",
        )
        parser.add_argument(
            "--batch", type=_count, default=10_000, help="số dòng mỗi lô (mặc định 10000)"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="số tiến trình sinh dữ liệu khi dùng COPY (mặc định: số lõi CPU trừ 1; 0: "
            "sinh ngay trong tiến trình này)",
        )
        parser.add_argument(
            "--indexes",
            choices=["auto", "keep", "rebuild"],
            default="auto",
            help="PostgreSQL: tạm bỏ rồi tạo lại chỉ mục phụ quanh lần nạp lớn (mặc định auto)",
        )
        parser.add_argument(
            "--method",
            choices=["auto", "copy", "orm"],
            default="auto",
            help="copy (PostgreSQL) hoặc orm (bulk_create); auto chọn theo cơ sở dữ liệu",
        )
        parser.add_argument(
            "--as-of",
            type=_as_of,
            default=None,
            metavar="dd/mm/yyyy",
            help="ngày tham chiếu cho ngày sinh, ngày bắt đầu làm việc (mặc định hôm nay)",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="cho phép nạp khi không ở chế độ trình diễn hay DEBUG",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEMO or settings.DEBUG or options["force"]):
            raise CommandError(
                "Đây không phải bản trình diễn: dữ liệu tổng hợp sẽ lẫn vào sổ đăng ký thật. "
                "Đặt EBHXH_DEMO=1, hoặc thêm --force nếu đây là cơ sở dữ liệu thử tải."
            )
        seed_options = SeedOptions(
            seed=options["seed"],
            units=options["units"],
            persons=options["persons"],
            max_jobs=options["employments_per_person"],
            batch=max(1, options["batch"]),
            workers=options["workers"],
            indexes=options["indexes"],
            method=options["method"],
            as_of=options["as_of"],
        )
        progress = Progress(_PlainLines(self.stderr) if options["verbosity"] > 0 else None)
        try:
            summary = seed_registry(seed_options, progress=progress)
        except DomainError as error:
            raise CommandError(error.message) from error
        self._summary(summary)

    def _summary(self, summary: SeedSummary) -> None:
        plan = summary.plan
        how = (
            f"COPY, {summary.workers} tiến trình sinh dữ liệu"
            if summary.method == "copy"
            else "bulk_create"
        )
        write = self.stdout.write
        write(
            f"Đã nạp dữ liệu tổng hợp (seed {plan.seed}, ngày tham chiếu "
            f"{format_vn_date(plan.as_of)}, {how}):"
        )
        labels = {
            "unit": "Đơn vị",
            "person": "Người tham gia",
            "employment": "Quá trình tham gia",
        }
        for key, label in labels.items():
            rows = summary.rows.get(key, 0)
            line = f"  {label + ':':<20}{vn_number(rows):>14} dòng"
            if key in summary.seconds:
                line += f" trong {vn_duration(summary.seconds[key])}"
            write(line)
        if plan.units:
            write(f"  Mã đơn vị từ {_unit_code(plan, 0)} đến {_unit_code(plan, plan.units - 1)}")
        if plan.persons:
            first = ids.insurance_number(plan.person_start)
            last = ids.insurance_number(plan.person_start + plan.persons - 1)
            write(f"  Mã số BHXH từ {first} đến {last}")
        if summary.indexes_rebuilt:
            rebuilt = vn_duration(summary.seconds.get("indexes", 0.0))
            write(f"  Tạo lại chỉ mục và khóa ngoại: {rebuilt}")
        if "analyze" in summary.seconds:
            write(f"  ANALYZE: {vn_duration(summary.seconds['analyze'])}")
        total = summary.seconds["total"]
        write(
            f"  Tổng cộng {vn_number(summary.total_rows)} dòng trong {vn_duration(total)} "
            f"({vn_number(summary.total_rows / max(total, 1e-9))} dòng/giây)"
        )


def _unit_code(plan: SeedPlan, row: int) -> str:
    return next(unit_rows(plan, row, row + 1))[1]
