"""Login protection (django-axes) and the rule that a password due for change is changed
before anything else.

Lockout: `PORTAL_LOGIN_FAILURE_LIMIT` failed logins for one username from one IP address
lock that pair for `PORTAL_LOGIN_COOLOFF_MINUTES`; the counter resets on success. The pair,
not the username alone, so a stranger cannot lock a person out of their own account from
elsewhere; not the IP alone, so people behind one office NAT do not lock each other out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ebhxh.agency.portal.passwords import password_change_required


def normalise_username(value: str) -> str:
    """CCCD or unit code as stored: no spaces, upper case ('tzh490l ' is TZH490L)."""
    return "".join(str(value).split()).upper()


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """AXES_USERNAME_CALLABLE: count ' 001190012345' and '001190012345' as one username."""
    raw = (credentials or {}).get("username")
    if raw is None:
        raw = request.POST.get("username", "")
    return normalise_username(str(raw))


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check for logins made over HTTP. Calls without a request (a management
    command, the test client's `login`) come from no network attacker, so they are passed
    to the next backend instead of failing with axes' missing-request error."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def _exempt(path: str) -> bool:
    allowed = [
        reverse("portal:password_change"),
        reverse("portal:logout"),
        *settings.PORTAL_PASSWORD_CHANGE_EXEMPT_PREFIXES,
    ]
    return any(path.startswith(prefix) for prefix in allowed)


class PasswordPolicyMiddleware:
    """Sends a portal user whose password must change (first login, or older than the
    maximum age) to the change page, whatever page they asked for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not _exempt(request.path):
            account = _account(user)
            if account is not None and password_change_required(
                must_change=account.must_change_password,
                changed_at=account.password_changed_at,
                now=timezone.now(),
            ):
                return _to_change_page(request, first_login=account.must_change_password)
        return self.get_response(request)


def _account(user: Any) -> Any:
    from ebhxh.agency.portal.models import PortalAccount

    try:
        return user.portal_account
    except PortalAccount.DoesNotExist:
        return None


def _to_change_page(request: HttpRequest, *, first_login: bool) -> HttpResponse:
    message = (
        _("Đây là lần đăng nhập đầu tiên: hãy đổi mật khẩu được cấp trước khi tiếp tục.")
        if first_login
        else _("Mật khẩu đã dùng quá %(months)d tháng: hãy đổi mật khẩu mới trước khi tiếp tục.")
        % {"months": settings.PORTAL_PASSWORD_MAX_AGE_MONTHS}
    )
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {"ok": False, "code": "PASSWORD_CHANGE_REQUIRED", "message": message}, status=403
        )
    messages.warning(request, message)
    target = reverse("portal:password_change")
    if request.method == "GET":
        target += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(target)
