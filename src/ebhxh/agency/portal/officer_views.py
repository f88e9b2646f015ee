"""Officer console for individual registrations: the reception-point queue (declared online,
presented with the ID paper) and the counter queue (paper forms, 3 working days).

Staff only, and only officers (`registry.Officer`): each sees the registrations of their own
office (and its local offices, for a provincial office). Every decision is a service call,
audited and notified there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ebhxh.agency.portal import selectors, services
from ebhxh.agency.portal.errors import InvalidInput
from ebhxh.agency.portal.forms import CounterForm, QueueFilterForm, RefuseForm, add_errors
from ebhxh.agency.portal.models import RegistrationChannel, RegistrationStatus
from ebhxh.agency.registry.models import Officer
from ebhxh.core.errors import DomainError

View = Callable[..., HttpResponse]


def _posted(request: HttpRequest) -> Any:
    """The POST data of a POST (even an empty one, so its errors show), else None."""
    return request.POST if request.method == "POST" else None


def officer_required(view: Callable[..., HttpResponse]) -> View:
    """Staff login (the admin login page), then an Officer record naming their office."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        officer = selectors.officer_of(user)
        if officer is None:
            return render(request, "portal/officer/not_officer.html", status=403)
        return view(request, officer, *args, **kwargs)

    return wrapped


@officer_required
def home(request: HttpRequest, officer: Officer) -> HttpResponse:
    return render(
        request,
        "portal/officer/home.html",
        {"officer": officer, "counts": selectors.queue_counts(officer)},
    )


@officer_required
def reception_queue(request: HttpRequest, officer: Officer) -> HttpResponse:
    statuses = [
        RegistrationStatus.DECLARED,
        RegistrationStatus.ACCEPTED,
        RegistrationStatus.REFUSED,
        RegistrationStatus.CANCELLED,
    ]
    form = QueueFilterForm(request.GET or None, statuses=statuses)
    query, status = "", ""
    if form.is_valid():
        query, status = form.cleaned_data["q"], form.cleaned_data["status"]
    rows = selectors.reception_queue(officer, query=query, status=status)
    return render(
        request,
        "portal/officer/reception_queue.html",
        {"officer": officer, "form": form, "rows": rows, "query": query},
    )


@officer_required
def counter_queue(request: HttpRequest, officer: Officer) -> HttpResponse:
    statuses = [
        RegistrationStatus.RECEIVED,
        RegistrationStatus.ACCEPTED,
        RegistrationStatus.REFUSED,
    ]
    form = QueueFilterForm(request.GET or None, statuses=statuses)
    query, status, overdue = "", "", False
    if form.is_valid():
        query = form.cleaned_data["q"]
        status = form.cleaned_data["status"]
        overdue = form.cleaned_data["overdue"]
    rows = selectors.counter_queue(officer, query=query, status=status, overdue_only=overdue)
    return render(
        request,
        "portal/officer/counter_queue.html",
        {"officer": officer, "form": form, "rows": rows, "query": query},
    )


@officer_required
@require_http_methods(["GET", "POST"])
def counter_new(request: HttpRequest, officer: Officer) -> HttpResponse:
    form = CounterForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_receive_paper(
                officer_user=request.user,
                declaration=form.declaration,
                received_on=form.cleaned_data["received_on"],
            )
        except InvalidInput as error:
            add_errors(form, error)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Đã tiếp nhận tờ khai %(number)s; hạn giải quyết %(due)s.")
                % {
                    "number": registration.tracking_number,
                    "due": registration.due_on.strftime("%d/%m/%Y") if registration.due_on else "",
                },
            )
            return redirect("portal:officer_detail", registration.tracking_number)
    return render(request, "portal/officer/counter_new.html", {"officer": officer, "form": form})


def _registration(officer: Officer, tracking_number: str) -> Any:
    registration = selectors.registration_for_officer(officer, tracking_number)
    if registration is None:
        raise Http404
    return registration


@officer_required
def detail(request: HttpRequest, officer: Officer, tracking_number: str) -> HttpResponse:
    registration = _registration(officer, tracking_number)
    return _detail(request, officer, registration, RefuseForm())


def _detail(
    request: HttpRequest,
    officer: Officer,
    registration: Any,
    refuse_form: RefuseForm,
    status: int = 200,
) -> HttpResponse:
    check = selectors.registry_check(registration)
    return render(
        request,
        "portal/officer/detail.html",
        {
            "officer": officer,
            "registration": registration,
            "check": check,
            "refuse_form": refuse_form,
            "overdue": selectors.is_overdue(registration),
            "decidable": registration.is_open
            and registration.channel != RegistrationChannel.CERTIFICATE,
            "queue_url": reverse(
                "portal:officer_counter"
                if registration.channel == RegistrationChannel.COUNTER
                else "portal:officer_reception"
            ),
        },
        status=status,
    )


@officer_required
@require_POST
def accept(request: HttpRequest, officer: Officer, tracking_number: str) -> HttpResponse:
    registration = _registration(officer, tracking_number)
    try:
        services.registration_accept(officer_user=request.user, registration_id=registration.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Đã chấp nhận tờ khai %(number)s; tài khoản đã được cấp và gửi qua email, SMS.")
            % {"number": tracking_number},
        )
    return redirect("portal:officer_detail", tracking_number)


@officer_required
@require_POST
def refuse(request: HttpRequest, officer: Officer, tracking_number: str) -> HttpResponse:
    registration = _registration(officer, tracking_number)
    form = RefuseForm(request.POST)
    if form.is_valid():
        try:
            services.registration_refuse(
                officer_user=request.user,
                registration_id=registration.pk,
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as error:
            add_errors(form, error)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("portal:officer_detail", tracking_number)
        else:
            messages.success(
                request,
                _("Đã không chấp nhận tờ khai %(number)s; lý do đã được gửi qua email, SMS.")
                % {"number": tracking_number},
            )
            return redirect("portal:officer_detail", tracking_number)
    return _detail(request, officer, registration, form, status=400)
