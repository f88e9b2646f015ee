"""Pages of the registration wizard: the unit's "Đăng ký dịch vụ" page and its steps, and
Thiết lập → Thông tin sử dụng dịch vụ. Thin: each POST calls one service; a prepared dossier
goes to the engine's signing page (`ivan:filing_sign`), which comes back here when sent."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from ebhxh.core.errors import DomainError
from ebhxh.ivan import selectors as ivan_selectors
from ebhxh.ivan.enrolment import paper, selectors, services
from ebhxh.ivan.enrolment.forms import (
    ActivationForm,
    ContactForm,
    StopForm,
    UnitCodeForm,
    UnitCodeRequestForm,
)
from ebhxh.ivan.filings.models import Filing
from ebhxh.ivan.forms import apply_errors
from ebhxh.ivan.models import Membership, Unit
from ebhxh.ivan.permissions import Capability, member_required
from ebhxh.ivan.rendering import render_app
from ebhxh.ivan.validation import InvalidInput


def _to_sign(filing: Filing) -> HttpResponse:
    return redirect("ivan:filing_sign", filing.pk)


def _error(form: django_forms.Form, error: DomainError) -> None:
    if isinstance(error, InvalidInput):
        apply_errors(form, error)
        return
    field = error.field if error.field in form.fields else None
    form.add_error(field, django_forms.ValidationError(error.message, code=error.code))


def _page(
    request: HttpRequest,
    membership: Membership,
    unit: Unit,
    template: str,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    view = selectors.enrolment(unit, has_signature=ivan_selectors.signature_of(unit) is not None)
    frame = {
        "unit": unit,
        "view": view,
        "steps": ivan_selectors.unit_checklist(unit),
        "history": selectors.filings_of(unit)[:10],
        "stop_retrying": view.stop is not None
        and selectors.last_event_code(view.stop) == selectors.RETRYABLE,
    }
    return render_app(request, membership, template, {**frame, **(context or {})}, menu="units")


def _unit_page(
    request: HttpRequest,
    membership: Membership,
    unit: Unit,
    *,
    activation_form: ActivationForm | None = None,
    unit_code_form: UnitCodeForm | None = None,
) -> HttpResponse:
    """The unit's enrolment page; a refused form comes back in its own slot with its errors."""
    context = {
        "activation_form": ActivationForm() if activation_form is None else activation_form,
        "unit_code_form": UnitCodeForm() if unit_code_form is None else unit_code_form,
    }
    return _page(request, membership, unit, "ivan/enrolment/unit.html", context)


