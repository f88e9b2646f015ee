"""Entry page of the I-VAN employer app and the employee-sheet check."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ebhxh.identifiers.employee_sheet import check_employee_file
from ebhxh.ivan.forms import EmployeeSheetForm
from ebhxh.ivan.permissions import current_membership

# Enough to fix a sheet in one pass; thousands of rows of errors help nobody on one page.
MAX_ISSUES_SHOWN = 500


def home(request: HttpRequest) -> HttpResponse:
    """Public entry page: log in or sign up; in the demo, the demo accounts to log in with."""
    demo_accounts: tuple[object, ...] = ()
    if settings.DEMO:
        from ebhxh.ivan.demo_data import DEMO_USERS

        demo_accounts = DEMO_USERS
    context = {"membership": current_membership(request), "demo_accounts": demo_accounts}
    return render(request, "ivan/home.html", context)


def check_employees(request: HttpRequest) -> HttpResponse:
    """The same row-by-row check as `ebhxh check employees`, for a sheet uploaded here."""
    if request.method == "POST":
        form = EmployeeSheetForm(request.POST, request.FILES)
    else:
        form = EmployeeSheetForm()
    report = None
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["sheet"]
        report = check_employee_file(upload, filename=upload.name)
    shown = report.issues[:MAX_ISSUES_SHOWN] if report else ()
    hidden = len(report.issues) - len(shown) if report else 0
    context = {"form": form, "report": report, "issues": shown, "hidden": hidden}
    return render(request, "ivan/check_employees.html", context)
