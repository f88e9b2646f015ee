"""Admin pages to look things up in the registry. Read-mostly: rows are written by the
services (which validate identifiers and write the audit record) and the seed command,
so the admin neither adds nor deletes, and changes only what carries no rule: an I-VAN
connection's status and callback address, an officer's name and office.

The tables hold millions of rows, so list pages avoid what would scan them. A search term
is first tried as a code, by exact equality on the indexed code columns (the admin's own
`=`/`^` searches compare UPPER(column), which no index serves); only a term that is no code
searches the names, which scans the table (seconds for persons at 20 million rows). An
unfiltered list takes its row count from PostgreSQL's estimate instead of counting, and
lists are ordered by an indexed column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from ebhxh.agency.registry.models import Employment, InsuredPerson, IvanConnection, Officer, Unit


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered PostgreSQL table from the planner's estimate (pg_class), which
    ANALYZE and autovacuum keep close; a filtered list is counted exactly."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if isinstance(queryset, QuerySet) and not queryset.query.where:
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                        [queryset.model._meta.db_table],
                    )
                    row = cursor.fetchone()
                if row and row[0] > 10_000:
                    return int(row[0])
        return super().count


class _ReadOnly(admin.ModelAdmin):
    """No add or delete; every field read-only unless a subclass lists it as editable."""

    editable: tuple[str, ...] = ()
    show_full_result_count = False
    list_per_page = 50
    paginator = EstimatedCountPaginator

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(self.editable) and super().has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        fields = [field.name for field in self.model._meta.concrete_fields]
        return [name for name in fields if name not in self.editable]

    # (lookup, normaliser) pairs tried before `search_fields`: exact, case-sensitive matches
    # on indexed code columns, stored normalised by the services.
    code_lookups: tuple[tuple[str, Callable[[str], str]], ...] = ()

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if term:
            found = self.code_matches(queryset, term)
            if found is not None and found.exists():
                return found, False
        return super().get_search_results(request, queryset, search_term)

    def code_matches(self, queryset: QuerySet[Any], term: str) -> QuerySet[Any] | None:
        if not self.code_lookups:
            return None
        matches = Q()
        for lookup, normalise in self.code_lookups:
            matches |= Q(**{lookup: normalise(term)})
        return queryset.filter(matches)


class EmploymentInline(admin.TabularInline):
    model = Employment
    fk_name = "person"
    extra = 0
    can_delete = False
    fields = ["unit", "position", "salary", "start_date", "end_date"]
    readonly_fields = ["unit", "position", "salary", "start_date", "end_date"]
    ordering = ["-start_date"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Unit)
class UnitAdmin(_ReadOnly):
    list_display = ["unit_code", "tax_code", "name", "province", "managing_agency", "status"]
    list_filter = ["status", "province"]
    code_lookups = (("unit_code", str.upper), ("tax_code", str))
    search_fields = ["name"]
    list_select_related = ["province", "managing_agency"]


@admin.register(InsuredPerson)
class InsuredPersonAdmin(_ReadOnly):
    list_display = ["insurance_number", "citizen_id", "full_name", "birth_date", "gender"]
    list_filter = ["gender"]
    code_lookups = (("insurance_number", str), ("citizen_id", str))
    search_fields = ["full_name"]
    inlines = [EmploymentInline]


@admin.register(Employment)
class EmploymentAdmin(_ReadOnly):
    list_display = ["person", "unit", "position", "salary", "start_date", "end_date"]
    list_filter = [("end_date", admin.EmptyFieldListFilter)]
    search_fields = ["position"]
    list_select_related = ["person", "unit"]
    raw_id_fields = ["unit", "person"]
    # The model orders by unit, which means by the unit's code: a join and a sort of every
    # employment. Newest first walks the primary key.
    ordering = ["-id"]

    def code_matches(self, queryset: QuerySet[Any], term: str) -> QuerySet[Any] | None:
        """Employments of the unit or person with this code. The ids are looked up first:
        an OR across joined tables would make PostgreSQL scan every employment."""
        units = list(Unit.objects.filter(unit_code=term.upper()).values_list("id", flat=True))
        persons = list(
            InsuredPerson.objects.filter(Q(insurance_number=term) | Q(citizen_id=term)).values_list(
                "id", flat=True
            )
        )
        if not units and not persons:
            return None
        return queryset.filter(Q(unit_id__in=units) | Q(person_id__in=persons))


@admin.register(IvanConnection)
class IvanConnectionAdmin(_ReadOnly):
    editable = ("status", "callback_url")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["provider", "status", "certificate_fingerprint", "callback_url", "created_at"]
    list_filter = ["status"]
    code_lookups = (("provider_id", str), ("certificate_fingerprint", str.lower))
    search_fields = ["provider__short_name", "provider__name"]
    list_select_related = ["provider"]


@admin.register(Officer)
class OfficerAdmin(_ReadOnly):
    editable = ("full_name", "agency")
    list_display = ["full_name", "user", "agency"]
    list_filter = ["agency__level", "agency__province"]
    code_lookups = (("user__username", str), ("agency_id", str))
    search_fields = ["full_name"]
    list_select_related = ["user", "agency"]
    raw_id_fields = ["agency"]
