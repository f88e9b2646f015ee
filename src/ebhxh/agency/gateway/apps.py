from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatewayConfig(AppConfig):
    name = "ebhxh.agency.gateway"
    label = "gateway"
    verbose_name = _("Cổng tiếp nhận hồ sơ điện tử")

    def ready(self) -> None:
        from django.conf import settings

        from ebhxh.agency.gateway import checks, tasks  # noqa: F401 - registers the checks
        from ebhxh.jobs.periodic import register

        register(
            key="gateway.sweep_received",
            task=tasks.sweep_received_dossiers,
            every=timedelta(seconds=settings.GATEWAY_PROCESSING_SWEEP_SECONDS),
            description="Xử lý lại hồ sơ còn ở trạng thái đã tiếp nhận quá lâu.",
        )
        register(
            key="gateway.sweep_callbacks",
            task=tasks.sweep_callbacks,
            every=timedelta(seconds=settings.GATEWAY_CALLBACK_SWEEP_SECONDS),
            description="Gửi lại callback cho I-VAN có tác vụ gửi bị mất hoặc đến hạn thử lại.",
        )
        register(
            key="gateway.prune_nonces",
            task=tasks.prune_nonces,
            every=timedelta(seconds=settings.GATEWAY_NONCE_PRUNE_SECONDS),
            description="Xoá nonce của yêu cầu I-VAN đã quá cửa sổ chống gửi lại.",
        )
