"""Pages of the organisation transaction account (seed 001) and the officers' paper queue.
Thin: forms check input, services decide, selectors read; every refusal becomes a
Vietnamese message next to its field."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from cryptography import x509
from django.conf import settings
from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ebhxh.agency.portal import organisation_remote as remote_signing
from ebhxh.agency.portal import organisation_selectors as selectors
from ebhxh.agency.portal import organisation_services as services
from ebhxh.agency.portal.errors import InvalidInput
from ebhxh.agency.portal.forms import QueueFilterForm, RefuseForm, add_errors
from ebhxh.agency.portal.models import OrganisationStatus, TransactAt
from ebhxh.agency.portal.officer_views import officer_required
from ebhxh.agency.portal.organisation import (
    LOCATION,
    SIGNING_PROCEDURE,
    OrganisationApplication,
    build_organisation_xml,
    validate_organisation,
)
from ebhxh.agency.portal.organisation_forms import (
    INDIVIDUAL,
    ActivationForm,
    ChooseForm,
    OrganisationForm,
)
from ebhxh.agency.portal.organisation_pdf import organisation_pdf
from ebhxh.agency.portal.trust import certificate_checker
from ebhxh.agency.registrations.certificates import CertificateInfo, require_unit_certificate
from ebhxh.agency.registrations.errors import RegistrationRefused, rejection_message
from ebhxh.agency.registry.models import Officer, Unit
from ebhxh.core.errors import DomainError
from ebhxh.pki.errors import RejectionError
from ebhxh.pki.identity import identity_of
from ebhxh.vntime import VIETNAM_TZ
from ebhxh.xmldsig import PreparedSignature, assemble_signature, prepare_signature

DEFAULT_AGENT_URL = "http://127.0.0.1:8765"
SESSION = "portal_organisation"
MAX_BODY = 64 * 1024
MAX_CHAIN = 7


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _refusal_text(error: DomainError) -> str:
    if isinstance(error, RegistrationRefused):
        message = rejection_message(error.code)
        return (
            f"{message} {error.detail} ({error.code})"
            if error.detail
            else f"{message} ({error.code})"
        )
    return error.message


# --- "Đăng ký": who registers ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register_choose(request: HttpRequest) -> HttpResponse:
    form = ChooseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["kind"] == INDIVIDUAL:
            return redirect("portal:registration_start")
        return redirect("portal:organisation_register")
    return render(request, "portal/organisation/choose.html", {"form": form})


# --- the form ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def organisation_register(request: HttpRequest) -> HttpResponse:
    """Step 14-18: the form; with a certificate on to signing, without one to the printable
    form. The registry is checked here already, so nobody signs a request bound to fail."""
    stored = request.session.get(SESSION) or {}
    initial = None
    if request.method == "GET" and "sua" in request.GET and stored.get("application"):
        initial = {**stored["application"], "province": stored.get("province", "")}
    form = OrganisationForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        application = form.application
        try:
            if form.cleaned_data["uses_certificate"]:
                services.organisation_check(application=application)
                request.session[SESSION] = {
                    "application": application.as_data(),
                    "province": form.cleaned_data["province"],
                }
                return redirect("portal:organisation_sign")
            registration = services.organisation_declare(application=application)
        except InvalidInput as error:
            add_errors(form, error)
        except DomainError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, _refusal_text(error))
        else:
            request.session.pop(SESSION, None)
            messages.success(
                request,
                _("Đã ghi nhận tờ khai %(number)s. In tờ khai, ký, đóng dấu và nộp tại %(agency)s.")
                % {
                    "number": registration.tracking_number,
                    "agency": registration.managing_agency.name,
                },
            )
            return redirect("portal:organisation_status", registration.public_id)
    return render(request, "portal/organisation/form.html", {"form": form})


def _stored_application(request: HttpRequest) -> OrganisationApplication | None:
    data = (request.session.get(SESSION) or {}).get("application")
    if not isinstance(data, dict):
        return None
    try:
        return validate_organisation(data)
    except InvalidInput:
        return None


def _unit(application: OrganisationApplication) -> Unit:
    """The registry's unit, checked again (it may have changed since the form)."""
    return services.organisation_check(application=application)


# --- signing: USB token through the signer agent, or remote ----------------------------------


