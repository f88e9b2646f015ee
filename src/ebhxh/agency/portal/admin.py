"""Read-only admin lists for operators; every change goes through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ebhxh.agency.portal.models import IndividualRegistration, PortalAccount


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PortalAccount)
class PortalAccountAdmin(_ReadOnly):
    list_display = ["identifier", "kind", "full_name", "phone", "password_changed_at"]
    list_filter = ["kind", "must_change_password"]
    search_fields = ["citizen_id", "unit_code", "full_name", "phone"]


@admin.register(IndividualRegistration)
class IndividualRegistrationAdmin(_ReadOnly):
    list_display = [
        "tracking_number",
        "channel",
        "status",
        "full_name",
        "citizen_id",
        "submitted_at",
    ]
    list_filter = ["channel", "status"]
    search_fields = ["tracking_number", "citizen_id", "insurance_number"]
    exclude = ["signed_xml"]
