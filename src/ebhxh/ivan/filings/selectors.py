"""Reads of dossiers: the company's list with its filters, one dossier, the jobs' work."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404

from ebhxh.ivan.filings.models import OPEN_STATES, Filing, FilingEvent, FilingState
from ebhxh.ivan.models import Company


def filings(
    company: Company, *, unit_id: int | None = None, state: str = "", procedure_code: str = ""
) -> QuerySet[Filing]:
    """The company's dossiers, newest first, optionally filtered."""
    queryset = Filing.objects.filter(company=company).select_related("unit")
    if unit_id is not None:
        queryset = queryset.filter(unit_id=unit_id)
    if state:
        queryset = queryset.filter(state=state)
    if procedure_code:
        queryset = queryset.filter(procedure_code=procedure_code)
    return queryset.order_by("-created_at", "-pk")


def filing(company: Company, filing_id: int) -> Filing:
    """One of the company's dossiers; 404 for another company's, whatever the id."""
    found = (
        Filing.objects.select_related("unit", "company", "created_by", "submitted_by")
        .filter(company=company, pk=filing_id)
        .first()
    )
    if found is None:
        raise Http404("Không tìm thấy hồ sơ.")
    return found


def procedures_used(company: Company) -> list[tuple[str, str]]:
    """(code, name) of the procedures the company has filed, for the list's filter."""
    rows = (
        Filing.objects.filter(company=company)
        .values_list("procedure_code", "procedure_name")
        .distinct()
        .order_by("procedure_code")
    )
    seen: dict[str, str] = {}
    for code, name in rows:
        seen.setdefault(code, name)
    return list(seen.items())


def timeline(filing: Filing) -> QuerySet[FilingEvent]:
    return filing.events.order_by("at", "pk")


def open_filings() -> QuerySet[Filing]:
    """Dossiers the agency has not decided yet, least recently refreshed first."""
    return Filing.objects.filter(state__in=OPEN_STATES).order_by("updated_at", "pk")


def due_for_resend(now: datetime, *, stale: timedelta) -> QuerySet[Filing]:
    """Failed sends whose retry time has come, and sends that never got an answer."""
    return Filing.objects.filter(
        Q(state=FilingState.SEND_FAILED, next_retry_at__lte=now)
        | Q(state=FilingState.SENDING, updated_at__lt=now - stale)
    ).order_by("next_retry_at", "pk")


def latest_for_unit(unit_id: int, procedure_code: str) -> Filing | None:
    """The unit's most recent dossier of a procedure (procedures use it to show progress)."""
    return (
        Filing.objects.filter(unit_id=unit_id, procedure_code=procedure_code)
        .order_by("-created_at", "-pk")
        .first()
    )
