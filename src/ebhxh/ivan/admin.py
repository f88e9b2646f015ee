"""Read-mostly admin views for support staff; changes go through the app's services."""

from __future__ import annotations

from django.contrib import admin

from ebhxh.ivan.models import Company, Invitation, Membership, OrgNode, SignatureSetup, Unit


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "tax_code", "contact_email", "created_at")
    search_fields = ("name", "tax_code")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "company", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "company__name", "company__tax_code")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "company", "role", "status", "expires_at")
    list_filter = ("status",)
    exclude = ("token_hash",)


@admin.register(OrgNode)
class OrgNodeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "company", "parent", "tax_code")
    search_fields = ("code", "name", "company__tax_code")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "tax_code", "unit_code", "company", "service_state")
    list_filter = ("service_state", "first_time")
    search_fields = ("name", "tax_code", "unit_code")
    readonly_fields = ("service_state", "registered_fingerprint")


@admin.register(SignatureSetup)
class SignatureSetupAdmin(admin.ModelAdmin):
    list_display = ("unit", "method", "common_name", "not_after")
    readonly_fields = ("certificate_pem", "chain_pem", "fingerprint_sha256")
