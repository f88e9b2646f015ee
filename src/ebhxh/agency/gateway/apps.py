from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatewayConfig(AppConfig):
    name = "ebhxh.agency.gateway"
    label = "gateway"
    verbose_name = _("Cổng tiếp nhận hồ sơ điện tử")
