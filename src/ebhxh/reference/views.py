"""Public reference pages: who manages a ward, the catalogues, and deadline arithmetic."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from ebhxh.reference import selectors
from ebhxh.reference.calendar import day_off_reason, deadline
from ebhxh.reference.forms import DeadlineForm
from ebhxh.reference.procedures import all_procedures
from ebhxh.reference.rejections import all_rejections


def agencies(request: HttpRequest) -> HttpResponse:
    provinces = list(selectors.provinces())
    code = request.GET.get("province", "")
    chosen = next((p for p in provinces if p.code == code), None)
    context: dict[str, object] = {"provinces": provinces, "chosen": chosen}
    if chosen is not None:
        context["provincial"] = selectors.provincial_agency(chosen.code)
        context["locals"] = selectors.agencies_in(chosen.code).prefetch_related("wards")
    elif code:
        context["error"] = _("Không có tỉnh/thành phố mã %(code)s. Chọn lại trong danh sách.") % {
            "code": code
        }
    return render(request, "reference/agencies.html", context)


def procedures(request: HttpRequest) -> HttpResponse:
    return render(request, "reference/procedures.html", {"procedures": all_procedures()})


def rejections(request: HttpRequest) -> HttpResponse:
    return render(request, "reference/rejections.html", {"rejections": all_rejections()})


def ivan_providers(request: HttpRequest) -> HttpResponse:
    return render(
        request, "reference/ivan_providers.html", {"providers": selectors.ivan_providers()}
    )


def working_days(request: HttpRequest) -> HttpResponse:
    form = DeadlineForm(request.GET or None)
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        received = form.cleaned_data["received_on"]
        due = deadline(received, form.cleaned_data["working_days"])
        days = [received + timedelta(days=i) for i in range((due - received).days + 1)]
        context["due"] = due
        context["days"] = [(d, day_off_reason(d)) for d in days]
    return render(request, "reference/working_days.html", context)
