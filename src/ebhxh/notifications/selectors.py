"""Reads of the outbox for operators and the demo mailbox."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from ebhxh.notifications.models import OutboxMessage


def outbox_counts() -> dict[str, int]:
    rows = OutboxMessage.objects.values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def recent_messages(*, channel: str | None = None, limit: int = 200) -> QuerySet[OutboxMessage]:
    qs = OutboxMessage.objects.all()
    if channel:
        qs = qs.filter(channel=channel)
    return qs[:limit]
