from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "ebhxh.agency.registry"
    label = "registry"
    verbose_name = _("Sổ đăng ký đơn vị và người tham gia")
