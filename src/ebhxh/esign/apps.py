from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EsignConfig(AppConfig):
    name = "ebhxh.esign"
    label = "esign"
    verbose_name = _("Ký số từ xa")
