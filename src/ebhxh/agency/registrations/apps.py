from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "ebhxh.agency.registrations"
    label = "registrations"
    verbose_name = _("Đăng ký giao dịch điện tử")

    def ready(self) -> None:
        from django.conf import settings

        from ebhxh.agency.gateway import processing
        from ebhxh.agency.gateway.eligibility import register_eligibility_check
        from ebhxh.agency.registrations.eligibility import unit_has_active_registration
        from ebhxh.agency.registrations.handlers import HANDLERS
        from ebhxh.agency.registrations.tasks import retry_registration_dossiers
        from ebhxh.jobs.periodic import register

        for procedure_code, handler in HANDLERS.items():
            processing.register(procedure_code, handler)
        register_eligibility_check(unit_has_active_registration)
        register(
            key="registrations.retry_dossiers",
            task=retry_registration_dossiers,
            every=timedelta(seconds=settings.REGISTRATION_RETRY_SECONDS),
            description="Xử lý lại hồ sơ đăng ký bị lỗi hệ thống (SYS001).",
        )