@require_http_methods(["GET", "POST"])
def organisation_sign(request: HttpRequest) -> HttpResponseBase:
    """Step 19-24. POST JSON: `prepare` (certificate → digest), `complete` (signature →
    submitted), `remote_login` (provider account → certificates), `remote_sign` (streams the
    device confirmation, then submits)."""
    application = _stored_application(request)
    if request.method == "POST":
        if application is None:
            return _json_error(
                "NOT_DECLARED", _("Phiên kê khai đã hết. Vui lòng điền lại tờ khai."), 409
            )
        return _sign_post(request, application)
    if application is None:
        messages.warning(request, _("Điền tờ khai trước khi ký."))
        return redirect("portal:organisation_register")
    try:
        unit = _unit(application)
    except DomainError as error:
        messages.error(request, _refusal_text(error))
        return redirect(reverse("portal:organisation_register") + "?sua=1")
    return render(
        request,
        "portal/organisation/sign.html",
        {
            "application": application,
            "unit": unit,
            "transact_label": TransactAt(application.transact_at).label,
            "agent_url": getattr(settings, "SIGNER_AGENT_URL", DEFAULT_AGENT_URL),
            "remote_providers": remote_signing.providers(),
        },
    )


def _json_error(
    code: str, message: str, status: int = 400, field: str | None = None
) -> JsonResponse:
    return JsonResponse(
        {"ok": False, "code": code, "message": message, "field": field}, status=status
    )


def _sign_post(request: HttpRequest, application: OrganisationApplication) -> HttpResponseBase:
    if len(request.body) > MAX_BODY:
        return _json_error("BODY_TOO_LARGE", _("Yêu cầu quá lớn."), 413)
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        return _json_error("BAD_REQUEST", _("Yêu cầu không hợp lệ."))
    actions = {
        "prepare": _prepare,
        "complete": _complete,
        "remote_login": _remote_login,
        "remote_sign": _remote_sign,
    }
    action = actions.get(str(data.get("action")))
    if action is None:
        return _json_error("BAD_REQUEST", _("Thao tác không hợp lệ."))
    try:
        return action(request, application, data)
    except RejectionError as error:
        return _json_error(error.code, error.message, 422)
    except DomainError as error:
        return _json_error(error.code, _refusal_text(error), 409, error.field)


def _certificate(value: object) -> x509.Certificate:
    if not isinstance(value, str):
        raise ValueError("certificate")
    return x509.load_der_x509_certificate(base64.b64decode(value, validate=True))


def _prepared(
    request: HttpRequest,
    application: OrganisationApplication,
    certificate: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
) -> PreparedSignature:
    """Check the certificate first (chain, and the unit's MST: IDN001), so nobody confirms
    a signature that cannot be accepted; then the form and its digest."""
    unit = _unit(application)
    certificate_checker().validate(certificate, intermediates=chain)
    require_unit_certificate(CertificateInfo.of(certificate), unit.tax_code, xpath="")
    now = datetime.now(VIETNAM_TZ).replace(microsecond=0)
    prepared = prepare_signature(
        build_organisation_xml(application, tax_code=unit.tax_code, created_at=now),
        certificate=certificate,
        chain=chain,
        location=LOCATION,
        signing_time=now,
    )
    return prepared


def _prepare(
    request: HttpRequest, application: OrganisationApplication, data: dict[str, Any]
) -> JsonResponse:
    chain_values = data.get("chain") or []
    try:
        if not isinstance(chain_values, list) or len(chain_values) > MAX_CHAIN:
            raise ValueError("chain")
        certificate = _certificate(data.get("certificate"))
        chain = tuple(_certificate(value) for value in chain_values)
    except (ValueError, binascii.Error):
        return _json_error("CERTIFICATE_INVALID", _("Chứng thư số gửi lên không đọc được."))
    prepared = _prepared(request, application, certificate, chain)
    stored = request.session.get(SESSION) or {}
    stored["prepared"] = base64.b64encode(prepared.to_bytes()).decode("ascii")
    request.session[SESSION] = stored
    return JsonResponse(
        {
            "ok": True,
            "digest": base64.b64encode(prepared.digest).decode("ascii"),
            "description": _("Tờ khai đăng ký tài khoản giao dịch điện tử của %(unit)s")
            % {"unit": identity_of(certificate).common_name},
        }
    )


def _submitted(request: HttpRequest, signed: bytes) -> dict[str, Any]:
    registration = services.organisation_submit_signed(signed_xml=signed)
    return {
        "ok": True,
        "done": True,
        "tracking_number": registration.tracking_number,
        "status_url": reverse("portal:organisation_status", args=[registration.public_id]),
    }


