from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingsConfig(AppConfig):
    name = "ebhxh.ivan.filings"
    label = "ivan_filings"
    verbose_name = _("I-VAN: hồ sơ")

    def ready(self) -> None:
        from ebhxh.ivan.filings import tasks  # noqa: F401 - registers the periodic jobs
