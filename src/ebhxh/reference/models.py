"""Reference tables shared by every role: administrative units, the BHXH agency tree, I-VAN
providers, and browsable copies of the procedure and rejection-code catalogues.

Rows are keyed by their official code (primary key), so references from other apps read as
codes and survive a reload. The tables are filled only by `ebhxh.reference.loader` from the
data files; nothing else writes them.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ebhxh.reference.procedures import Applicant, ProcedureKind
from ebhxh.reference.rejections import RejectionCategory

_two_digits = RegexValidator(r"^\d{2}$", _("Mã gồm đúng 2 chữ số."))
_five_digits = RegexValidator(r"^\d{5}$", _("Mã gồm đúng 5 chữ số."))


class Province(models.Model):
    """A province or centrally run city (tỉnh, thành phố) after the 2025 reform."""

    class DivisionType(models.TextChoices):
        PROVINCE = "tinh", _("Tỉnh")
        CITY = "thanh_pho_trung_uong", _("Thành phố trực thuộc trung ương")

    code = models.CharField(_("mã"), max_length=2, primary_key=True, validators=[_two_digits])
    name = models.CharField(_("tên"), max_length=100)
    division_type = models.CharField(
        _("loại đơn vị hành chính"), max_length=32, choices=DivisionType.choices
    )
    codename = models.CharField(_("tên mã"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("tỉnh, thành phố")
        verbose_name_plural = _("tỉnh, thành phố")

    def __str__(self) -> str:
        return self.name


class Ward(models.Model):
    """A ward, commune or special zone (phường, xã, đặc khu); there are no districts now."""

    class DivisionType(models.TextChoices):
        WARD = "phuong", _("Phường")
        COMMUNE = "xa", _("Xã")
        SPECIAL_ZONE = "dac_khu", _("Đặc khu")

    code = models.CharField(_("mã"), max_length=5, primary_key=True, validators=[_five_digits])
    name = models.CharField(_("tên"), max_length=100)
    division_type = models.CharField(
        _("loại đơn vị hành chính"), max_length=16, choices=DivisionType.choices
    )
    codename = models.CharField(_("tên mã"), max_length=100)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="wards", verbose_name=_("tỉnh, thành phố")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("phường, xã")
        verbose_name_plural = _("phường, xã")

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    """An office of the BHXH tree: BHXH Việt Nam, a provincial BHXH, or a BHXH cơ sở."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("Trung ương")
        PROVINCE = "province", _("Tỉnh, thành phố")
        LOCAL = "local", _("Cơ sở")

    code = models.CharField(_("mã"), max_length=5, primary_key=True, validators=[_five_digits])
    name = models.CharField(_("tên"), max_length=200)
    level = models.CharField(_("cấp"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("cơ quan cấp trên"),
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
        verbose_name=_("tỉnh, thành phố"),
    )
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    wards = models.ManyToManyField(
        Ward,
        through="AgencyWard",
        related_name="+",
        blank=True,
        verbose_name=_("phường, xã phụ trách"),
    )
    data_source = models.CharField(
        _("nguồn dữ liệu"),
        max_length=20,
        help_text=_("'generated' là danh sách giữ chỗ; 'official' là danh sách chính thức."),
    )
    is_active = models.BooleanField(
        _("đang hoạt động"),
        default=True,
        help_text=_("Cơ quan không còn trong tệp dữ liệu được giữ lại nhưng ngừng hoạt động."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("cơ quan BHXH")
        verbose_name_plural = _("cơ quan BHXH")
        constraints = [
            # The root has neither province nor parent; every other office has both.
            models.CheckConstraint(
                condition=(
                    Q(level="national", province__isnull=True, parent__isnull=True)
                    | (
                        Q(level__in=["province", "local"])
                        & Q(province__isnull=False, parent__isnull=False)
                    )
                ),
                name="reference_agency_level_shape",
            ),
            models.UniqueConstraint(
                fields=["level"],
                condition=Q(level="national"),
                name="reference_agency_one_national",
            ),
            models.UniqueConstraint(
                fields=["province"],
                condition=Q(level="province"),
                name="reference_agency_one_per_province",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class AgencyWard(models.Model):
    """Which local agency serves a ward; the ward is the key, so it has at most one."""

    ward = models.OneToOneField(
        Ward,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="agency_link",
        verbose_name=_("phường, xã"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        related_name="ward_links",
        verbose_name=_("cơ quan BHXH cơ sở"),
    )

    class Meta:
        ordering = ["ward"]
        verbose_name = _("địa bàn phụ trách")
        verbose_name_plural = _("địa bàn phụ trách")

    def __str__(self) -> str:
        return f"{self.ward_id} → {self.agency_id}"


class IvanProvider(models.Model):
    """A licensed I-VAN provider; `code` is `MaIVAN` in the dossier envelope."""

    code = models.CharField(
        _("mã I-VAN"), max_length=5, primary_key=True, validators=[_five_digits]
    )
    name = models.CharField(_("tên tổ chức"), max_length=200)
    short_name = models.CharField(_("tên viết tắt"), max_length=50)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("tổ chức I-VAN")
        verbose_name_plural = _("tổ chức I-VAN")

    def __str__(self) -> str:
        return f"{self.code} – {self.short_name}"


class Procedure(models.Model):
    """Browsable copy of `ebhxh.reference.procedures`; code reads that module, not this."""

    class Kind(models.TextChoices):
        REGISTRATION = ProcedureKind.REGISTRATION.value, _("Đăng ký, thay đổi, ngừng")
        BUSINESS = ProcedureKind.BUSINESS.value, _("Nghiệp vụ")

    class ApplicantType(models.TextChoices):
        UNIT = Applicant.UNIT.value, _("Đơn vị")
        INDIVIDUAL = Applicant.INDIVIDUAL.value, _("Cá nhân")

    code = models.CharField(_("mã thủ tục"), max_length=32, primary_key=True)
    name = models.CharField(_("tên thủ tục"), max_length=300)
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    applicant = models.CharField(_("người nộp"), max_length=16, choices=ApplicantType.choices)
    device_confirmations = models.PositiveSmallIntegerField(_("số lần xác nhận ký trên thiết bị"))
    forms = models.JSONField(
        _("tờ khai"), default=list, help_text=_("Danh sách {code, description} các tờ khai.")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("thủ tục")
        verbose_name_plural = _("thủ tục")

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class RejectionCode(models.Model):
    """Browsable copy of `ebhxh.reference.rejections`; code reads that module, not this."""

    class Category(models.TextChoices):
        SIGNATURE = RejectionCategory.SIGNATURE.value, _("Chữ ký số")
        CERTIFICATE = RejectionCategory.CERTIFICATE.value, _("Chứng thư số")
        SCHEMA = RejectionCategory.SCHEMA.value, _("Cấu trúc hồ sơ")
        IDENTITY = RejectionCategory.IDENTITY.value, _("Định danh")
        AUTHORISATION = RejectionCategory.AUTHORISATION.value, _("Quyền gửi hồ sơ")
        REGISTRATION = RejectionCategory.REGISTRATION.value, _("Đăng ký giao dịch")
        SYSTEM = RejectionCategory.SYSTEM.value, _("Hệ thống")

    code = models.CharField(_("mã lỗi"), max_length=6, primary_key=True)
    category = models.CharField(_("nhóm"), max_length=16, choices=Category.choices)
    message_vi = models.TextField(_("thông báo (tiếng Việt)"))
    message_en = models.TextField(_("thông báo (tiếng Anh)"))
    http_status = models.PositiveSmallIntegerField(_("mã HTTP gợi ý"))
    retryable = models.BooleanField(_("có thể thử lại"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("mã lỗi từ chối")
        verbose_name_plural = _("mã lỗi từ chối")

    def __str__(self) -> str:
        return self.code
