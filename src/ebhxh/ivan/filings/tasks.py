"""Thin task wrappers and the periodic jobs of the dossier engine: the work is in services."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from ebhxh.ivan.filings import services
from ebhxh.jobs.periodic import register


@task()
def refresh_open_filings() -> int:
    return services.refresh_open_filings()


@task()
def resend_due_filings() -> int:
    return services.resend_due_filings()


register(
    key="ivan.filings.refresh",
    task=refresh_open_filings,
    every=timedelta(minutes=5),
    description="Cập nhật trạng thái các hồ sơ BHXH chưa có kết quả.",
)
register(
    key="ivan.filings.resend",
    task=resend_due_filings,
    every=timedelta(minutes=1),
    description="Gửi lại các hồ sơ gửi không thành công khi đến giờ.",
)
