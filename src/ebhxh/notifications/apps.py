from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "ebhxh.notifications"
    label = "notifications"
    verbose_name = _("Thông báo")

    def ready(self) -> None:
        from django.conf import settings

        from ebhxh.jobs.periodic import register
        from ebhxh.notifications import checks  # noqa: F401 - registers the system check
        from ebhxh.notifications.tasks import erase_sent_secrets, sweep_outbox

        register(
            key="notifications.sweep_outbox",
            task=sweep_outbox,
            every=timedelta(seconds=settings.OUTBOX_SWEEP_SECONDS),
            description="Gửi lại thư/SMS có tác vụ gửi bị mất (tiến trình bị dừng giữa chừng).",
        )
        register(
            key="notifications.erase_sent_secrets",
            task=erase_sent_secrets,
            every=timedelta(seconds=max(60, settings.OUTBOX_SECRET_RETENTION_SECONDS // 4)),
            description="Xoá nội dung có mật khẩu hoặc mã bí mật của thư/SMS đã gửi.",
        )
