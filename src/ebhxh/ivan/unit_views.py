"""Đơn vị: the units of the company, "Thêm mới đơn vị" and each unit's checklist."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from ebhxh.ivan import selectors, services
from ebhxh.ivan.forms import UnitForm, apply_errors
from ebhxh.ivan.models import Membership, ServiceState
from ebhxh.ivan.permissions import Capability, member_required
from ebhxh.ivan.rendering import render_app
from ebhxh.ivan.validation import InvalidInput


@member_required(Capability.VIEW)
def unit_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    rows = [
        {"unit": unit, "steps": selectors.unit_checklist(unit)}
        for unit in selectors.units_of(membership.company)
    ]
    return render_app(request, membership, "ivan/unit_list.html", {"rows": rows}, menu="units")


@member_required(Capability.PREPARE)
@require_http_methods(["GET", "POST"])
def unit_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Seed 000 §3.2; "Tiếp tục" leads to the signature setup (§3.3)."""
    form = UnitForm(request.POST or None, company=membership.company)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_create(by=membership, data=form.unit_input())
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"Đã khai báo {unit.name}. Bước tiếp theo: thiết lập chữ ký số."
            )
            return redirect("ivan:signature", unit_id=unit.pk)
    context = {"form": form, "unit": None}
    return render_app(request, membership, "ivan/unit_form.html", context, menu="units")


@member_required(Capability.PREPARE)
@require_http_methods(["GET", "POST"])
def unit_edit(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    unit = selectors.unit(membership.company, unit_id)
    initial = {
        "name": unit.name,
        "province": unit.province_id,
        "tax_code": unit.tax_code,
        "first_time": unit.first_time,
        "unit_code": unit.unit_code,
        "contact_email": unit.contact_email,
        "org_node": unit.org_node_id,
    }
    fixed = (
        unit.service_state != ServiceState.NOT_REGISTERED
        or selectors.signature_of(unit) is not None
    )
    form = UnitForm(
        request.POST or None, company=membership.company, initial=initial, fixed_tax_code=fixed
    )
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.unit_update(by=membership, unit=unit, data=form.unit_input())
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Đã lưu {unit.name}.")
            if unit.change_dossier_required:
                messages.warning(
                    request,
                    "Đơn vị đang sử dụng dịch vụ: cần ký nộp hồ sơ thay đổi thông tin "
                    "(05/SD-IVAN) để cơ quan BHXH cập nhật mã đơn vị.",
                )
            return redirect("ivan:unit", unit_id=unit.pk)
    context = {"form": form, "unit": unit}
    return render_app(request, membership, "ivan/unit_form.html", context, menu="units")


@member_required(Capability.VIEW)
def unit_detail(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    unit = selectors.unit(membership.company, unit_id)
    context = {
        "unit": unit,
        "steps": selectors.unit_checklist(unit),
        "signature": selectors.signature_of(unit),
    }
    return render_app(request, membership, "ivan/unit_detail.html", context, menu="units")
