"""Pages: the portal's activation page and the officers' registration console.

Thin views: forms check shape, selectors read (scoped to the officer's agency), services
decide. A refusal becomes a message next to the field it concerns; nothing shows a
traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ebhxh.agency.registrations import selectors, services
from ebhxh.agency.registrations.errors import RegistrationRefused, rejection_message
from ebhxh.agency.registrations.forms import (
    ActivationForm,
    ApproveForm,
    RegistrationQueueForm,
    RejectForm,
    UnitCodeQueueForm,
)
from ebhxh.agency.registrations.models import (
    EserviceRegistration,
    UnitCodeRequest,
    UnitCodeRequestStatus,
)
from ebhxh.agency.registry.models import Officer
from ebhxh.audit.models import AuditRecord
from ebhxh.core.errors import DomainError

P = ParamSpec("P")
PAGE_SIZE = 50


# --- portal ---------------------------------------------------------------------------------


def _refusal_text(refusal: RegistrationRefused) -> str:
    language = get_language() or "vi"
    message = rejection_message(refusal.code, language)
    if refusal.detail and language.startswith("vi"):
        message = f"{message} {refusal.detail}"
    return f"{message} ({refusal.code})"


def activation_page(request: HttpRequest) -> HttpResponse:
    """`/portal/kich-hoat/`: activate with the emailed code (the same service as the I-VAN
    API)."""
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subject = selectors.activation_subject(**form.cleaned_data["identifier"])
        if subject is None:
            form.add_error(
                "identifier",
                _("Không tìm thấy hồ sơ chờ kích hoạt với mã đơn vị hoặc số hồ sơ này."),
            )
        else:
            try:
                done = services.activation_confirm(
                    subject=subject, code=form.cleaned_data["code"], actor=services.PORTAL_ACTOR
                )
            except RegistrationRefused as refusal:
                field = refusal.field if refusal.field in form.fields else None
                form.add_error(field, _refusal_text(refusal))
            else:
                if isinstance(done, EserviceRegistration):
                    messages.success(
                        request,
                        _(
                            "Đã kích hoạt đăng ký giao dịch điện tử của đơn vị %(unit)s. "
                            "Thư xác nhận đã được gửi tới thư điện tử liên hệ."
                        )
                        % {"unit": done.unit.unit_code},
                    )
                else:
                    messages.success(
                        request,
                        _(
                            "Đã kích hoạt hồ sơ %(number)s; hồ sơ đã được chuyển cho cán bộ "
                            "BHXH xét duyệt cấp mã đơn vị. Kết quả sẽ được gửi qua thư điện tử."
                        )
                        % {"number": done.dossier.number},
                    )
                return redirect("agency:registrations:activation")
    return render(request, "registrations/portal_activation.html", {"form": form})


# --- officer console ------------------------------------------------------------------------


def officer_required(
    view: Callable[Concatenate[HttpRequest, Officer, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Staff login plus an officer profile: the profile's agency scopes everything shown."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        officer = selectors.officer_for(request.user)
        if officer is None:
            return render(request, "registrations/officer/no_officer.html", status=403)
        return view(request, officer, *args, **kwargs)

    return staff_member_required(wrapper)


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@officer_required
def unit_code_requests(request: HttpRequest, officer: Officer) -> HttpResponse:
    """Queue of unit-code requests; by default those awaiting review, oldest first."""
    form = UnitCodeQueueForm(
        request.GET if request.GET else {"status": UnitCodeRequestStatus.AWAITING_REVIEW}
    )
    page = _page(request, selectors.unit_code_requests_for(officer, form.filters()))
    return render(
        request,
        "registrations/officer/requests.html",
        {"form": form, "page": page, "officer": officer, "query": _query_without_page(request)},
    )


def _history(obj: Any) -> list[AuditRecord]:
    return list(
        AuditRecord.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("seq")
    )


def _request_or_404(officer: Officer, pk: int) -> UnitCodeRequest:
    found = selectors.unit_code_request_for(officer, pk)
    if found is None:  # another agency's request looks the same as no request at all
        raise Http404(_("Không có hồ sơ này trong phạm vi cơ quan của bạn."))
    return found


def _detail(
    request: HttpRequest,
    officer: Officer,
    found: UnitCodeRequest,
    *,
    approve: ApproveForm | None = None,
    reject: RejectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    approve = approve or ApproveForm(
        initial={"target_group": found.target_group, "business_type": found.business_type}
    )
    return render(
        request,
        "registrations/officer/request_detail.html",
        {
            "item": found,
            "officer": officer,
            "approve_form": approve,
            "reject_form": reject or RejectForm(),
            "can_decide": found.status == UnitCodeRequestStatus.AWAITING_REVIEW,
            "history": _history(found),
            "earlier": list(_earlier(found)),
            "code_preview": _code_preview(found),
        },
        status=status,
    )


def _earlier(found: UnitCodeRequest) -> list[UnitCodeRequest]:
    chain: list[UnitCodeRequest] = []
    current = found.previous
    while current is not None and len(chain) < 20:
        chain.append(current)
        current = current.previous
    return chain


def _code_preview(found: UnitCodeRequest) -> str:
    try:
        return services.issued_unit_code(
            tax_code=found.tax_code,
            target_group=found.target_group,
            business_type=found.business_type,
        )
    except ValueError:
        return ""


@officer_required
def unit_code_request_detail(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    return _detail(request, officer, _request_or_404(officer, pk))


@require_POST
@officer_required
def unit_code_request_approve(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    found = _request_or_404(officer, pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _detail(request, officer, found, approve=form, status=400)
    try:
        decided = services.unit_code_approve(
            request=found,
            officer=officer,
            target_group=form.cleaned_data["target_group"],
            business_type=form.cleaned_data["business_type"],
        )
    except DomainError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
            return _detail(request, officer, found, approve=form, status=409)
        messages.error(request, error.message)
        return redirect("agency:registrations:officer_request", pk=found.pk)
    messages.success(
        request,
        _("Đã cấp mã đơn vị %(code)s và gửi thư cho đơn vị.") % {"code": decided.unit_code},
    )
    return redirect("agency:registrations:officer_request", pk=found.pk)


@require_POST
@officer_required
def unit_code_request_reject(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    found = _request_or_404(officer, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, officer, found, reject=form, status=400)
    try:
        services.unit_code_reject(
            request=found, officer=officer, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
            return _detail(request, officer, found, reject=form, status=400)
        messages.error(request, error.message)
        return redirect("agency:registrations:officer_request", pk=found.pk)
    messages.success(request, _("Đã từ chối hồ sơ và gửi lý do cho đơn vị."))
    return redirect("agency:registrations:officer_request", pk=found.pk)


@officer_required
def registrations(request: HttpRequest, officer: Officer) -> HttpResponse:
    """E-service registrations of the units in the officer's scope, newest first."""
    form = RegistrationQueueForm(request.GET or None)
    page = _page(request, selectors.registrations_for(officer, form.filters()))
    return render(
        request,
        "registrations/officer/registrations.html",
        {"form": form, "page": page, "officer": officer, "query": _query_without_page(request)},
    )


@officer_required
def registration_detail(request: HttpRequest, officer: Officer, pk: int) -> HttpResponse:
    found = selectors.registration_for(officer, pk)
    if found is None:
        raise Http404(_("Không có đăng ký này trong phạm vi cơ quan của bạn."))
    return render(
        request,
        "registrations/officer/registration_detail.html",
        {
            "item": found,
            "officer": officer,
            "history": _history(found),
            "codes": found.activation_codes.all(),
        },
    )
