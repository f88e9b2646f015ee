"""Cơ cấu tổ chức: the tree, its nodes one by one, and the sheet import/export.

Importing is two steps: upload → a dry-run preview listing every bad cell or the planned
change of every row; then "Áp dụng", which writes all rows in one transaction or none.
Between the two steps the checked rows wait in the user's session (not a hidden field the
browser could change).
"""

from __future__ import annotations

from typing import Any, Final

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from ebhxh.core.errors import DomainError
from ebhxh.ivan import orgsheet, selectors, services
from ebhxh.ivan.forms import OrgNodeForm, OrgSheetForm, apply_errors
from ebhxh.ivan.models import Membership
from ebhxh.ivan.permissions import Capability, member_required
from ebhxh.ivan.rendering import render_app
from ebhxh.ivan.validation import InvalidInput

SESSION_IMPORT: Final = "ivan_org_import"
MAX_ISSUES_SHOWN: Final = 500
EXAMPLE_ROWS: Final = (
    ("CN-HCM", "Chi nhánh TP. Hồ Chí Minh", "", "0109234567-001", "12 Lê Lợi",
     "Thành phố Hồ Chí Minh"),
    ("CN-HCM-KD", "Phòng Kinh doanh", "CN-HCM", "", "", "Thành phố Hồ Chí Minh"),
)  # fmt: skip


@member_required(Capability.VIEW)
def org_tree(request: HttpRequest, membership: Membership) -> HttpResponse:
    context = {"lines": selectors.org_tree(membership.company)}
    return render_app(request, membership, "ivan/org_tree.html", context, menu="settings")


def _node_initial(node: Any) -> dict[str, Any]:
    return {
        "code": node.code,
        "name": node.name,
        "parent": node.parent_id,
        "tax_code": node.tax_code,
        "address": node.address,
        "province": node.province_id,
    }


@member_required(Capability.MANAGE)
@require_http_methods(["GET", "POST"])
def org_node_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = OrgNodeForm(request.POST or None, company=membership.company)
    if request.method == "POST" and form.is_valid():
        try:
            node = services.org_node_create(by=membership, data=form.node_input())
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Đã thêm {node.name}.")
            return redirect("ivan:org_tree")
    context = {"form": form, "node": None}
    return render_app(request, membership, "ivan/org_node_form.html", context, menu="settings")


@member_required(Capability.MANAGE)
@require_http_methods(["GET", "POST"])
def org_node_edit(request: HttpRequest, membership: Membership, node_id: int) -> HttpResponse:
    node = selectors.org_node(membership.company, node_id)
    form = OrgNodeForm(
        request.POST or None, company=membership.company, exclude=node, initial=_node_initial(node)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.org_node_update(by=membership, node=node, data=form.node_input())
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Đã lưu {form.cleaned_data['name']}.")
            return redirect("ivan:org_tree")
    context = {"form": form, "node": node}
    return render_app(request, membership, "ivan/org_node_form.html", context, menu="settings")


@member_required(Capability.MANAGE)
@require_POST
def org_node_delete(request: HttpRequest, membership: Membership, node_id: int) -> HttpResponse:
    node = selectors.org_node(membership.company, node_id)
    try:
        services.org_node_delete(by=membership, node=node)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Đã xoá {node.name}.")
    return redirect("ivan:org_tree")


@member_required(Capability.MANAGE)
@require_http_methods(["GET", "POST"])
def org_import(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Step 1: upload and check (nothing is written); the preview shows what would change."""
    form = OrgSheetForm(request.POST or None, request.FILES or None)
    check: orgsheet.SheetCheck | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["sheet"]
        company = membership.company
        try:
            raw = orgsheet.read_rows(upload.read(), upload.name)
            check = orgsheet.check_sheet(
                raw,
                existing=selectors.existing_nodes(company),
                provinces=selectors.province_spellings(),
            )
        except orgsheet.SheetRejected as rejected:
            check = orgsheet.SheetCheck((), rejected.issues, ())
        if check.ok:
            request.session[SESSION_IMPORT] = {
                "company": company.pk,
                "file": upload.name,
                "checked_at": timezone.now().isoformat(),
                "rows": [row.to_dict() for row in check.rows],
            }
        else:
            request.session.pop(SESSION_IMPORT, None)
    issues = check.issues[:MAX_ISSUES_SHOWN] if check else ()
    context = {
        "form": form,
        "check": check,
        "issues": issues,
        "hidden": len(check.issues) - len(issues) if check else 0,
        "counts": _counts(check) if check and check.ok else None,
        "headers": orgsheet.HEADERS,
    }
    return render_app(request, membership, "ivan/org_import.html", context, menu="settings")


def _counts(check: orgsheet.SheetCheck) -> dict[str, int]:
    return {action.value: check.count(action) for action in orgsheet.Action}


@member_required(Capability.MANAGE)
@require_POST
def org_import_apply(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Step 2: write the checked rows, all or nothing."""
    pending = request.session.get(SESSION_IMPORT)
    if not pending or pending.get("company") != membership.company_id:
        messages.error(request, "Không có bảng nào chờ áp dụng. Tải tệp lên để kiểm tra trước.")
        return redirect("ivan:org_import")
    rows = [orgsheet.OrgRow.from_dict(row) for row in pending["rows"]]
    try:
        check = services.org_import_apply(by=membership, rows=rows)
    except services.ImportRejected as rejected:
        request.session.pop(SESSION_IMPORT, None)
        context = {
            "form": OrgSheetForm(),
            "check": orgsheet.SheetCheck(tuple(rows), rejected.issues, ()),
            "issues": rejected.issues,
            "hidden": 0,
            "counts": None,
            "headers": orgsheet.HEADERS,
            "rejected": rejected.message,
        }
        return render_app(request, membership, "ivan/org_import.html", context, menu="settings")
    request.session.pop(SESSION_IMPORT, None)
    counts = _counts(check)
    messages.success(
        request,
        f"Đã đồng bộ cơ cấu tổ chức từ {pending['file']}: {counts['create']} đơn vị mới, "
        f"{counts['update']} cập nhật, {counts['unchanged']} không đổi.",
    )
    return redirect("ivan:org_tree")


def _sheet_response(rows: list[tuple[str, ...]], fmt: str, name: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(orgsheet.to_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    response = HttpResponse(
        orgsheet.to_xlsx(rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@member_required(Capability.VIEW)
def org_export(request: HttpRequest, membership: Membership) -> HttpResponse:
    company = membership.company
    rows = orgsheet.export_rows(
        list(selectors.existing_nodes(company).values()),
        province_names=selectors.province_names(),
    )
    fmt = "csv" if request.GET.get("dinh-dang") == "csv" else "xlsx"
    return _sheet_response(rows, fmt, f"co-cau-to-chuc-{company.tax_code}")


@member_required(Capability.VIEW)
def org_template(request: HttpRequest, membership: Membership) -> HttpResponse:
    fmt = "csv" if request.GET.get("dinh-dang") == "csv" else "xlsx"
    return _sheet_response([orgsheet.HEADERS, *EXAMPLE_ROWS], fmt, "mau-co-cau-to-chuc")