def _complete(
    request: HttpRequest, application: OrganisationApplication, data: dict[str, Any]
) -> JsonResponse:
    stored = request.session.get(SESSION) or {}
    if "prepared" not in stored:
        return _json_error("NOT_PREPARED", _("Chưa có tờ khai chờ ký. Bấm “Đồng ý” lại."), 409)
    try:
        signature = base64.b64decode(str(data.get("signature", "")), validate=True)
    except (ValueError, binascii.Error):
        return _json_error("SIGNATURE_INVALID", _("Chữ ký nhận từ ứng dụng ký số không đọc được."))
    prepared = PreparedSignature.from_bytes(base64.b64decode(stored["prepared"]))
    result = _submitted(request, assemble_signature(prepared, signature))
    request.session.pop(SESSION, None)
    return JsonResponse(result)


def _remote_account(data: dict[str, Any]) -> remote_signing.RemoteSession:
    username = str(data.get("username") or "").strip()
    password = str(data.get("password") or "")
    if not username or not password:
        raise remote_signing.RemoteSigningFailed(
            _("Nhập tên đăng nhập và mật khẩu tài khoản ký số từ xa."),
            code="REMOTE_LOGIN_REQUIRED",
            field="remote_password",
        )
    return remote_signing.RemoteSession.login(
        base_url=str(data.get("provider") or ""), username=username, password=password
    )


def _remote_login(
    request: HttpRequest, application: OrganisationApplication, data: dict[str, Any]
) -> JsonResponse:
    session = _remote_account(data)
    try:
        credentials = session.credentials()
    finally:
        session.close()
    return JsonResponse(
        {
            "ok": True,
            "credentials": [
                {
                    "id": credential.id,
                    "subject": credential.subject,
                    "issuer": identity_of(credential.chain[0]).common_name
                    if credential.chain
                    else credential.certificate.issuer.rfc4514_string(),
                    "tax_codes": list(CertificateInfo.of(credential.certificate).tax_codes),
                    "valid_to": credential.valid_to.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y"),
                    "usable": credential.key_enabled and credential.status in ("", "valid"),
                }
                for credential in credentials
            ],
        }
    )


