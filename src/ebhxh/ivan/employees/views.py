"""Lao động pages: the units with their fetched lists, one unit's list with search, "Cập nhật
ngay" (queues the fetch task) and the small JSON the page polls while the fetch runs."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from ebhxh.ivan import selectors as ivan_selectors
from ebhxh.ivan.employees import selectors, services
from ebhxh.ivan.employees.models import FetchStatus
from ebhxh.ivan.employees.selectors import FetchView
from ebhxh.ivan.models import Membership, ServiceState
from ebhxh.ivan.permissions import Capability, member_required
from ebhxh.ivan.rendering import render_app

PAGE_SIZE: Final = 50
MAX_QUERY: Final = 100


@require_GET
@member_required(Capability.VIEW)
def employee_units(request: HttpRequest, membership: Membership) -> HttpResponse:
    company = membership.company
    counts = selectors.employee_counts(company)
    fetches = selectors.latest_fetches(company)
    rows = [
        {
            "unit": unit,
            "count": counts.get(unit.pk, 0),
            "fetch": fetches.get(unit.pk),
            "active": unit.service_state == ServiceState.ACTIVE,
        }
        for unit in ivan_selectors.units_of(company)
    ]
    return render_app(
        request, membership, "ivan/employees/units.html", {"rows": rows}, menu="employees"
    )


@require_GET
@member_required(Capability.VIEW)
def unit_employees(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    unit = ivan_selectors.unit(membership.company, unit_id)
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    found = selectors.employees_of(unit, query)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    latest = selectors.latest_fetch(unit)
    context = {
        "unit": unit,
        "query": query,
        "page": page,
        "total": selectors.employees_of(unit).count(),
        "latest": FetchView(latest) if latest else None,
        "running": latest is not None and latest.is_open,
        "failed": latest is not None and latest.status == FetchStatus.FAILED,
        "active": unit.service_state == ServiceState.ACTIVE,
        "page_query": urlencode({"q": query}) if query else "",
    }
    return render_app(request, membership, "ivan/employees/unit.html", context, menu="employees")


@require_POST
@member_required(Capability.PREPARE)
def fetch_start(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    unit = ivan_selectors.unit(membership.company, unit_id)
    try:
        services.employee_fetch_start(by=membership, unit=unit)
    except services.EmployeeFetchRefused as refusal:
        messages.error(request, refusal.message)
    return redirect("ivan:employees_unit", unit_id=unit.pk)


@require_GET
@member_required(Capability.VIEW)
def fetch_status(request: HttpRequest, membership: Membership, fetch_id: int) -> JsonResponse:
    view = FetchView(selectors.fetch(membership.company, fetch_id))
    response = JsonResponse(view.as_json(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response
