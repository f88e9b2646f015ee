"""Logging in, signing a company up, choosing the company to work in, joining by invitation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from ebhxh.core.errors import DomainError
from ebhxh.ivan import selectors, services
from ebhxh.ivan.forms import AcceptInvitationForm, CompanyForm, SignupForm, apply_errors
from ebhxh.ivan.models import Invitation, InvitationStatus
from ebhxh.ivan.permissions import SESSION_COMPANY
from ebhxh.ivan.validation import InvalidInput

USER_FIELDS = {"password": "password1"}


class IvanLoginView(LoginView):
    template_name = "ivan/login.html"
    authentication_form = AuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("ivan:units")


login_view = IvanLoginView.as_view()


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "Bạn đã đăng xuất.")
    return redirect("ivan:home")


def _user(request: HttpRequest) -> User:
    """The logged-in user (the views that call this require login)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A company opens an I-VAN account; the person signing up becomes its admin."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.company_signup(
                username=data["username"],
                password=data["password1"],
                email=data["email"],
                full_name=data.get("full_name", ""),
                company=form.company_input(),
            )
        except InvalidInput as error:
            apply_errors(form, error, aliases=USER_FIELDS)
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_COMPANY] = membership.company_id
            messages.success(
                request,
                f"Đã tạo tài khoản cho {membership.company.name}. Bước tiếp theo: khai báo đơn vị.",
            )
            return redirect("ivan:units")
    return render(request, "ivan/signup.html", {"form": form})


@login_required(login_url=reverse_lazy("ivan:login"))
@require_http_methods(["GET", "POST"])
def choose_company(request: HttpRequest) -> HttpResponse:
    """The company switcher: a user of several companies picks one for this session."""
    memberships = list(selectors.memberships_of(_user(request).pk))
    if request.method == "POST":
        wanted = request.POST.get("company", "")
        chosen = next((m for m in memberships if str(m.company_id) == wanted), None)
        if chosen is None:
            messages.error(request, "Bạn không thuộc công ty đã chọn.")
        else:
            request.session[SESSION_COMPANY] = chosen.company_id
            messages.success(request, f"Đang làm việc với {chosen.company.name}.")
            return redirect(_safe_next(request, reverse("ivan:units")))
    context = {"memberships": memberships, "next": _safe_next(request, "")}
    return render(request, "ivan/choose_company.html", context)


@login_required(login_url=reverse_lazy("ivan:login"))
@require_http_methods(["GET", "POST"])
def company_new(request: HttpRequest) -> HttpResponse:
    """A logged-in user adds another company they work for."""
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.company_create(user=_user(request), data=form.company_input())
        except InvalidInput as error:
            apply_errors(form, error)
        else:
            request.session[SESSION_COMPANY] = membership.company_id
            messages.success(request, f"Đã tạo tài khoản cho {membership.company.name}.")
            return redirect("ivan:units")
    return render(request, "ivan/company_new.html", {"form": form})


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Join a company from the emailed link: with the account one is logged in to, or a new one."""
    found = (
        Invitation.objects.select_related("company")
        .filter(token_hash=services.token_digest(token))
        .first()
    )
    usable = (
        found is not None
        and found.status == InvitationStatus.PENDING
        and found.expires_at > timezone.now()
    )
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and usable:
        try:
            if request.user.is_authenticated:
                membership = services.invitation_accept(token=token, user=_user(request))
            elif form.is_valid():
                data = form.cleaned_data
                membership = services.invitation_accept_new_user(
                    token=token,
                    username=data["username"],
                    password=data["password1"],
                    full_name=data.get("full_name", ""),
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                membership = None
        except InvalidInput as error:
            apply_errors(form, error, aliases=USER_FIELDS)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if membership is not None:
                request.session[SESSION_COMPANY] = membership.company_id
                messages.success(
                    request,
                    f"Bạn đã tham gia {membership.company.name} với vai trò "
                    f"{membership.get_role_display()}.",
                )
                return redirect("ivan:units")
    context = {"invitation": found, "usable": usable, "form": form}
    return render(request, "ivan/invitation.html", context, status=200 if found else 404)