def _remote_sign(
    request: HttpRequest, application: OrganisationApplication, data: dict[str, Any]
) -> HttpResponseBase:
    """Everything that can be refused at once is refused before the stream starts (a normal
    JSON error); then the page reads progress lines until the submission's answer."""
    session = _remote_account(data)
    try:
        credential = session.credential(str(data.get("credential_id") or ""))
        prepared = _prepared(request, application, credential.certificate, credential.chain)
        unit = _unit(application)
    except BaseException:
        session.close()
        raise

    def finish(signature: bytes) -> dict[str, Any]:
        try:
            return _submitted(request, assemble_signature(prepared, signature))
        except RejectionError as error:
            return {"ok": False, "code": error.code, "message": error.message}
        except DomainError as error:
            return {"ok": False, "code": error.code, "message": _refusal_text(error)}

    stream = remote_signing.sign_with_progress(
        session,
        credential,
        digest=prepared.digest,
        unit_name=unit.name,
        unit_tax_code=unit.tax_code,
        procedure_code=SIGNING_PROCEDURE,
        description=_("Tờ khai đăng ký tài khoản giao dịch điện tử – %(code)s")
        % {"code": unit.unit_code},
        finish=finish,
    )
    request.session.pop(SESSION, None)  # saved before the stream starts; the form is signed
    response = StreamingHttpResponse(stream, content_type="application/x-ndjson; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return response


# --- after submission: status, printable form, activation -----------------------------------


def organisation_status(request: HttpRequest, public_id: str) -> HttpResponse:
    registration = selectors.by_public_id(public_id)
    if registration is None:
        raise Http404
    return render(
        request,
        "portal/organisation/status.html",
        {"registration": registration, "statuses": OrganisationStatus},
    )


def organisation_pdf_view(request: HttpRequest, public_id: str) -> HttpResponse:
    registration = selectors.by_public_id(public_id)
    if registration is None:
        raise Http404
    response = HttpResponse(organisation_pdf(registration), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="to-khai-dang-ky-to-chuc-{registration.tracking_number}.pdf"'
    )
    return response


@require_http_methods(["GET", "POST"])
def organisation_activate(request: HttpRequest, public_id: str) -> HttpResponse:
    """Step 26-28: "Mã xác nhận" → "Hoàn tất thủ tục" (or "Gửi lại mã xác nhận")."""
    registration = selectors.by_public_id(public_id)
    if registration is None:
        raise Http404
    if request.method == "POST" and "gui-lai" in request.POST:
        form = ActivationForm()
        try:
            row = services.organisation_code_resend(public_id=registration.public_id)
        except DomainError as error:
            form.add_error(None, _refusal_text(error))
        else:
            messages.info(
                request,
                _("Đã gửi mã xác nhận mới tới %(email)s; mã cũ không dùng được nữa.")
                % {"email": registration.email},
            )
            del row
            return redirect("portal:organisation_activate", registration.public_id)
    else:
        form = ActivationForm(_posted(request))
    if request.method == "POST" and "gui-lai" not in request.POST and form.is_valid():
        try:
            services.organisation_activate(
                public_id=registration.public_id, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, _refusal_text(error))
        else:
            messages.success(
                request,
                _(
                    "Đã hoàn tất thủ tục. Tên đăng nhập và mật khẩu đã được gửi tới %(email)s; "
                    "đổi mật khẩu ngay lần đăng nhập đầu tiên."
                )
                % {"email": registration.email},
            )
            return redirect("portal:organisation_status", registration.public_id)
        registration = selectors.by_public_id(public_id) or registration
    return render(
        request,
        "portal/organisation/activate.html",
        {"registration": registration, "form": form, "statuses": OrganisationStatus},
    )


# --- officers: printed forms handed in ------------------------------------------------------


@officer_required
def officer_queue(request: HttpRequest, officer: Officer) -> HttpResponse:
    statuses = [
        OrganisationStatus.DECLARED,
        OrganisationStatus.COMPLETED,
        OrganisationStatus.REFUSED,
    ]
    form = QueueFilterForm(request.GET or None, statuses=statuses)  # type: ignore[arg-type]
    query, status = "", ""
    if form.is_valid():
        query, status = form.cleaned_data["q"], form.cleaned_data["status"]
    return render(
        request,
        "portal/officer/organisation_queue.html",
        {
            "officer": officer,
            "form": form,
            "rows": selectors.paper_queue(officer, query=query, status=status),
            "query": query,
        },
    )


def _for_officer(officer: Officer, tracking_number: str) -> Any:
    registration = selectors.for_officer(officer, tracking_number)
    if registration is None:
        raise Http404
    return registration


def _detail(
    request: HttpRequest,
    officer: Officer,
    registration: Any,
    refuse_form: RefuseForm,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "portal/officer/organisation_detail.html",
        {
            "officer": officer,
            "registration": registration,
            "unit": registration.unit,
            "provider": selectors.active_provider(registration.unit_code),
            "refuse_form": refuse_form,
            "decidable": registration.is_open and registration.channel == "paper",
        },
        status=status,
    )


@officer_required
def officer_detail(request: HttpRequest, officer: Officer, tracking_number: str) -> HttpResponse:
    return _detail(request, officer, _for_officer(officer, tracking_number), RefuseForm())


@officer_required
@require_POST
def officer_accept(request: HttpRequest, officer: Officer, tracking_number: str) -> HttpResponse:
    registration = _for_officer(officer, tracking_number)
    try:
        services.organisation_accept(officer_user=request.user, registration_id=registration.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Đã chấp nhận tờ khai %(number)s; tài khoản đã được cấp và gửi qua thư điện tử.")
            % {"number": tracking_number},
        )
    return redirect("portal:officer_organisation_detail", tracking_number)


@officer_required
@require_POST
def officer_refuse(request: HttpRequest, officer: Officer, tracking_number: str) -> HttpResponse:
    registration = _for_officer(officer, tracking_number)
    form = RefuseForm(request.POST)
    if form.is_valid():
        try:
            services.organisation_refuse(
                officer_user=request.user,
                registration_id=registration.pk,
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as error:
            add_errors(form, error)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("portal:officer_organisation_detail", tracking_number)
        else:
            messages.success(
                request,
                _("Đã không chấp nhận tờ khai %(number)s; lý do đã được gửi qua thư điện tử.")
                % {"number": tracking_number},
            )
            return redirect("portal:officer_organisation_detail", tracking_number)
    return _detail(request, officer, registration, form, status=400)
