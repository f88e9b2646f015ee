"""When each periodic job is next due; shared by every scheduler process."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicJobState(models.Model):
    key = models.CharField(_("mã tác vụ"), max_length=100, primary_key=True)
    next_run_at = models.DateTimeField(_("lần chạy tới"))
    last_enqueued_at = models.DateTimeField(_("lần xếp hàng gần nhất"), null=True, blank=True)
    last_task_id = models.CharField(_("mã task gần nhất"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("trạng thái tác vụ định kỳ")
        verbose_name_plural = _("trạng thái tác vụ định kỳ")

    def __str__(self) -> str:
        return self.key
