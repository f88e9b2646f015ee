"""Public portal pages: accounts, passwords, and Mẫu 01 for individuals. Thin: forms check
input, services decide, selectors read; every refusal becomes a Vietnamese message."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from cryptography import x509
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ebhxh.agency.portal import selectors, services
from ebhxh.agency.portal.declaration import (
    Declaration,
    DeclarationInvalid,
    validate_declaration,
)
from ebhxh.agency.portal.errors import InvalidInput
from ebhxh.agency.portal.forms import (
    ConfirmForm,
    LoginForm,
    LookupForm,
    Mau01Form,
    PasswordChangeForm,
    ReceptionForm,
    ResetCompleteForm,
    ResetRequestForm,
    add_errors,
)
from ebhxh.agency.portal.mau01 import LOCATION, build_mau01
from ebhxh.agency.portal.models import RegistrationStatus
from ebhxh.agency.portal.passwords import password_rules
from ebhxh.agency.portal.pdf import mau01_pdf
from ebhxh.agency.portal.trust import certificate_checker
from ebhxh.audit.services import actor_of
from ebhxh.core.errors import DomainError
from ebhxh.pki.errors import RejectionError
from ebhxh.pki.identity import identity_of, require_citizen_id
from ebhxh.vntime import VIETNAM_TZ
from ebhxh.xmldsig import PreparedSignature, assemble_signature, prepare_signature

DEFAULT_AGENT_URL = "http://127.0.0.1:8765"
SIGNED_SESSION = "portal_mau01_signed"
RECEPTION_SESSION = "portal_mau01_reception"
MAX_BODY = 64 * 1024
MAX_CHAIN = 7
# The services name the new password `new_password`; the forms ask for it twice.
NEW_PASSWORD_FIELD = {"new_password": "new_password1"}

portal_login_required = login_required(login_url=reverse_lazy("portal:login"))


def _posted(request: HttpRequest) -> Any:
    """The POST data of a POST (even an empty one, so its errors show), else None."""
    return request.POST if request.method == "POST" else None


# --- accounts -----------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("portal:account")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.PORTAL_LOGIN_FAILURE_LIMIT
        return context


class LogoutView(auth_views.LogoutView):
    next_page = "portal:login"


@portal_login_required
def account(request: HttpRequest) -> HttpResponse:
    holder = selectors.account_of(request.user)
    if holder is None:
        messages.error(request, _("Tài khoản này không dùng cổng dịch vụ công."))
        return redirect("agency:portal")
    return render(
        request,
        "portal/account.html",
        {
            "holder": holder,
            "password": selectors.password_state(holder),
            "registrations": selectors.registrations_of(holder)[:10] if holder.citizen_id else [],
        },
    )


@portal_login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    holder = selectors.account_of(request.user)
    if holder is None:
        return redirect("agency:portal")
    form = PasswordChangeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.password_change(
                actor=actor_of(request.user),
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except InvalidInput as error:
            add_errors(form, error, NEW_PASSWORD_FIELD)
        else:
            # The service saved another instance of the user: keep this session valid with it.
            update_session_auth_hash(request, changed.user)
            messages.success(
                request, _("Đã đổi mật khẩu. Lần đổi tiếp theo chậm nhất sau 6 tháng.")
            )
            target = request.GET.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = reverse("portal:account")
            return redirect(target)
    return render(
        request,
        "portal/password_change.html",
        {
            "form": form,
            "holder": holder,
            "password": selectors.password_state(holder),
            "rules": password_rules(),
        },
    )


@require_http_methods(["GET", "POST"])
def password_reset_request(request: HttpRequest) -> HttpResponse:
    form = ResetRequestForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_request(
                username=form.cleaned_data["username"], channel=form.cleaned_data["channel"]
            )
        except InvalidInput as error:
            add_errors(form, error)
        else:
            # The same answer whether or not the account exists (no account enumeration).
            messages.info(
                request,
                _(
                    "Nếu tên đăng nhập đúng, mã xác nhận đã được gửi tới thư điện tử hoặc số điện "
                    "thoại đã đăng ký. Mã có giá trị %(minutes)d phút."
                )
                % {"minutes": settings.PORTAL_PASSWORD_RESET_MINUTES},
            )
            return redirect(
                reverse("portal:password_reset_complete")
                + f"?tai-khoan={form.cleaned_data['username']}"
            )
    return render(request, "portal/password_reset_request.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_complete(request: HttpRequest) -> HttpResponse:
    initial = {"username": request.GET.get("tai-khoan", ""), "code": request.GET.get("ma", "")}
    form = ResetCompleteForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_complete(
                username=form.cleaned_data["username"],
                code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password1"],
            )
        except InvalidInput as error:
            add_errors(form, error, NEW_PASSWORD_FIELD)
        else:
            messages.success(request, _("Đã đặt mật khẩu mới. Hãy đăng nhập bằng mật khẩu mới."))
            return redirect("portal:login")
    return render(
        request, "portal/password_reset_complete.html", {"form": form, "rules": password_rules()}
    )


def lockout(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the page a locked-out username+IP gets (HTTP 429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "portal/lockout.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes},
        status=429,
    )


# --- Mẫu 01: choosing the path, looking one up ----------------------------------------------


def registration_start(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/registration_start.html",
        {
            "present_days": settings.PORTAL_DECLARATION_PRESENT_DAYS,
            "working_days": settings.PORTAL_COUNTER_WORKING_DAYS,
        },
    )


def registration_status(request: HttpRequest, public_id: str) -> HttpResponse:
    registration = selectors.registration_by_public_id(public_id)
    if registration is None:
        raise Http404
    return render(
        request,
        "portal/status.html",
        {
            "registration": registration,
            "statuses": RegistrationStatus,
            "overdue": selectors.is_overdue(registration),
        },
    )


def registration_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    registration = selectors.registration_by_public_id(public_id)
    if registration is None:
        raise Http404
    response = HttpResponse(mau01_pdf(registration), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="to-khai-mau-01-{registration.tracking_number}.pdf"'
    )
    return response


@require_http_methods(["GET", "POST"])
def registration_lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        found = selectors.registration_lookup(
            tracking_number=form.cleaned_data["tracking_number"],
            citizen_id=form.cleaned_data["citizen_id"],
        )
        if found is not None:
            return redirect("portal:registration_status", found.public_id)
        form.add_error(
            None, _("Không tìm thấy tờ khai có số tờ khai và số CCCD này. Kiểm tra lại hai số.")
        )
    return render(request, "portal/lookup.html", {"form": form})


def _declaration_from(data: object) -> Declaration | None:
    if not isinstance(data, dict):
        return None
    try:
        return validate_declaration(data)
    except DeclarationInvalid:
        return None


# --- Mẫu 01 with a certificate ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register_signed(request: HttpRequest) -> HttpResponse:
    """Step 1: the form. Step 2 (`sign`) signs exactly what was checked here."""
    stored = request.session.get(SIGNED_SESSION, {})
    initial = (
        stored.get("declaration") if request.method == "GET" and "sua" in request.GET else None
    )
    form = Mau01Form(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        request.session[SIGNED_SESSION] = {"declaration": form.declaration.as_data()}
        return redirect("portal:sign")
    return render(request, "portal/register_signed.html", {"form": form})


@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest) -> HttpResponse:
    """Step 2: sign with the USB token through the signer agent, then submit. POST JSON:
    `prepare` (certificate chosen → digest) and `complete` (signature → tracking number)."""
    declaration = _declaration_from(request.session.get(SIGNED_SESSION, {}).get("declaration"))
    if request.method == "POST":
        if declaration is None:
            return _json_error(
                "NOT_DECLARED", _("Phiên kê khai đã hết. Vui lòng điền lại tờ khai."), 409
            )
        return _sign_post(request, declaration)
    if declaration is None:
        messages.warning(request, _("Điền tờ khai trước khi ký."))
        return redirect("portal:register_signed")
    return render(
        request,
        "portal/sign.html",
        {
            "declaration": declaration,
            "agent_url": getattr(settings, "SIGNER_AGENT_URL", DEFAULT_AGENT_URL),
        },
    )


def _json_error(code: str, message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "code": code, "message": message}, status=status)


def _sign_post(request: HttpRequest, declaration: Declaration) -> JsonResponse:
    if len(request.body) > MAX_BODY:
        return _json_error("BODY_TOO_LARGE", _("Yêu cầu quá lớn."), 413)
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        return _json_error("BAD_REQUEST", _("Yêu cầu không hợp lệ."))
    try:
        if data.get("action") == "prepare":
            return _prepare(request, declaration, data)
        if data.get("action") == "complete":
            return _complete(request, data)
    except RejectionError as error:
        return _json_error(error.code, error.message, 422)
    except DomainError as error:
        return _json_error(error.code, error.message, 409)
    return _json_error("BAD_REQUEST", _("Thao tác không hợp lệ."))


def _certificate(value: object) -> x509.Certificate:
    if not isinstance(value, str):
        raise ValueError("certificate")
    return x509.load_der_x509_certificate(base64.b64decode(value, validate=True))


def _prepare(request: HttpRequest, declaration: Declaration, data: dict[str, Any]) -> JsonResponse:
    """Check the chosen certificate first (chain, and that it is the declarant's: IDN002),
    so a person never types a PIN for a signature that cannot be accepted."""
    chain_values = data.get("chain") or []
    try:
        if not isinstance(chain_values, list) or len(chain_values) > MAX_CHAIN:
            raise ValueError("chain")
        certificate = _certificate(data.get("certificate"))
        chain = tuple(_certificate(value) for value in chain_values)
    except (ValueError, binascii.Error):
        return _json_error("CERTIFICATE_INVALID", _("Chứng thư số gửi lên không đọc được."))
    validated = certificate_checker().validate(certificate, intermediates=chain)
    require_citizen_id(validated, declaration.citizen_id)
    now = datetime.now(VIETNAM_TZ).replace(microsecond=0)
    prepared = prepare_signature(
        build_mau01(declaration, created_at=now),
        certificate=certificate,
        chain=chain,
        location=LOCATION,
        signing_time=now,
    )
    stored = request.session.get(SIGNED_SESSION, {})
    stored["prepared"] = base64.b64encode(prepared.to_bytes()).decode("ascii")
    request.session[SIGNED_SESSION] = stored
    return JsonResponse(
        {
            "ok": True,
            "digest": base64.b64encode(prepared.digest).decode("ascii"),
            "description": f"Tờ khai Mẫu số 01 của {identity_of(certificate).common_name}",
        }
    )


def _complete(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    stored = request.session.get(SIGNED_SESSION, {})
    if "prepared" not in stored:
        return _json_error("NOT_PREPARED", _("Chưa có tờ khai chờ ký. Bấm “Ký và nộp” lại."), 409)
    try:
        signature = base64.b64decode(str(data.get("signature", "")), validate=True)
    except (ValueError, binascii.Error):
        return _json_error("SIGNATURE_INVALID", _("Chữ ký nhận từ ứng dụng ký số không đọc được."))
    prepared = PreparedSignature.from_bytes(base64.b64decode(stored["prepared"]))
    signed = assemble_signature(prepared, signature)
    registration = services.registration_submit_signed(signed_xml=signed)
    request.session.pop(SIGNED_SESSION, None)
    return JsonResponse(
        {
            "ok": True,
            "tracking_number": registration.tracking_number,
            "status_url": reverse("portal:registration_status", args=[registration.public_id]),
        }
    )


# --- Mẫu 01 without a certificate -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register_reception(request: HttpRequest) -> HttpResponse:
    """Step 1: the form and the reception point; step 2 (`confirm_reception`) confirms."""
    stored = request.session.get(RECEPTION_SESSION) or {}
    initial = None
    if request.method == "GET" and "sua" in request.GET and stored:
        initial = {**stored.get("declaration", {}), **stored.get("place", {})}
    form = ReceptionForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        request.session[RECEPTION_SESSION] = {
            "declaration": form.declaration.as_data(),
            "place": {
                "province": form.cleaned_data["province"],
                "reception_agency": form.cleaned_data["reception_agency"],
            },
        }
        return redirect("portal:confirm_reception")
    return render(
        request,
        "portal/register_reception.html",
        {"form": form, "present_days": settings.PORTAL_DECLARATION_PRESENT_DAYS},
    )


@require_http_methods(["GET", "POST"])
def confirm_reception(request: HttpRequest) -> HttpResponse:
    stored = request.session.get(RECEPTION_SESSION) or {}
    declaration = _declaration_from(stored.get("declaration"))
    agency_code = (stored.get("place") or {}).get("reception_agency", "")
    agency = selectors.reception_agencies().filter(code=agency_code).first()
    if declaration is None or agency is None:
        messages.warning(request, _("Điền tờ khai trước khi xác nhận."))
        return redirect("portal:register_reception")
    form = ConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.registration_declare(
                declaration=declaration, reception_agency=agency.code
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            request.session.pop(RECEPTION_SESSION, None)
            messages.success(
                request,
                _("Đã ghi nhận tờ khai %(number)s. In tờ khai, ký và nộp tại %(agency)s.")
                % {"number": registration.tracking_number, "agency": agency.name},
            )
            return redirect("portal:registration_status", registration.public_id)
    return render(
        request,
        "portal/confirm_reception.html",
        {
            "declaration": declaration,
            "agency": agency,
            "form": form,
            "present_by": services.present_by(timezone.now()),
        },
    )
