"""Reads of the reference tables, for every role (forms, gateway checks, officer console).

Lookups by code raise the model's `DoesNotExist` when the code is unknown; callers that take
codes from users turn that into a rejection code of their own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from ebhxh.reference.models import Agency, IvanProvider, Province, Ward


def provinces() -> QuerySet[Province]:
    """The 34 provinces and centrally run cities, by code."""
    return Province.objects.order_by("code")


def province(code: str) -> Province:
    """The province with this 2-digit code."""
    return Province.objects.get(code=code)


def wards_of(province_code: str) -> QuerySet[Ward]:
    """The wards, communes and special zones of a province, by code."""
    return Ward.objects.filter(province_id=province_code).order_by("code")


def ward(code: str) -> Ward:
    """The ward with this 5-digit code, with its province."""
    return Ward.objects.select_related("province").get(code=code)


def national_agency() -> Agency:
    """BHXH Việt Nam, the root of the agency tree."""
    return Agency.objects.get(level=Agency.Level.NATIONAL)


def provincial_agency(province_code: str) -> Agency:
    """The provincial BHXH of a province."""
    return Agency.objects.get(level=Agency.Level.PROVINCE, province_id=province_code)


def agency(code: str) -> Agency:
    """The agency with this 5-digit code (active or not: old dossiers still name it)."""
    return Agency.objects.select_related("province", "parent").get(code=code)


def agencies_in(province_code: str) -> QuerySet[Agency]:
    """The active local agencies (BHXH cơ sở) of a province, by code; the list a unit picks
    its managing agency from after choosing the province (seed 001)."""
    return Agency.objects.filter(
        level=Agency.Level.LOCAL, province_id=province_code, is_active=True
    ).order_by("code")


def agency_for_ward(ward_code: str) -> Agency:
    """The local agency that serves a ward."""
    return Agency.objects.select_related("province", "parent").get(ward_links__ward_id=ward_code)


def wards_served_by(agency_code: str) -> QuerySet[Ward]:
    """The wards a local agency serves, by code (empty for national and provincial ones)."""
    return Ward.objects.filter(agency_link__agency_id=agency_code).order_by("code")


@dataclass(frozen=True)
class AgencyNode:
    """One agency and its active subordinates, in code order."""

    agency: Agency
    children: tuple[AgencyNode, ...]


def agency_tree() -> AgencyNode:
    """The active BHXH tree: BHXH Việt Nam → provincial BHXH → BHXH cơ sở, in one query."""
    by_parent: dict[str | None, list[Agency]] = defaultdict(list)
    for item in Agency.objects.filter(is_active=True).select_related("province").order_by("code"):
        by_parent[item.parent_id].append(item)

    def build(node: Agency) -> AgencyNode:
        return AgencyNode(node, tuple(build(child) for child in by_parent[node.code]))

    roots = by_parent[None]
    if len(roots) != 1:
        raise Agency.DoesNotExist("Cây cơ quan BHXH phải có đúng một gốc (BHXH Việt Nam).")
    return build(roots[0])


def ivan_providers(active_only: bool = True) -> QuerySet[IvanProvider]:
    """The I-VAN providers by code; only active ones unless asked otherwise."""
    providers = IvanProvider.objects.order_by("code")
    return providers.filter(is_active=True) if active_only else providers


def ivan_provider(code: str) -> IvanProvider:
    """The I-VAN provider with this `MaIVAN`, active or not."""
    return IvanProvider.objects.get(code=code)
