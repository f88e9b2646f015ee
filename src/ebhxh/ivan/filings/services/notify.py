"""The emails about a dossier's outcome, queued in the caller's transaction (sent after
commit by the outbox)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from ebhxh.ivan.filings.models import Filing
from ebhxh.notifications.services import queue_email


def _notify(filing: Filing, template: str) -> None:
    """The company's contact email and the user who submitted (deduplicated)."""
    recipients: list[str] = []
    for address in (
        filing.company.contact_email,
        filing.submitted_by.email if filing.submitted_by else "",
        filing.created_by.email if filing.created_by and not filing.submitted_by else "",
    ):
        if address and address.lower() not in {r.lower() for r in recipients}:
            recipients.append(address)
    base = getattr(settings, "IVAN_BASE_URL", settings.PORTAL_BASE_URL)
    link = base.rstrip("/") + reverse("ivan:filing_detail", args=[filing.pk])
    context = {"filing": filing, "unit": filing.unit, "company": filing.company, "link": link}
    for address in recipients:
        queue_email(to=address, template=template, context=context, related=filing)
