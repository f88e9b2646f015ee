"""The registry BHXH keeps: units (employers), insured persons and who works where, the I-VANs
connected to the gateway, and the officers who decide requests.

Identifiers are stored normalised (upper case, digits only) by the services that write them,
so the gateway's lookups are plain equality on indexed columns.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Unit(models.Model):
    """An employer (đơn vị) known to BHXH by its unit code (mã đơn vị)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang hoạt động")
        SUSPENDED = "suspended", _("Tạm dừng đóng")
        CLOSED = "closed", _("Đã chấm dứt")

    unit_code = models.CharField(_("mã đơn vị"), max_length=15)
    tax_code = models.CharField(_("mã số thuế"), max_length=14)
    name = models.CharField(_("tên đơn vị"), max_length=300)
    address = models.CharField(_("địa chỉ"), max_length=400)
    province = models.ForeignKey(
        "reference.Province",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tỉnh, thành phố"),
    )
    managing_agency = models.ForeignKey(
        "reference.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cơ quan BHXH quản lý"),
        db_index=False,  # leads the (managing_agency, status) index below
    )
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    class Meta:
        ordering = ["unit_code"]
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        # Constraints and indexes declared here, not with unique=True/db_index=True, so that
        # PostgreSQL builds no varchar_pattern_ops twin: nothing here runs LIKE queries.
        constraints = [models.UniqueConstraint(fields=["unit_code"], name="registry_unit_code")]
        indexes = [
            models.Index(fields=["tax_code"], name="registry_unit_tax_code"),
            models.Index(fields=["managing_agency", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.unit_code} – {self.name}"


class InsuredPerson(models.Model):
    """A person with a mã số BHXH; since 2025 the CCCD number identifies them as well."""

    class Gender(models.TextChoices):
        MALE = "male", _("Nam")
        FEMALE = "female", _("Nữ")

    insurance_number = models.CharField(_("mã số BHXH"), max_length=10)
    # NULL, not "", for a person without a CCCD on file: the unique constraint skips NULLs.
    citizen_id = models.CharField(  # noqa: DJ001
        _("số CCCD"), max_length=12, null=True, blank=True
    )
    full_name = models.CharField(_("họ và tên"), max_length=200)
    birth_date = models.DateField(_("ngày sinh"))
    gender = models.CharField(_("giới tính"), max_length=8, choices=Gender.choices)
    phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)

    class Meta:
        ordering = ["insurance_number"]
        verbose_name = _("người tham gia")
        verbose_name_plural = _("người tham gia")
        constraints = [
            models.UniqueConstraint(
                fields=["insurance_number"], name="registry_person_insurance_number"
            ),
            models.UniqueConstraint(fields=["citizen_id"], name="registry_person_citizen_id"),
        ]

    def __str__(self) -> str:
        return f"{self.insurance_number} – {self.full_name}"


class Employment(models.Model):
    """A person's participation at a unit; `end_date` is empty while it lasts."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="employments", verbose_name=_("đơn vị")
    )
    person = models.ForeignKey(
        InsuredPerson,
        on_delete=models.PROTECT,
        related_name="employments",
        verbose_name=_("người tham gia"),
    )
    position = models.CharField(_("chức vụ, chức danh"), max_length=200, blank=True)
    salary = models.BigIntegerField(_("mức lương đóng (đồng)"))
    start_date = models.DateField(_("từ ngày"))
    end_date = models.DateField(_("đến ngày"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "person"]
        verbose_name = _("quá trình tham gia")
        verbose_name_plural = _("quá trình tham gia")
        constraints = [
            # Also the index of "Lấy lao động": the current employees of one unit.
            models.UniqueConstraint(
                fields=["unit", "person"],
                condition=Q(end_date__isnull=True),
                name="registry_employment_one_current_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="registry_employment_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.unit_id}"


class IvanConnection(models.Model):
    """An I-VAN provider's connection to the gateway: the certificate it proves itself with
    and where it wants signed callbacks."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang kết nối")
        SUSPENDED = "suspended", _("Tạm ngừng kết nối")

    provider = models.OneToOneField(
        "reference.IvanProvider",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tổ chức I-VAN"),
    )
    certificate_pem = models.TextField(_("chứng thư số (PEM)"))
    certificate_fingerprint = models.CharField(
        _("dấu vân tay SHA-256 của chứng thư"), max_length=64
    )
    callback_url = models.URLField(_("địa chỉ nhận kết quả (callback)"), blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("ngày kết nối"), auto_now_add=True)

    class Meta:
        ordering = ["provider"]
        verbose_name = _("kết nối I-VAN")
        verbose_name_plural = _("kết nối I-VAN")
        constraints = [
            models.UniqueConstraint(
                fields=["certificate_fingerprint"], name="registry_ivan_certificate"
            )
        ]

    def __str__(self) -> str:
        return str(self.provider_id)


class Officer(models.Model):
    """A BHXH officer (cán bộ) and the office they work for; they see the requests of the
    units that office manages, and of its local offices when it is a provincial one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="officer",
        verbose_name=_("tài khoản"),
    )
    agency = models.ForeignKey(
        "reference.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cơ quan BHXH"),
    )
    full_name = models.CharField(_("họ và tên"), max_length=200)

    class Meta:
        ordering = ["agency", "full_name"]
        verbose_name = _("cán bộ BHXH")
        verbose_name_plural = _("cán bộ BHXH")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.agency_id})"
