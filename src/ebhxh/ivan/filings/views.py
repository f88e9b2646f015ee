"""Hồ sơ pages: the list, one dossier with its timeline, signing, downloads.

Signing with a USB token is a conversation between the page, the local signer agent and
`filing_token` (JSON): `start` checks the chosen certificate and hands out the first digest,
each `continue` puts the token's signature in and hands out the next, the last one submits.
Remote signing posts the account's password once (`filing_remote`); the page then polls
`filing_status` while the holder confirms on the device.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Final
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ebhxh.core.errors import DomainError
from ebhxh.ivan import selectors as ivan_selectors
from ebhxh.ivan.filings import remote, selectors, services
from ebhxh.ivan.filings.models import Filing, FilingState
from ebhxh.ivan.models import Membership, SigningMethod
from ebhxh.ivan.permissions import Capability, can, member_required
from ebhxh.ivan.rendering import render_app
from ebhxh.ivan.signing_requests import UnreadableRequest, agent_url, der, der_chain, json_object
from ebhxh.signers.remote import RemoteSigningError

PAGE_SIZE: Final = 20
# While the dossier is in one of these, its pages keep asking for news.
_BUSY: Final = frozenset({FilingState.SIGNING, FilingState.SENDING})


def _json_error(
    code: str, message: str, status: int = 400, field: str | None = None
) -> JsonResponse:
    return JsonResponse(
        {"ok": False, "code": code, "message": message, "field": field or ""}, status=status
    )


def _after(filing: Filing) -> str:
    """Where a finished submission goes: the procedure's page, or the dossier."""
    if filing.next_url and url_has_allowed_host_and_scheme(filing.next_url, allowed_hosts=None):
        return filing.next_url
    return reverse("ivan:filing_detail", args=[filing.pk])


def status_document(filing: Filing) -> dict[str, Any]:
    """What the signing and detail pages poll."""
    progress = filing.signing_progress or {}
    return {
        "ok": True,
        "state": filing.state,
        "state_label": FilingState(filing.state).label,
        "number": filing.number,
        "progress": progress,
        "result_code": filing.result_code,
        "result_message": filing.result_message,
        "busy": filing.state in _BUSY,
        "signed": filing.state not in (FilingState.DRAFT, FilingState.SIGNING),
        "redirect": _after(filing)
        if filing.state not in (*_BUSY, FilingState.DRAFT, FilingState.SIGNED)
        else "",
    }


@member_required(Capability.VIEW)
def filing_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    company = membership.company
    unit_id = request.GET.get("don-vi", "")
    state = request.GET.get("trang-thai", "")
    procedure = request.GET.get("thu-tuc", "")
    queryset = selectors.filings(
        company,
        unit_id=int(unit_id) if unit_id.isdigit() else None,
        state=state if state in FilingState.values else "",
        procedure_code=procedure,
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("trang"))
    filters = {
        key: value
        for key, value in (("don-vi", unit_id), ("trang-thai", state), ("thu-tuc", procedure))
        if value
    }
    context = {
        "page": page,
        "filters": filters,
        "filter_query": urlencode(filters),
        "selected": {"unit": unit_id, "state": state, "procedure": procedure},
        "units": ivan_selectors.units_of(company),
        "states": FilingState.choices,
        "procedures": selectors.procedures_used(company),
        "can_prepare": can(membership, Capability.PREPARE),
    }
    return render_app(request, membership, "ivan/filings/list.html", context, menu="dossiers")


@member_required(Capability.VIEW)
def filing_detail(request: HttpRequest, membership: Membership, filing_id: int) -> HttpResponse:
    filing = selectors.filing(membership.company, filing_id)
    context = {
        "filing": filing,
        "forms": list(filing.forms.all()),
        "events": selectors.timeline(filing),
        "can_sign": can(membership, Capability.SIGN),
        "can_prepare": can(membership, Capability.PREPARE),
        "busy": filing.state in _BUSY,
    }
    return render_app(request, membership, "ivan/filings/detail.html", context, menu="dossiers")


@member_required(Capability.VIEW)
def filing_status(request: HttpRequest, membership: Membership, filing_id: int) -> JsonResponse:
    return JsonResponse(status_document(selectors.filing(membership.company, filing_id)))


@member_required(Capability.SIGN)
def filing_sign(request: HttpRequest, membership: Membership, filing_id: int) -> HttpResponse:
    filing = selectors.filing(membership.company, filing_id)
    if filing.state not in (FilingState.DRAFT, FilingState.SIGNING):
        return redirect(
            _after(filing)
            if filing.state != FilingState.SIGNED
            else reverse("ivan:filing_detail", args=[filing.pk])
        )
    setup = ivan_selectors.signature_of(filing.unit)
    context = {
        "filing": filing,
        "forms": list(filing.forms.all()),
        "setup": setup,
        "agent_url": agent_url(),
        "confirmations": services.device_confirmations(filing),
        "remote_running": filing.state == FilingState.SIGNING
        and filing.signing_method == SigningMethod.REMOTE
        and (filing.signing_progress or {}).get("stage") in ("connecting", "waiting", "signing"),
    }
    return render_app(request, membership, "ivan/filings/sign.html", context, menu="dossiers")


def _step(step: services.SigningStep) -> dict[str, Any]:
    return {
        "ok": True,
        "done": step.done,
        "digest": base64.b64encode(step.digest).decode("ascii"),
        "description": step.description,
        "index": step.index,
        "total": step.total,
    }


