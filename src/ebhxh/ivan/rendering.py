"""The frame every page of the app shares: the company being worked in, the switcher, menus."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ebhxh.ivan import selectors
from ebhxh.ivan.models import Membership
from ebhxh.ivan.permissions import capabilities


def render_app(
    request: HttpRequest,
    membership: Membership,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    menu: str,
    status: int = 200,
) -> HttpResponse:
    frame = {
        "ivan_membership": membership,
        "ivan_companies": selectors.memberships_of(membership.user_id),
        "ivan_caps": {capability.value for capability in capabilities(membership)},
        "menu": menu,
    }
    return render(request, template, {**frame, **(context or {})}, status=status)