@member_required(Capability.VIEW)
def enrolment(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    """Where the unit is in seed 000/004, and the one thing to do next."""
    unit = ivan_selectors.unit(membership.company, unit_id)
    view = selectors.enrolment(unit, has_signature=True)
    unit_code_form = (
        UnitCodeForm(initial={"unit_code": view.issued_code}) if view.issued_code else None
    )
    return _unit_page(request, membership, unit, unit_code_form=unit_code_form)


@member_required(Capability.PREPARE)
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    """ "Đăng ký dịch vụ" → 04/ĐK-IVAN → "Ký nộp"."""
    unit = ivan_selectors.unit(membership.company, unit_id)
    initial = {
        "contact_name": membership.user.get_full_name(),
        "contact_email": unit.contact_email or membership.company.contact_email,
        "contact_phone": membership.company.contact_phone,
    }
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            filing = services.registration_prepare(by=membership, unit=unit, data=form.contact())
        except DomainError as error:
            _error(form, error)
        else:
            return _to_sign(filing)
    return _page(request, membership, unit, "ivan/enrolment/register.html", {"form": form})


@member_required(Capability.PREPARE)
@require_http_methods(["GET", "POST"])
def resubmit(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    """Seed 004 Bước 2: the refused registration shown again; "Đăng ký sử dụng" re-submits."""
    unit = ivan_selectors.unit(membership.company, unit_id)
    refused = selectors.refused_registration(unit)
    if request.method == "POST":
        try:
            filing = services.registration_resubmit(by=membership, unit=unit)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            return _to_sign(filing)
    context = {
        "refused": refused,
        "refused_form": selectors.registration_form_of(refused) if refused else None,
    }
    return _page(request, membership, unit, "ivan/enrolment/resubmit.html", context)


@member_required(Capability.PREPARE)
@require_http_methods(["GET", "POST"])
def request_code(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    """ "Đăng ký cấp mã đơn vị" (TK3-TS); after a rejection the form comes back filled in
    ("Đăng ký lại")."""
    unit = ivan_selectors.unit(membership.company, unit_id)
    initial: dict[str, Any] = {
        "unit_name": unit.name,
        "contact_name": membership.user.get_full_name(),
        "contact_email": unit.contact_email or membership.company.contact_email,
        "contact_phone": membership.company.contact_phone,
        "address": membership.company.address,
    }
    previous = selectors.sent(unit, selectors.FIRST_TIME_PROCEDURE)
    if previous is not None:
        old = selectors.unit_code_request_of(previous)
        initial.update(
            unit_name=old.unit_name,
            address=old.address,
            managing_agency=old.managing_agency,
            target_group=old.target_group,
            business_type=old.business_type,
            contact_name=old.contact_name,
            contact_email=old.contact_email,
            contact_phone=old.contact_phone,
        )
    form = UnitCodeRequestForm(
        request.POST or None, initial=initial, province_code=unit.province_id
    )
    if request.method == "POST" and form.is_valid():
        try:
            filing = services.unit_code_request_prepare(
                by=membership, unit=unit, data=form.request_input()
            )
        except DomainError as error:
            _error(form, error)
        else:
            return _to_sign(filing)
    context = {"form": form, "previous": previous}
    return _page(request, membership, unit, "ivan/enrolment/request_code.html", context)


@member_required(Capability.VIEW)
def paper_form(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    """The printable TK3-TS for provinces without the electronic path (seed 000 §I TH2)."""
    unit = ivan_selectors.unit(membership.company, unit_id)
    pdf = paper.unit_code_request_pdf(unit, company=membership.company)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="TK3-TS-{unit.tax_code}.pdf"'
    return response


@member_required(Capability.SIGN)
@require_POST
def activate(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    unit = ivan_selectors.unit(membership.company, unit_id)
    form = ActivationForm(request.POST)
    form.is_valid()
    try:
        unit = services.activation_confirm(
            by=membership, unit=unit, code=form.cleaned_data.get("code", "")
        )
    except DomainError as error:
        _error(form, error)
        return _unit_page(request, membership, unit, activation_form=form)
    messages.success(
        request,
        "Đã kích hoạt. Đơn vị đã sử dụng dịch vụ BHXH điện tử."
        if unit.service_state == "active"
        else "Đã kích hoạt; hồ sơ đã chuyển cho cán bộ BHXH xét duyệt cấp mã đơn vị.",
    )
    return redirect("ivan:enrolment", unit.pk)


@member_required(Capability.SIGN)
@require_POST
def resend(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    unit = ivan_selectors.unit(membership.company, unit_id)
    try:
        sent = services.activation_resend(by=membership, unit=unit)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        until = (
            f" Mã mới có hiệu lực đến {sent.expires_at:%H:%M %d/%m/%Y}." if sent.expires_at else ""
        )
        messages.success(request, f"Đã gửi mã kích hoạt mới tới {sent.email}.{until}")
    return redirect("ivan:enrolment", unit.pk)


@member_required(Capability.PREPARE)
@require_POST
def update_code(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    """ "Cập nhật" the issued unit code; after an approval, sign the change dossier."""
    unit = ivan_selectors.unit(membership.company, unit_id)
    form = UnitCodeForm(request.POST)
    form.is_valid()
    try:
        filing = services.unit_code_update(
            by=membership, unit=unit, unit_code=form.cleaned_data.get("unit_code", "")
        )
    except DomainError as error:
        _error(form, error)
        return _unit_page(request, membership, unit, unit_code_form=form)
    if filing is not None:
        return _to_sign(filing)
    messages.success(request, "Đã cập nhật mã đơn vị. Bước tiếp theo: đăng ký sử dụng dịch vụ.")
    return redirect("ivan:enrolment", unit.pk)


@member_required(Capability.PREPARE)
@require_POST
def change(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    unit = ivan_selectors.unit(membership.company, unit_id)
    try:
        filing = services.change_prepare(by=membership, unit=unit)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("ivan:enrolment", unit.pk)
    return _to_sign(filing)


@member_required(Capability.PREPARE)
@require_http_methods(["GET", "POST"])
def stop(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    """Seed 004: "Ngừng dịch vụ" of the old provider, with the reason ticked."""
    unit = ivan_selectors.unit(membership.company, unit_id)
    form = StopForm(request.POST or None)
    provider = None
    problem = ""
    try:
        provider = services.previous_provider(by=membership, unit=unit)
    except DomainError as error:
        problem = error.message
    if request.method == "POST" and form.is_valid():
        try:
            filing = services.stop_prepare(
                by=membership,
                unit=unit,
                reasons=form.cleaned_data["reasons"],
                other_reason=form.cleaned_data["other_reason"],
            )
        except DomainError as error:
            _error(form, error)
        else:
            return _to_sign(filing)
    context = {"form": form, "provider": provider, "problem": problem}
    return _page(request, membership, unit, "ivan/enrolment/stop.html", context)


@member_required(Capability.VIEW)
@require_POST
def refresh(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    unit = ivan_selectors.unit(membership.company, unit_id)
    try:
        services.refresh(by=membership, unit=unit)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.info(request, "Đã cập nhật trạng thái hồ sơ từ cơ quan BHXH.")
    return redirect("ivan:enrolment", unit.pk)


@member_required(Capability.VIEW)
def service_info(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Thiết lập → Thông tin sử dụng dịch vụ: every unit's registration and its next action."""
    rows = [
        selectors.enrolment(unit, has_signature=ivan_selectors.signature_of(unit) is not None)
        for unit in ivan_selectors.units_of(membership.company)
    ]
    return render_app(
        request, membership, "ivan/enrolment/service_info.html", {"rows": rows}, menu="settings"
    )
