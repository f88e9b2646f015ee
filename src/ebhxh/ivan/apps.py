from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IvanConfig(AppConfig):
    name = "ebhxh.ivan"
    label = "ivan"
    verbose_name = _("I-VAN")

    def ready(self) -> None:
        from ebhxh.ivan.enrolment import hooks  # the registration wizard's outcome hooks

        hooks.connect()
