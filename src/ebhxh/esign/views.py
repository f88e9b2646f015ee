"""Pages of the remote-signing service: its entry page and the holder's device page.

The device page stands in for the provider's phone app (seed 002: "Nhấn Đồng ý", then
confirm with the device's own check): it lists the requests waiting for the holder, each with
the dossier type, the unit and the hash, and confirms with the PIN or refuses. Every action
is a plain POST form (CSRF-protected) followed by a redirect, so it works without JavaScript;
the script only counts down and refreshes the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ebhxh.esign import selectors, services
from ebhxh.esign.errors import EsignError
from ebhxh.esign.forms import DeviceConfirmForm, DeviceLoginForm
from ebhxh.esign.models import HolderAccount, SigningRequest, SigningRequestStatus
from ebhxh.reference.procedures import all_procedures

SESSION_KEY = "esign_device_holder"
REFRESH_SECONDS = 5
HASH_GROUP = 4


def home(request: HttpRequest) -> HttpResponse:
    from ebhxh.esign.demo_data import DEMO_HOLDERS

    return render(
        request,
        "esign/home.html",
        {
            "procedures": all_procedures(),
            "demo_holders": DEMO_HOLDERS if settings.DEMO else (),
            "api_base": request.build_absolute_uri(reverse("esign:home")) + "csc/v2/",
            "chain_seconds": int(settings.ESIGN_CHAIN_SECONDS),
        },
    )


# --- the device --------------------------------------------------------------------------------


def _device_holder(request: HttpRequest) -> HolderAccount | None:
    holder_id = request.session.get(SESSION_KEY)
    return selectors.active_holder(holder_id) if isinstance(holder_id, int) else None


def group_hex(value: str) -> str:
    """`a1b2c3d4…` as `a1b2 c3d4 …`, so a person can compare it with the unit's screen."""
    return " ".join(value[i : i + HASH_GROUP] for i in range(0, len(value), HASH_GROUP))


def _clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass(frozen=True)
class RequestCard:
    request: SigningRequest
    step: int
    total: int
    hashes: list[str]
    seconds_left: int

    @property
    def clock(self) -> str:
        return _clock(self.seconds_left)


def _card(request: SigningRequest, now: datetime) -> RequestCard:
    return RequestCard(
        request=request,
        step=request.next_confirmation,
        total=request.required_confirmations,
        hashes=[group_hex(value) for value in request.hashes],
        seconds_left=max(0, int((request.expires_at - now).total_seconds())),
    )


@require_GET
def device(request: HttpRequest) -> HttpResponse:
    holder = _device_holder(request)
    if holder is None:
        return render(request, "esign/device/login.html", {"form": DeviceLoginForm()})
    now = timezone.now()
    return render(
        request,
        "esign/device/requests.html",
        {
            "holder": holder,
            "cards": [_card(item, now) for item in selectors.pending_requests(holder)],
            "recent": selectors.recent_requests(holder),
            "refresh_seconds": REFRESH_SECONDS,
        },
    )


@require_POST
def device_login(request: HttpRequest) -> HttpResponse:
    form = DeviceLoginForm(request.POST)
    if form.is_valid():
        try:
            holder = services.device_login(
                username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except EsignError as error:
            form.add_error(None, error.message)
        else:
            request.session.cycle_key()
            request.session[SESSION_KEY] = holder.pk
            return redirect("esign:device")
    return render(request, "esign/device/login.html", {"form": form}, status=400)


@require_POST
def device_logout(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return redirect("esign:device")


@require_POST
def device_confirm(request: HttpRequest, request_id: str) -> HttpResponse:
    holder = _device_holder(request)
    if holder is None:
        return redirect("esign:device")
    form = DeviceConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nhập mã PIN gồm 4 đến 12 chữ số để xác nhận."))
        return redirect("esign:device")
    try:
        confirmed = services.device_confirm(
            holder=holder,
            request_id=str(request_id),
            pin=form.cleaned_data["pin"],
            user_agent=request.headers.get("User-Agent", ""),
        )
    except EsignError as error:
        messages.error(request, error.message)
        return redirect("esign:device")
    values = {
        "step": confirmed.confirmations_received,
        "total": confirmed.required_confirmations,
        "code": confirmed.procedure_code,
    }
    if confirmed.status == SigningRequestStatus.CONFIRMED:
        messages.success(
            request,
            _(
                "Đã xác nhận lần %(step)d/%(total)d. Yêu cầu ký hồ sơ %(code)s đã được chấp "
                "thuận; phần mềm sẽ tự hoàn tất việc ký."
            )
            % values,
        )
    else:
        messages.success(
            request,
            _(
                "Đã xác nhận lần %(step)d/%(total)d cho hồ sơ %(code)s. Hãy xác nhận lần tiếp "
                "theo để hoàn tất."
            )
            % values,
        )
    return redirect("esign:device")


@require_POST
def device_deny(request: HttpRequest, request_id: str) -> HttpResponse:
    holder = _device_holder(request)
    if holder is None:
        return redirect("esign:device")
    try:
        denied = services.device_deny(holder=holder, request_id=str(request_id))
    except EsignError as error:
        messages.error(request, error.message)
    else:
        messages.info(
            request,
            _("Đã từ chối yêu cầu ký hồ sơ %(code)s.") % {"code": denied.procedure_code},
        )
    return redirect("esign:device")


@require_GET
def device_manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest that makes the device page installable on a phone."""
    icon = static("esign/icon.svg")
    manifest = {
        "name": _("eSign — Xác nhận ký số từ xa"),
        "short_name": "eSign",
        "description": _("Xác nhận hoặc từ chối yêu cầu ký hồ sơ BHXH điện tử."),
        "lang": "vi",
        "start_url": reverse("esign:device"),
        "scope": reverse("esign:device"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f5f7fa",
        "theme_color": "#0b5cad",
        "icons": [
            {"src": icon, "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
            {"src": icon, "sizes": "any", "type": "image/svg+xml", "purpose": "maskable"},
        ],
    }
    return JsonResponse(
        manifest,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )
