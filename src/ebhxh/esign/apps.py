from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EsignConfig(AppConfig):
    name = "ebhxh.esign"
    label = "esign"
    verbose_name = _("Ký số từ xa")

    def ready(self) -> None:
        from django.conf import settings

        from ebhxh.esign import checks  # noqa: F401 - registers the system check
        from ebhxh.esign.tasks import expire_signing_requests
        from ebhxh.jobs.periodic import register

        register(
            key="esign.expire_signing_requests",
            task=expire_signing_requests,
            every=timedelta(seconds=settings.ESIGN_EXPIRY_SWEEP_SECONDS),
            description="Chuyển các yêu cầu ký quá hạn xác nhận (hoặc SAD quá hạn) sang hết hạn.",
        )
