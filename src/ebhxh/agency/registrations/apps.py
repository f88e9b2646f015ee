from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "ebhxh.agency.registrations"
    label = "registrations"
    verbose_name = _("Đăng ký giao dịch điện tử")
