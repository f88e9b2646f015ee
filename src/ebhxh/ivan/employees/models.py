"""The employees BHXH holds for a unit, as last fetched ("Lấy lao động"), and each fetch.

The list is a copy of the agency's answer, replaced as a whole by a successful fetch; a fetch
that fails leaves the previous copy. `EmployeeFetch` is one run, with the progress the page
polls and, when it failed, the gateway's code and Vietnamese message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ebhxh.core.state_machine import Transitions
from ebhxh.ivan.models import Unit


class Gender(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


class Employee(models.Model):
    """One insured employee of the unit, as BHXH answered the last successful fetch."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="employees", verbose_name=_("đơn vị")
    )
    insurance_number = models.CharField(_("mã số BHXH"), max_length=10)
    citizen_id = models.CharField(_("số CCCD"), max_length=12, blank=True)
    full_name = models.CharField(_("họ và tên"), max_length=200)
    # The name lower-cased without diacritics: "nguyen van" finds "Nguyễn Văn".
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    birth_date = models.DateField(_("ngày sinh"))
    gender = models.CharField(_("giới tính"), max_length=6, choices=Gender.choices)
    position = models.CharField(_("chức vụ"), max_length=200, blank=True)
    salary = models.BigIntegerField(_("mức lương đóng BHXH (đồng)"), null=True, blank=True)
    start_date = models.DateField(_("tham gia từ"), null=True, blank=True)
    end_date = models.DateField(_("đến"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("lấy về lúc"))

    class Meta:
        ordering = ["unit_id", "insurance_number"]
        verbose_name = _("lao động")
        verbose_name_plural = _("lao động")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "insurance_number"], name="ivan_employee_once_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.insurance_number} {self.full_name}"


class FetchStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang lấy")
    SUCCEEDED = "succeeded", _("Đã lấy xong")
    FAILED = "failed", _("Không lấy được")


FETCH_TRANSITIONS = Transitions(
    "employee_fetch",
    {
        FetchStatus.QUEUED: [FetchStatus.RUNNING, FetchStatus.FAILED],
        FetchStatus.RUNNING: [FetchStatus.SUCCEEDED, FetchStatus.FAILED],
    },
)
OPEN_STATUSES = (FetchStatus.QUEUED, FetchStatus.RUNNING)


class EmployeeFetch(models.Model):
    """One "Lấy lao động" of a unit: queued, paging through the gateway, then done or not."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="employee_fetches", verbose_name=_("đơn vị")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người yêu cầu"),
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=FetchStatus.choices, default=FetchStatus.QUEUED
    )
    pages_done = models.PositiveIntegerField(_("số trang đã lấy"), default=0)
    pages_total = models.PositiveIntegerField(_("tổng số trang"), default=0)
    received = models.PositiveIntegerField(_("số lao động đã nhận"), default=0)
    count = models.PositiveIntegerField(_("số lao động BHXH báo"), default=0)
    error_code = models.CharField(_("mã lỗi"), max_length=40, blank=True)
    error_message = models.TextField(_("lý do"), blank=True)
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    started_at = models.DateTimeField(_("bắt đầu lúc"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lần lấy lao động")
        verbose_name_plural = _("lần lấy lao động")
        constraints = [
            # One fetch at a time per unit: a second click joins the running one.
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status__in=["queued", "running"]),
                name="ivan_employee_fetch_one_open_per_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.status} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def percent(self) -> int:
        if self.status == FetchStatus.SUCCEEDED:
            return 100
        if not self.pages_total:
            return 0
        return min(99, self.pages_done * 100 // self.pages_total)