@member_required(Capability.SIGN)
@require_POST
def filing_token(request: HttpRequest, membership: Membership, filing_id: int) -> JsonResponse:
    """JSON: `start` {certificate, chain} → first digest; `continue` {signature} → next
    digest, or, after the envelope, the submission's outcome and where to go."""
    filing = selectors.filing(membership.company, filing_id)
    try:
        data = json_object(request)
    except UnreadableRequest as error:
        return _json_error(error.code, error.message, error.status)
    user = membership.user
    try:
        if data.get("action") == "start":
            step = services.filing_token_start(
                actor=user,
                filing=filing,
                certificate=der(data.get("certificate")),
                chain=der_chain(data.get("chain")),
            )
            return JsonResponse(_step(step))
        if data.get("action") == "continue":
            step = services.filing_token_continue(
                actor=user, filing=filing, signature=der(data.get("signature"))
            )
            if not step.done:
                return JsonResponse(_step(step))
            submitted = services.filing_submit(actor=user, filing=step.filing)
            return JsonResponse({**status_document(submitted), "done": True})
    except (ValueError, binascii.Error):
        return _json_error("BAD_REQUEST", "Dữ liệu từ ứng dụng ký số không đọc được.")
    except DomainError as error:
        return _json_error(error.code, error.message, 409, error.field)
    return _json_error("BAD_REQUEST", "Thao tác không hợp lệ.")


@sensitive_post_parameters("password")
@member_required(Capability.SIGN)
@require_POST
def filing_remote(request: HttpRequest, membership: Membership, filing_id: int) -> JsonResponse:
    """Log in with the account's password (used here once) and start the signing worker."""
    filing = selectors.filing(membership.company, filing_id)
    password = request.POST.get("password", "")
    if not password:
        return _json_error(
            "PASSWORD_REQUIRED", "Nhập mật khẩu tài khoản ký số từ xa.", field="password"
        )
    try:
        filing = remote.start(actor=membership.user, filing=filing, password=password)
    except RemoteSigningError as error:
        return _json_error(str(error.code), error.message_vi, 409)
    except DomainError as error:
        return _json_error(error.code, error.message, 409, error.field)
    return JsonResponse(status_document(filing))


def _post_action(request: HttpRequest, filing: Filing, success: str, action: Any) -> HttpResponse:
    try:
        filing = action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if success:
            messages.success(request, success)
    return redirect("ivan:filing_detail", filing.pk)


@member_required(Capability.SIGN)
@require_POST
def filing_submit(request: HttpRequest, membership: Membership, filing_id: int) -> HttpResponse:
    """ "Gửi lại": send a signed dossier again, same message id."""
    filing = selectors.filing(membership.company, filing_id)
    try:
        filing = services.filing_submit(actor=membership.user, filing=filing)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("ivan:filing_detail", filing.pk)
    if filing.state == FilingState.SEND_FAILED:
        messages.error(request, f"Chưa gửi được hồ sơ: {filing.result_message}")
    elif filing.state == FilingState.REFUSED:
        messages.error(request, f"BHXH từ chối hồ sơ ({filing.result_code}).")
    else:
        messages.success(request, f"BHXH đã tiếp nhận hồ sơ, số hồ sơ {filing.number}.")
        return redirect(_after(filing))
    return redirect("ivan:filing_detail", filing.pk)


@member_required(Capability.VIEW)
@require_POST
def filing_refresh(request: HttpRequest, membership: Membership, filing_id: int) -> HttpResponse:
    """ "Cập nhật trạng thái": ask the gateway now."""
    filing = selectors.filing(membership.company, filing_id)
    return _post_action(
        request,
        filing,
        "",
        lambda: _refreshed(request, services.filing_refresh(filing=filing)),
    )


def _refreshed(request: HttpRequest, filing: Filing) -> Filing:
    messages.info(request, f"Trạng thái hiện tại: {FilingState(filing.state).label}.")
    return filing


@member_required(Capability.PREPARE)
@require_POST
def filing_cancel(request: HttpRequest, membership: Membership, filing_id: int) -> HttpResponse:
    filing = selectors.filing(membership.company, filing_id)
    return _post_action(
        request,
        filing,
        "Đã huỷ hồ sơ.",
        lambda: services.filing_cancel(actor=membership.user, filing=filing),
    )


def _download(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _file_stem(filing: Filing) -> str:
    number = filing.number.replace("/", "-") if filing.number else f"nhap-{filing.pk}"
    return f"{filing.procedure_code}_{filing.unit.tax_code}_{number}"


@member_required(Capability.VIEW)
def filing_envelope(request: HttpRequest, membership: Membership, filing_id: int) -> HttpResponse:
    """The signed `Hoso` exactly as sent (its SHA-256 is the receipt's `MaBamHoSo`)."""
    filing = selectors.filing(membership.company, filing_id)
    if not filing.signed_envelope:
        messages.error(request, "Hồ sơ chưa được ký nên chưa có tệp hồ sơ đã ký.")
        return redirect("ivan:filing_detail", filing.pk)
    return _download(bytes(filing.signed_envelope), f"{_file_stem(filing)}.xml")


@member_required(Capability.VIEW)
def filing_receipt(request: HttpRequest, membership: Membership, filing_id: int) -> HttpResponse:
    """The agency's signed receipt (biên nhận)."""
    filing = selectors.filing(membership.company, filing_id)
    if not filing.receipt:
        messages.error(request, "Hồ sơ chưa có biên nhận của BHXH.")
        return redirect("ivan:filing_detail", filing.pk)
    return _download(bytes(filing.receipt), f"bien-nhan_{_file_stem(filing)}.xml")
