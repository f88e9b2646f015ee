"""Reads: a unit's fetched employees with search, its latest fetch, a fetch's progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ebhxh.identifiers.text import fold
from ebhxh.ivan.employees.models import Employee, EmployeeFetch, FetchStatus
from ebhxh.ivan.models import Company, Unit


def employees_of(unit: Unit, query: str = "") -> QuerySet[Employee]:
    """The unit's list; `query` matches the name without regard to case or diacritics
    ("nguyen van" finds "Nguyễn Văn"), or digits of a mã số BHXH or CCCD."""
    employees = Employee.objects.filter(unit=unit).order_by("search_name", "insurance_number")
    words = fold(query).split()
    digits = "".join(query.split())
    if digits.isascii() and digits.isdigit():
        return employees.filter(
            Q(insurance_number__contains=digits) | Q(citizen_id__contains=digits)
        )
    for word in words:
        employees = employees.filter(search_name__contains=word)
    return employees


def employee_counts(company: Company) -> dict[int, int]:
    rows = (
        Employee.objects.filter(unit__company=company)
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    return dict(rows)


def latest_fetch(unit: Unit) -> EmployeeFetch | None:
    return EmployeeFetch.objects.filter(unit=unit).order_by("-created_at", "-id").first()


def latest_fetches(company: Company) -> dict[int, EmployeeFetch]:
    """The newest fetch of each unit of the company."""
    latest: dict[int, EmployeeFetch] = {}
    for fetch in EmployeeFetch.objects.filter(unit__company=company).order_by(
        "unit_id", "-created_at", "-id"
    ):
        latest.setdefault(fetch.unit_id, fetch)
    return latest


def fetch(company: Company, fetch_id: int) -> EmployeeFetch:
    """A fetch of one of the company's units; 404 for anyone else's."""
    found = (
        EmployeeFetch.objects.select_related("unit")
        .filter(pk=fetch_id, unit__company=company)
        .first()
    )
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class FetchView:
    """What the page shows (and polls) about one fetch."""

    fetch: EmployeeFetch

    @property
    def message(self) -> str:
        fetch = self.fetch
        if fetch.status == FetchStatus.QUEUED:
            return "Đang gửi yêu cầu lấy lao động tới cổng BHXH…"
        if fetch.status == FetchStatus.RUNNING:
            if not fetch.pages_total:
                return "Đang kết nối cổng BHXH…"
            return (
                f"Đang lấy lao động từ BHXH: trang {fetch.pages_done}/{fetch.pages_total}, "
                f"đã nhận {fetch.received}/{fetch.count} người…"
            )
        if fetch.status == FetchStatus.SUCCEEDED:
            return f"Đã lấy xong {fetch.received} lao động từ BHXH."
        return f"Không lấy được lao động: {fetch.error_code} – {fetch.error_message}"

    def as_json(self) -> dict[str, Any]:
        fetch = self.fetch
        return {
            "id": fetch.pk,
            "status": fetch.status,
            "status_label": str(fetch.get_status_display()),
            "done": not fetch.is_open,
            "percent": fetch.percent,
            "pages_done": fetch.pages_done,
            "pages_total": fetch.pages_total,
            "received": fetch.received,
            "count": fetch.count,
            "error_code": fetch.error_code,
            "error_message": fetch.error_message,
            "message": self.message,
            "finished_at": fetch.finished_at.isoformat() if fetch.finished_at else None,
        }
