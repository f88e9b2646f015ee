from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "ebhxh.agency.portal"
    label = "portal"
    verbose_name = _("Cổng dịch vụ công")

    def ready(self) -> None:
        from django.conf import settings

        from ebhxh.agency.portal.tasks import (
            cancel_expired_declarations,
            redecide_stuck_registrations,
        )
        from ebhxh.jobs.periodic import register

        register(
            key="portal.cancel_expired_declarations",
            task=cancel_expired_declarations,
            every=timedelta(seconds=settings.PORTAL_CANCEL_SWEEP_SECONDS),
            description="Huỷ tờ khai Mẫu 01 không nộp tại cơ quan BHXH trong 10 ngày.",
        )
        register(
            key="portal.redecide_stuck_registrations",
            task=redecide_stuck_registrations,
            every=timedelta(seconds=settings.PORTAL_DECISION_SWEEP_SECONDS),
            description="Quyết định lại tờ khai ký số còn chờ quá hạn (tác vụ bị mất).",
        )
