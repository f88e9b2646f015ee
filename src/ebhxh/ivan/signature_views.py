"""Thiết lập → Chữ ký số for one unit (seed 002 Bước 1; seed 000 §3.3).

USB token: the page talks to the local signer agent (`core/signer-agent.js`); the user
picks a certificate, and the token signs a fresh server challenge with the PIN, which proves
the holder has the key. This server only ever sees the certificate and that signature.
Remote signing: the user logs in to the provider here; the provider lists the account's
certificates; one is saved directly, several are offered to choose from. The password is
used for that one login and never stored; the access token is dropped after the listing.
Setting read here: `SIGNER_AGENT_URL` (shared with the demo page), `IVAN_REMOTE_SIGNING_URLS`.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.contrib import messages
from django.forms import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from ebhxh.core.errors import DomainError
from ebhxh.ivan import selectors, services
from ebhxh.ivan.certificates import new_challenge, summarise
from ebhxh.ivan.forms import RemoteChoiceForm, RemoteLoginForm
from ebhxh.ivan.models import Membership, SigningMethod, Unit
from ebhxh.ivan.permissions import Capability, can, member_required
from ebhxh.ivan.remote_signing import RemoteCredential, RemoteSigningError, credential_directory
from ebhxh.ivan.rendering import render_app
from ebhxh.ivan.signing_requests import UnreadableRequest, agent_url, der, der_chain, json_object

DEFAULT_REMOTE_URLS: Final = ("http://127.0.0.1:8000/esign/csc/v2/",)
SESSION_CHALLENGE: Final = "ivan_signature_challenge"
SESSION_REMOTE: Final = "ivan_remote_choice"
CHALLENGE_SECONDS: Final = 300
REMOTE_CHOICE_SECONDS: Final = 600
_DER: Final = Encoding.DER


def remote_providers() -> list[str]:
    return list(getattr(settings, "IVAN_REMOTE_SIGNING_URLS", DEFAULT_REMOTE_URLS))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@member_required(Capability.VIEW)
def signature(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    unit = selectors.unit(membership.company, unit_id)
    setup = selectors.signature_of(unit)
    method = request.GET.get("cach") or (
        "tu-xa" if setup and setup.method == SigningMethod.REMOTE else "usb"
    )
    context = {
        "unit": unit,
        "setup": setup,
        "steps": selectors.unit_checklist(unit),
        "method": "tu-xa" if method == "tu-xa" else "usb",
        "changing": request.GET.get("thay-doi") == "1" or setup is None,
        "can_sign": can(membership, Capability.SIGN),
        "agent_url": agent_url(),
        "remote_form": RemoteLoginForm(providers=remote_providers()),
    }
    return render_app(request, membership, "ivan/signature.html", context, menu="settings")


def _json_error(code: str, message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "code": code, "message": message}, status=status)


def _announce(request: HttpRequest, outcome: services.SignatureOutcome) -> None:
    facts = outcome.facts
    messages.success(
        request,
        f"Đã lưu chứng thư số {facts.common_name} (MST {facts.tax_code}), hiệu lực đến "
        f"{timezone.localtime(facts.not_after):%d/%m/%Y}.",
    )
    if outcome.notice:
        messages.warning(request, outcome.notice)


@member_required(Capability.SIGN)
@require_POST
def signature_token(request: HttpRequest, membership: Membership, unit_id: int) -> HttpResponse:
    """JSON from the page: `challenge` hands out a digest to sign; `save` checks and stores."""
    unit = selectors.unit(membership.company, unit_id)
    try:
        data = json_object(request)
    except UnreadableRequest as error:
        return _json_error(error.code, error.message, error.status)
    if data.get("action") == "challenge":
        challenge = new_challenge()
        request.session[SESSION_CHALLENGE] = {
            "unit": unit.pk,
            "challenge": _b64(challenge),
            "issued_at": timezone.now().isoformat(),
        }
        return JsonResponse(
            {
                "ok": True,
                "digest": _b64(challenge),
                "description": f"Xác nhận chứng thư số ký hồ sơ BHXH của {unit.name}"[:300],
            }
        )
    if data.get("action") == "save":
        return _save_token(request, membership, unit, data)
    return _json_error("BAD_REQUEST", "Thao tác không hợp lệ.")


def _save_token(
    request: HttpRequest, membership: Membership, unit: Unit, data: dict[str, Any]
) -> JsonResponse:
    pending = request.session.pop(SESSION_CHALLENGE, None) or {}
    issued = datetime.fromisoformat(pending["issued_at"]) if "issued_at" in pending else None
    if (
        pending.get("unit") != unit.pk
        or issued is None
        or timezone.now() - issued > timedelta(seconds=CHALLENGE_SECONDS)
    ):
        return _json_error(
            "CHALLENGE_EXPIRED",
            "Yêu cầu xác nhận đã hết hạn hoặc không còn. Bấm “Xác nhận và lưu” lại.",
            409,
        )
    try:
        certificate = der(data.get("certificate"))
        chain = der_chain(data.get("chain"))
        proof = der(data.get("signature"))
    except (ValueError, binascii.Error):
        return _json_error("CERT_UNREADABLE", "Chứng thư số hoặc chữ ký gửi lên không đọc được.")
    try:
        outcome = services.signature_token_save(
            by=membership,
            unit=unit,
            certificate_der=certificate,
            chain_der=chain,
            token_label=str(data.get("token") or ""),
            token_certificate_id=str(data.get("certificate_id") or ""),
            challenge=der(pending["challenge"]),
            proof=proof,
        )
    except DomainError as error:
        return _json_error(error.code, error.message, 422)
    _announce(request, outcome)
    return JsonResponse(
        {
            "ok": True,
            "notice": outcome.notice,
            "redirect": reverse("ivan:signature", args=[unit.pk]),
        }
    )


def _offer(credential: RemoteCredential) -> dict[str, Any]:
    return {
        "id": credential.id,
        "description": credential.description,
        "certificate": _b64(credential.certificate.public_bytes(_DER)),
        "chain": [_b64(c.public_bytes(_DER)) for c in credential.chain],
    }


def _save_remote(
    request: HttpRequest,
    membership: Membership,
    unit: Unit,
    *,
    provider_url: str,
    username: str,
    offer: dict[str, Any],
) -> services.SignatureOutcome:
    return services.signature_remote_save(
        by=membership,
        unit=unit,
        provider_url=provider_url,
        username=username,
        credential_id=offer["id"],
        certificate_der=der(offer["certificate"]),
        chain_der=[der(value) for value in offer["chain"]],
    )


@sensitive_post_parameters("password")
@member_required(Capability.SIGN)
@require_POST
def signature_remote_login(
    request: HttpRequest, membership: Membership, unit_id: int
) -> HttpResponse:
    """Log in to the provider and list the account's certificates (seed 002 (4)–(5))."""
    unit = selectors.unit(membership.company, unit_id)
    form = RemoteLoginForm(request.POST, providers=remote_providers())
    error: DomainError | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            credentials = credential_directory().list_credentials(
                base_url=data["provider_url"], username=data["username"], password=data["password"]
            )
        except RemoteSigningError as refused:
            error = refused
        else:
            if not credentials:
                error = DomainError(
                    "Tài khoản ký số từ xa này chưa có chứng thư số nào. Liên hệ nhà cung cấp "
                    "chữ ký số.",
                    code="REMOTE_NO_CREDENTIALS",
                )
            elif len(credentials) == 1:  # one certificate: nothing to choose (seed 002)
                try:
                    outcome = _save_remote(
                        request,
                        membership,
                        unit,
                        provider_url=data["provider_url"],
                        username=data["username"],
                        offer=_offer(credentials[0]),
                    )
                except DomainError as refused:
                    error = refused
                else:
                    _announce(request, outcome)
                    return redirect("ivan:signature", unit_id=unit.pk)
            else:
                request.session[SESSION_REMOTE] = {
                    "unit": unit.pk,
                    "provider_url": data["provider_url"],
                    "username": data["username"],
                    "at": timezone.now().isoformat(),
                    "offers": [_offer(credential) for credential in credentials],
                }
                return redirect("ivan:signature_remote_choose", unit_id=unit.pk)
    if error is not None:
        form.add_error("password" if error.field == "password" else None, _coded(error))
    context = {
        "unit": unit,
        "setup": selectors.signature_of(unit),
        "steps": selectors.unit_checklist(unit),
        "method": "tu-xa",
        "changing": True,
        "can_sign": True,
        "agent_url": agent_url(),
        "remote_form": form,
    }
    return render_app(
        request, membership, "ivan/signature.html", context, menu="settings", status=200
    )


