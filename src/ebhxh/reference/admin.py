"""Admin pages to browse the reference tables. They are read-only: the data files are the
source of truth, and a change made here would be overwritten by the next `load_reference`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ebhxh.reference.models import (
    Agency,
    AgencyWard,
    IvanProvider,
    Procedure,
    Province,
    RejectionCode,
    Ward,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only admin: edit the data file and run `load_reference` instead."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Province)
class ProvinceAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "division_type"]
    search_fields = ["code", "name", "codename"]


@admin.register(Ward)
class WardAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "division_type", "province", "serving_agency"]
    list_filter = ["province", "division_type"]
    search_fields = ["code", "name", "codename"]
    list_select_related = ["province", "agency_link__agency"]

    @admin.display(description=_("BHXH cơ sở phụ trách"))
    def serving_agency(self, obj: Ward) -> str:
        link = getattr(obj, "agency_link", None)
        return str(link.agency) if link is not None else "—"


class AgencyWardInline(ReadOnlyInline):
    model = AgencyWard
    fields = ["ward"]
    verbose_name = _("phường, xã phụ trách")
    verbose_name_plural = _("phường, xã phụ trách")


@admin.register(Agency)
class AgencyAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "province", "parent", "data_source", "is_active"]
    list_filter = ["level", "is_active", "data_source", "province"]
    search_fields = ["code", "name"]
    list_select_related = ["province", "parent"]
    inlines = [AgencyWardInline]


@admin.register(IvanProvider)
class IvanProviderAdmin(ReadOnlyAdmin):
    list_display = ["code", "short_name", "name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "short_name", "name"]


@admin.register(Procedure)
class ProcedureAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "applicant", "device_confirmations", "form_codes"]
    list_filter = ["kind", "applicant"]
    search_fields = ["code", "name"]

    @admin.display(description=_("mã tờ khai"))
    def form_codes(self, obj: Procedure) -> str:
        return ", ".join(str(form.get("code", "")) for form in obj.forms)


@admin.register(RejectionCode)
class RejectionCodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "category", "http_status", "retryable", "message_vi"]
    list_filter = ["category", "retryable"]
    search_fields = ["code", "message_vi", "message_en"]
