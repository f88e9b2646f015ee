from django.contrib import admin

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