def _coded(error: DomainError) -> ValidationError:
    return ValidationError(error.message, code=error.code)


@member_required(Capability.SIGN)
@require_http_methods(["GET", "POST"])
def signature_remote_choose(
    request: HttpRequest, membership: Membership, unit_id: int
) -> HttpResponse:
    """Seed 002 (6)–(7), "Trường hợp đơn vị có nhiều chứng thư số": pick one, then Lưu."""
    unit = selectors.unit(membership.company, unit_id)
    pending = request.session.get(SESSION_REMOTE) or {}
    fresh = "at" in pending and timezone.now() - datetime.fromisoformat(pending["at"]) < timedelta(
        seconds=REMOTE_CHOICE_SECONDS
    )
    if pending.get("unit") != unit.pk or not fresh:
        messages.error(
            request, "Phiên chọn chứng thư số đã hết. Đăng nhập tài khoản ký số từ xa lại."
        )
        return redirect(f"{reverse('ivan:signature', args=[unit.pk])}?cach=tu-xa&thay-doi=1")
    offers = pending["offers"]
    rows = []
    for offer in offers:
        summary = summarise(x509.load_der_x509_certificate(der(offer["certificate"])))
        rows.append(
            {"offer": offer, "summary": summary, "matches": summary.tax_code == unit.tax_code}
        )
    choices = [(offer["id"], offer["description"]) for offer in offers]
    form = RemoteChoiceForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        chosen = next(offer for offer in offers if offer["id"] == form.cleaned_data["credential"])
        try:
            outcome = _save_remote(
                request,
                membership,
                unit,
                provider_url=pending["provider_url"],
                username=pending["username"],
                offer=chosen,
            )
        except DomainError as error:
            form.add_error("credential", _coded(error))
        else:
            request.session.pop(SESSION_REMOTE, None)
            _announce(request, outcome)
            return redirect("ivan:signature", unit_id=unit.pk)
    context = {"unit": unit, "form": form, "rows": rows, "username": pending["username"]}
    return render_app(
        request, membership, "ivan/signature_remote_choose.html", context, menu="settings"
    )
