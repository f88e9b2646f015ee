from django.contrib import admin
from django.http import HttpRequest

from ebhxh.notifications.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    list_display = (
        "created_at",
        "channel",
        "recipient",
        "template",
        "status",
        "attempts",
        "sent_at",
    )
    list_filter = ("channel", "status", "template")
    search_fields = ("recipient", "subject", "public_id", "related_id")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    # Messages are written by services in their transaction and changed only by delivery;
    # an admin edit or delete would leave no audit record.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
