from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgencyConfig(AppConfig):
    name = "ebhxh.agency"
    label = "agency"
    verbose_name = _("Cơ quan BHXH")
