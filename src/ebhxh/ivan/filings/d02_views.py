"""Lập hồ sơ 600 (D02-TS): choose the unit and period, enter rows or upload the sheet, check
(a dry run naming every bad cell), then create the dossier and go to signing.

The table that passed the check is kept in the session between "Kiểm tra" and "Lập hồ sơ",
so the file need not be uploaded twice; the dossier itself is built again from it and checked
once more by `filing_create`.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any, Final

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ebhxh.core.errors import DomainError
from ebhxh.dossiers.forms.business import D02_CODE, Plan
from ebhxh.identifiers.employee_sheet import read_sheet_rows
from ebhxh.identifiers.errors import IdentifierError
from ebhxh.ivan import selectors as ivan_selectors
from ebhxh.ivan.filings import d02, services
from ebhxh.ivan.models import Membership, ServiceState, Unit
from ebhxh.ivan.permissions import Capability, member_required
from ebhxh.ivan.rendering import render_app
from ebhxh.vntime import today_in_vietnam

SESSION_KEY: Final = "ivan_d02_checked"
MAX_SHEET_BYTES: Final = 5 * 1024 * 1024
MANUAL_ROWS: Final = 3
MAX_MANUAL_ROWS: Final = 50


class D02Form(forms.Form):
    unit = forms.TypedChoiceField(label=_("Đơn vị"), coerce=int, choices=())
    period = forms.RegexField(
        label=_("Kỳ kê khai (tháng/năm)"),
        regex=r"^(0[1-9]|1[0-2])/\d{4}$",
        error_messages={"invalid": _("Kỳ kê khai phải có dạng MM/yyyy, ví dụ 11/2026.")},
    )
    sheet = forms.FileField(
        label=_("Bảng kê lao động (.xlsx hoặc .csv)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            (
                unit.pk,
                f"{unit.name} – MST {unit.tax_code}"
                + ("" if unit.service_state == ServiceState.ACTIVE else " (chưa đăng ký dịch vụ)"),
            )
            for unit in units
        ]

    def clean_sheet(self) -> object:
        sheet = self.cleaned_data.get("sheet")
        if sheet and sheet.size > MAX_SHEET_BYTES:
            raise forms.ValidationError(
                _("Tệp lớn hơn 5 MB. Tách danh sách thành nhiều hồ sơ."), code="too_large"
            )
        return sheet


GENDERS: Final = [("", "—"), ("Nam", "Nam"), ("Nữ", "Nữ")]
PLANS: Final = [("", "—"), *((plan.value, f"{plan.value} – {plan.label}") for plan in Plan)]


class D02RowForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), required=False, max_length=100)
    insurance_number = forms.CharField(label=_("Mã số BHXH"), required=False, max_length=10)
    citizen_id = forms.CharField(label=_("Số CCCD"), required=False, max_length=12)
    birth_date = forms.CharField(
        label=_("Ngày sinh"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"placeholder": "dd/mm/yyyy"}),
    )
    gender = forms.ChoiceField(label=_("Giới tính"), required=False, choices=GENDERS)
    position = forms.CharField(label=_("Chức vụ"), required=False, max_length=100)
    salary = forms.CharField(label=_("Mức lương"), required=False, max_length=15)
    plan = forms.ChoiceField(label=_("Phương án"), required=False, choices=PLANS)
    from_month = forms.CharField(
        label=_("Từ tháng"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"placeholder": "mm/yyyy"}),
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=200)

    FIELDS = (
        "full_name",
        "insurance_number",
        "citizen_id",
        "birth_date",
        "gender",
        "position",
        "salary",
        "plan",
        "from_month",
        "note",
    )

    def row(self) -> tuple[str, ...]:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return tuple(str(data.get(name, "") or "").strip() for name in self.FIELDS)


RowFormSet = forms.formset_factory(D02RowForm, extra=0, max_num=MAX_MANUAL_ROWS)


def _cell(value: object) -> object:
    """Cells as JSON can keep them: dates written the Vietnamese way, numbers kept as
    numbers (the check spots Excel's lost leading zeros from that)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


def _active(units: list[Unit], unit_id: int) -> Unit:
    unit = next((u for u in units if u.pk == unit_id), None)
    if unit is None:
        raise DomainError("Không tìm thấy đơn vị.", code="NOT_FOUND", field="unit")
    services.check_can_file(unit, d02.PROCEDURE_CODE)
    return unit


@member_required(Capability.PREPARE)
@require_http_methods(["GET", "POST"])
def d02_new(request: HttpRequest, membership: Membership) -> HttpResponse:
    units = list(ivan_selectors.units_of(membership.company))
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "create":
        return _create(request, membership, units)
    initial = {"period": today_in_vietnam().strftime("%m/%Y")}
    if request.GET.get("don-vi", "").isdigit():
        initial["unit"] = request.GET["don-vi"]
    form = D02Form(request.POST or None, request.FILES or None, units=units, initial=initial)
    if request.method == "POST":
        rows = RowFormSet(request.POST, prefix="rows")
    else:
        rows = RowFormSet(prefix="rows", initial=[{} for _ in range(MANUAL_ROWS)])
    check: d02.D02Check | None = None
    if action == "add_row":
        # One more blank row: the page is shown again unchecked, with what was typed.
        data = request.POST.copy()
        total = int(data.get("rows-TOTAL_FORMS", "0") or 0)
        data["rows-TOTAL_FORMS"] = str(min(total + 1, MAX_MANUAL_ROWS))
        rows = RowFormSet(data, prefix="rows")
        form = D02Form(initial=request.POST.dict(), units=units)
    elif action == "check" and form.is_valid() and rows.is_valid():
        check = _check(request, form, rows, units)
    context = {
        "form": form,
        "rows": rows,
        "check": check,
        "units": units,
        "plans": list(Plan),
        "headers": d02.HEADERS,
        "form_code": D02_CODE,
    }
    return render_app(request, membership, "ivan/filings/d02_new.html", context, menu="dossiers")


def _check(
    request: HttpRequest, form: D02Form, rows: Any, units: list[Unit]
) -> d02.D02Check | None:
    try:
        unit = _active(units, form.cleaned_data["unit"])
    except DomainError as error:
        form.add_error("unit", forms.ValidationError(error.message, code=error.code))
        return None
    sheet = form.cleaned_data.get("sheet")
    try:
        if sheet:
            table = [
                tuple(_cell(c) for c in row) for row in read_sheet_rows(sheet, filename=sheet.name)
            ]
        else:
            entered = [r.row() for r in rows.forms if any(r.row())]
            table = [tuple(d02.HEADERS), *entered]
    except IdentifierError as error:
        form.add_error("sheet", forms.ValidationError(error.message, code=error.code))
        return None
    period = form.cleaned_data["period"]
    check = d02.check_d02_rows(table, period=period, unit_code=unit.unit_code, unit_name=unit.name)
    if check.ok:
        request.session[SESSION_KEY] = {
            "unit": unit.pk,
            "period": period,
            "rows": [list(row) for row in table],
            "source": sheet.name if sheet else "",
        }
    else:
        request.session.pop(SESSION_KEY, None)
    return check


def _create(request: HttpRequest, membership: Membership, units: list[Unit]) -> HttpResponse:
    stored = request.session.get(SESSION_KEY)
    if not stored:
        messages.error(request, "Phiên kiểm tra đã hết. Bấm “Kiểm tra” lại trước khi lập hồ sơ.")
        return redirect("ivan:d02_new")
    try:
        unit = _active(units, int(stored["unit"]))
        check = d02.check_d02_rows(
            [tuple(row) for row in stored["rows"]],
            period=stored["period"],
            unit_code=unit.unit_code,
            unit_name=unit.name,
        )
        if not check.ok:
            raise DomainError(
                "Danh sách không còn hợp lệ. Kiểm tra lại.", code="D02_CHANGED", field="rows"
            )
        counts = check.counts()
        purpose = (
            f"Báo tăng {counts['increase']}, giảm {counts['decrease']}, "
            f"điều chỉnh {counts['adjustment']} lao động"
        )
        filing = services.filing_create(
            actor=membership.user,
            unit=unit,
            procedure_code=d02.PROCEDURE_CODE,
            forms=[
                services.FormInput(
                    form_code=D02_CODE,
                    description=d02.FORM_DESCRIPTION,
                    file_name=d02.form_file_name(unit.tax_code, stored["period"]),
                    xml=check.xml,
                )
            ],
            period=stored["period"],
            purpose=purpose,
        )
    except DomainError as error:
        messages.error(request, f"{error.message} ({error.code})")
        return redirect("ivan:d02_new")
    request.session.pop(SESSION_KEY, None)
    messages.success(request, "Đã lập hồ sơ. Ký và nộp hồ sơ để gửi tới cơ quan BHXH.")
    return redirect(reverse("ivan:filing_sign", args=[filing.pk]))


@member_required(Capability.VIEW)
def d02_template(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The sheet template (CSV UTF-8 with BOM, so Excel shows Vietnamese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in d02.template_rows():
        writer.writerow(row)
    response = HttpResponse(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="bang-ke-D02-TS.csv"'
    return response
