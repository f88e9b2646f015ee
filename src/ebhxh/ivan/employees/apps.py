from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmployeesConfig(AppConfig):
    name = "ebhxh.ivan.employees"
    label = "ivan_employees"
    verbose_name = _("I-VAN: lao động")
