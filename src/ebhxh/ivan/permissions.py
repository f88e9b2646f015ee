"""Who may do what in a company: the one place the roles are turned into permissions.

Services call `require` (a rule, whatever page or script calls them); views use
`member_required`, which also picks the company the user is working in.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Concatenate, Final, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from ebhxh.core.errors import DomainError
from ebhxh.ivan.models import Membership, Role

SESSION_COMPANY: Final = "ivan_company_id"


class Capability(enum.StrEnum):
    VIEW = "view"  # see the company's units, structure and dossiers
    PREPARE = "prepare"  # declare units, prepare dossiers (lập hồ sơ)
    SIGN = "sign"  # set up signatures, sign and submit (ký nộp)
    MANAGE = "manage"  # users, company profile, organisation structure


ROLE_CAPABILITIES: Final[Mapping[str, frozenset[Capability]]] = {
    Role.ADMIN: frozenset(Capability),
    Role.PREPARER: frozenset({Capability.VIEW, Capability.PREPARE}),
    Role.SIGNER: frozenset({Capability.VIEW, Capability.SIGN}),
}

CAPABILITY_TEXT: Final[Mapping[Capability, str]] = {
    Capability.VIEW: "xem thông tin của công ty",
    Capability.PREPARE: "khai báo đơn vị và lập hồ sơ",
    Capability.SIGN: "thiết lập chữ ký số và ký nộp hồ sơ",
    Capability.MANAGE: "quản lý người dùng, thông tin công ty và cơ cấu tổ chức",
}


class NotAllowed(DomainError):
    code = "IVAN_NOT_ALLOWED"


def capabilities(membership: Membership) -> frozenset[Capability]:
    return ROLE_CAPABILITIES.get(membership.role, frozenset())


def can(membership: Membership, capability: Capability) -> bool:
    return capability in capabilities(membership)


def require(membership: Membership, capability: Capability) -> None:
    """Refuse with a message naming the missing right and who has it."""
    if can(membership, capability):
        return
    holders = ", ".join(
        str(Role(role).label) for role, caps in ROLE_CAPABILITIES.items() if capability in caps
    )
    raise NotAllowed(
        f"Vai trò {Role(membership.role).label} không được {CAPABILITY_TEXT[capability]}. "
        f"Nhờ người có vai trò {holders} của công ty thực hiện, hoặc đề nghị quản trị viên "
        "đổi vai trò cho bạn.",
    )


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership of the company chosen in this session, or the only one the user has."""
    if not request.user.is_authenticated:
        return None
    mine = Membership.objects.select_related("company").filter(user_id=request.user.pk)
    chosen = request.session.get(SESSION_COMPANY)
    if chosen is not None:
        found = mine.filter(company_id=chosen).first()
        if found is not None:
            return found
    memberships = list(mine[:2])
    if len(memberships) == 1:
        request.session[SESSION_COMPANY] = memberships[0].company_id
        return memberships[0]
    return None


P = ParamSpec("P")
MemberView = Callable[Concatenate[HttpRequest, Membership, P], HttpResponse]


def member_required(
    capability: Capability = Capability.VIEW,
) -> Callable[[MemberView[P]], Callable[Concatenate[HttpRequest, P], HttpResponse]]:
    """Log in, pick a company, hold `capability` in it; the view gets the membership."""

    def decorator(view: MemberView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("ivan:login"))
            membership = current_membership(request)
            if membership is None:
                return redirect(f"{reverse('ivan:choose_company')}?next={request.path}")
            if not can(membership, capability):
                try:
                    require(membership, capability)
                except NotAllowed as refusal:
                    context = {
                        "ivan_membership": membership,
                        "reason": refusal.message,
                        "title": _("Không có quyền"),
                    }
                    return render(request, "ivan/forbidden.html", context, status=403)
            return view(request, membership, *args, **kwargs)

        return wrapped

    return decorator
