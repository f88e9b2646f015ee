"""Entry pages of the agency deployable: public portal and officer console."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ebhxh.agency.registrations.selectors import awaiting_review_count, officer_for
from ebhxh.audit.models import AuditRecord
from ebhxh.notifications.selectors import outbox_counts
from ebhxh.reference.models import Agency


def portal(request: HttpRequest) -> HttpResponse:
    return render(request, "agency/portal.html")


@staff_member_required
def officer(request: HttpRequest) -> HttpResponse:
    """The officer's overview: their queues, the agency tree, the notification queue, recent
    audit records."""
    provincial = (
        Agency.objects.filter(level=Agency.Level.PROVINCE, is_active=True)
        .select_related("province")
        .annotate(locals=Count("children", filter=Q(children__is_active=True)))
        .order_by("code")
    )
    officer = officer_for(request.user)
    context = {
        "officer": officer,
        "awaiting_review": awaiting_review_count(officer) if officer else None,
        "provincial": provincial,
        "outbox": outbox_counts(),
        "recent_audit": AuditRecord.objects.order_by("-seq")[:15],
    }
    return render(request, "agency/officer.html", context)
