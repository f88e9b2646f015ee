"""Thiết lập: the company profile, its users and roles, and the hub of the setup pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from ebhxh.core.errors import DomainError
from ebhxh.ivan import selectors, services
from ebhxh.ivan.forms import CompanyForm, InviteForm, RoleForm, apply_errors
from ebhxh.ivan.models import Membership
from ebhxh.ivan.permissions import Capability, can, member_required
from ebhxh.ivan.rendering import render_app
from ebhxh.ivan.validation import InvalidInput


@member_required(Capability.VIEW)
def settings_home(request: HttpRequest, membership: Membership) -> HttpResponse:
    units = selectors.units_of(membership.company)
    context = {"units": units, "nodes": selectors.org_nodes(membership.company).count()}
    return render_app(request, membership, "ivan/settings.html", context, menu="settings")


@member_required(Capability.VIEW)
@require_http_methods(["GET", "POST"])
def company_profile(request: HttpRequest, membership: Membership) -> HttpResponse:
    company = membership.company
    initial = {
        "name": company.name,
        "tax_code": company.tax_code,
        "address": company.address,
        "province": company.province_id,
        "contact_email": company.contact_email,
        "contact_phone": company.contact_phone,
    }
    form = CompanyForm(request.POST or None, initial=initial, fixed_tax_code=True)
    if not can(membership, Capability.MANAGE):
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.company_update(by=membership, data=form.company_input())
        except InvalidInput as error:
            apply_errors(form, error)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Đã lưu thông tin công ty.")
            return redirect("ivan:company_profile")
    return render_app(
        request, membership, "ivan/company_profile.html", {"form": form}, menu="settings"
    )


@member_required(Capability.VIEW)
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Users of the company; an admin invites new ones by email."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation, _token = services.member_invite(
                by=membership,
                email=data["email"],
                full_name=data.get("full_name", ""),
                role=data["role"],
                site_url=request.build_absolute_uri("/"),
            )
        except InvalidInput as error:
            apply_errors(form, error)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Đã gửi lời mời tới {invitation.email}.")
            return redirect("ivan:members")
    company = membership.company
    context = {
        "form": form,
        "members": selectors.company_members(company),
        "invitations": selectors.pending_invitations(company),
        "role_form": RoleForm(),
    }
    return render_app(request, membership, "ivan/members.html", context, menu="settings")


@member_required(Capability.MANAGE)
@require_POST
def member_role(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    target = selectors.member(membership.company, member_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.member_role_change(
                by=membership, membership=target, role=form.cleaned_data["role"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Đã đổi vai trò của {target.user.get_username()}.")
    return redirect("ivan:members")


@member_required(Capability.MANAGE)
@require_POST
def member_remove(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    target = selectors.member(membership.company, member_id)
    try:
        services.member_remove(by=membership, membership=target)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Đã xoá {target.user.get_username()} khỏi công ty.")
        if target.pk == membership.pk:
            return redirect("ivan:choose_company")
    return redirect("ivan:members")


@member_required(Capability.MANAGE)
@require_POST
def invitation_revoke(
    request: HttpRequest, membership: Membership, invitation_id: int
) -> HttpResponse:
    target = selectors.invitation(membership.company, invitation_id)
    try:
        services.invitation_revoke(by=membership, invitation=target)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Đã huỷ lời mời gửi {target.email}.")
    return redirect("ivan:members")
