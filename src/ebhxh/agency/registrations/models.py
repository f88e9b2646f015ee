"""E-service registrations (04/05/06), unit-code requests (HSDKLanDau) and activation codes.

Each lifecycle is a `TextChoices` status with one `Transitions` table; services check it
before every change. The one-provider rule is a partial unique index, so it holds even when
two activations race in different processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ebhxh.core.state_machine import Transitions

if TYPE_CHECKING:
    from ebhxh.agency.registry.models import IvanConnection


class Channel(models.TextChoices):
    IVAN = "ivan", _("Qua tổ chức I-VAN")
    PORTAL = "portal", _("Tại Cổng thông tin BHXH")


class RegistrationStatus(models.TextChoices):
    PENDING_ACTIVATION = "pending_activation", _("Chờ kích hoạt")
    ACTIVE = "active", _("Đang sử dụng")
    STOPPED = "stopped", _("Đã ngừng")
    CANCELLED = "cancelled", _("Đã hủy")


REGISTRATION_TRANSITIONS = Transitions(
    "registration",
    {
        RegistrationStatus.PENDING_ACTIVATION: [
            RegistrationStatus.ACTIVE,
            # superseded by a newer submission, or another provider was activated first
            RegistrationStatus.CANCELLED,
        ],
        RegistrationStatus.ACTIVE: [RegistrationStatus.STOPPED],
    },
)


class ContactAndCertificate(models.Model):
    """Who BHXH writes to about a registration dossier, and the certificate that signed it
    (for a unit-code request it becomes the unit's registered certificate once the code is
    issued)."""

    contact_name = models.CharField(_("người liên hệ"), max_length=400)
    contact_email = models.EmailField(_("thư điện tử liên hệ"))
    contact_phone = models.CharField(_("điện thoại liên hệ"), max_length=20)
    certificate_pem = models.TextField(_("chứng thư số ký hồ sơ (PEM)"))
    certificate_fingerprint = models.CharField(_("dấu vân tay SHA-256"), max_length=64)
    certificate_serial = models.CharField(_("số hiệu chứng thư"), max_length=64)
    certificate_subject = models.CharField(_("chủ thể chứng thư"), max_length=1000)

    class Meta:
        abstract = True


class EserviceRegistration(ContactAndCertificate):
    """A unit's registration to transact electronically, through one I-VAN or the portal."""

    unit = models.ForeignKey(
        "registry.Unit",
        on_delete=models.PROTECT,
        related_name="eservice_registrations",
        verbose_name=_("đơn vị"),
    )
    channel = models.CharField(_("kênh"), max_length=8, choices=Channel.choices)
    ivan = models.ForeignKey(
        "registry.IvanConnection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="eservice_registrations",
        verbose_name=_("tổ chức I-VAN"),
    )
    dossier = models.OneToOneField(
        "gateway.Dossier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="eservice_registration",
        verbose_name=_("hồ sơ đăng ký"),
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.PENDING_ACTIVATION,
    )
    created_at = models.DateTimeField(_("ngày nộp"), auto_now_add=True)
    activated_at = models.DateTimeField(_("ngày kích hoạt"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ngày ngừng hoặc hủy"), null=True, blank=True)
    stop_reason = models.CharField(_("lý do ngừng hoặc hủy"), max_length=400, blank=True)
    stopped_by_dossier = models.ForeignKey(
        "gateway.Dossier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hồ sơ ngừng"),
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("đăng ký giao dịch điện tử")
        verbose_name_plural = _("đăng ký giao dịch điện tử")
        indexes = [models.Index(fields=["unit", "status"], name="registrations_unit_status")]
        constraints = [
            # One provider at a time (seed 004), guarded by the database itself.
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status="active"),
                name="registrations_one_active_per_unit",
            ),
            models.CheckConstraint(
                condition=(Q(channel="ivan", ivan__isnull=False))
                | Q(channel="portal", ivan__isnull=True, dossier__isnull=True),
                name="registrations_channel_shape",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RegistrationStatus.values),
                name="registrations_registration_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.channel} {self.status}"

    @property
    def provider_label(self) -> str:
        """Who the unit transacts through, as a person reads it: `MISA (mã 00110)`."""
        if self.channel == Channel.PORTAL or self.ivan is None:
            return str(_("Cổng thông tin BHXH Việt Nam"))
        return ivan_label(self.ivan)


def ivan_label(ivan: IvanConnection) -> str:
    provider = ivan.provider
    return f"{provider.short_name} (mã {provider.code})"


class UnitCodeRequestStatus(models.TextChoices):
    PENDING_ACTIVATION = "pending_activation", _("Chờ kích hoạt")
    AWAITING_REVIEW = "awaiting_review", _("Chờ cán bộ xét duyệt")
    APPROVED = "approved", _("Đã cấp mã")
    REJECTED = "rejected", _("Bị từ chối")
    CANCELLED = "cancelled", _("Đã hủy")


UNIT_CODE_REQUEST_TRANSITIONS = Transitions(
    "unit_code_request",
    {
        UnitCodeRequestStatus.PENDING_ACTIVATION: [
            UnitCodeRequestStatus.AWAITING_REVIEW,
            UnitCodeRequestStatus.CANCELLED,  # a newer dossier for the same MST replaced it
        ],
        UnitCodeRequestStatus.AWAITING_REVIEW: [
            UnitCodeRequestStatus.APPROVED,
            UnitCodeRequestStatus.REJECTED,
        ],
    },
)
OPEN_REQUEST_STATUSES = (
    UnitCodeRequestStatus.PENDING_ACTIVATION,
    UnitCodeRequestStatus.AWAITING_REVIEW,
)


class UnitCodeRequest(ContactAndCertificate):
    """A first-time registration (HSDKLanDau, form TK3-TS) of a unit that has no unit code."""

    dossier = models.OneToOneField(
        "gateway.Dossier",
        on_delete=models.PROTECT,
        related_name="unit_code_request",
        verbose_name=_("hồ sơ"),
    )
    ivan = models.ForeignKey(
        "registry.IvanConnection",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tổ chức I-VAN"),
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resubmissions",
        verbose_name=_("hồ sơ bị từ chối trước đó"),
    )
    name = models.CharField(_("tên đơn vị"), max_length=400)
    tax_code = models.CharField(_("mã số thuế"), max_length=14, db_index=True)
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
    )
    target_group = models.CharField(_("nhóm đối tượng"), max_length=2)
    business_type = models.CharField(_("loại hình"), max_length=3)
    status = models.CharField(
        _("trạng thái"),
        max_length=20,
        choices=UnitCodeRequestStatus.choices,
        default=UnitCodeRequestStatus.PENDING_ACTIVATION,
    )
    created_at = models.DateTimeField(_("ngày nộp"), auto_now_add=True)
    activated_at = models.DateTimeField(_("ngày kích hoạt"), null=True, blank=True)
    decided_by = models.ForeignKey(
        "registry.Officer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ quyết định"),
    )
    decided_at = models.DateTimeField(_("ngày quyết định"), null=True, blank=True)
    decision_reason = models.TextField(_("lý do"), blank=True)
    unit_code = models.CharField(
        _("mã đơn vị được cấp"), max_length=15, unique=True, null=True, blank=True
    )
    unit = models.OneToOneField(
        "registry.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="unit_code_request",
        verbose_name=_("đơn vị được tạo"),
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("hồ sơ đề nghị cấp mã đơn vị")
        verbose_name_plural = _("hồ sơ đề nghị cấp mã đơn vị")
        indexes = [
            models.Index(fields=["status", "managing_agency"], name="registrations_ucr_queue")
        ]
        constraints = [
            # One open request per tax code: a second dossier replaces a pending one or is
            # refused while an officer reviews the first.
            models.UniqueConstraint(
                fields=["tax_code"],
                condition=Q(status__in=["pending_activation", "awaiting_review"]),
                name="registrations_one_open_request_per_tax_code",
            ),
            models.CheckConstraint(
                condition=Q(status__in=UnitCodeRequestStatus.values),
                name="registrations_unit_code_request_status",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(unit_code__isnull=False),
                name="registrations_approved_has_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tax_code} {self.status}"


class CodeStatus(models.TextChoices):
    ACTIVE = "active", _("Còn hiệu lực")
    USED = "used", _("Đã sử dụng")
    LOCKED = "locked", _("Bị khóa do nhập sai nhiều lần")
    VOIDED = "voided", _("Đã thay bằng mã mới")


CODE_TRANSITIONS = Transitions(
    "activation_code",
    {CodeStatus.ACTIVE: [CodeStatus.USED, CodeStatus.LOCKED, CodeStatus.VOIDED]},
)


class OneTimeCode(models.Model):
    """A one-time code emailed to a contact; only its keyed hash is stored. Shared by the
    e-service activation code and the portal's organisation "mã xác nhận", which differ only
    in their subject.

    Expiry is a time, not a status: a code is expired when `expires_at` has passed.
    """

    salt = models.CharField(max_length=32)
    code_hash = models.CharField(_("mã băm của mã kích hoạt"), max_length=64)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=CodeStatus.choices, default=CodeStatus.ACTIVE
    )
    attempts = models.PositiveSmallIntegerField(_("số lần nhập sai"), default=0)
    created_at = models.DateTimeField(_("ngày tạo"))
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    used_at = models.DateTimeField(_("dùng lúc"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"


class ActivationCode(OneTimeCode):
    """The activation code of an e-service registration or of a unit-code request."""

    registration = models.ForeignKey(
        EserviceRegistration,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activation_codes",
        verbose_name=_("đăng ký giao dịch"),
    )
    unit_code_request = models.ForeignKey(
        UnitCodeRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activation_codes",
        verbose_name=_("hồ sơ cấp mã"),
    )

    class Meta(OneTimeCode.Meta):
        verbose_name = _("mã kích hoạt")
        verbose_name_plural = _("mã kích hoạt")
        constraints = [
            models.CheckConstraint(
                condition=Q(registration__isnull=False, unit_code_request__isnull=True)
                | Q(registration__isnull=True, unit_code_request__isnull=False),
                name="registrations_code_has_one_subject",
            ),
            # A resend voids the previous code, so a subject has one live code at most.
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(status="active", registration__isnull=False),
                name="registrations_one_live_code_per_registration",
            ),
            models.UniqueConstraint(
                fields=["unit_code_request"],
                condition=Q(status="active", unit_code_request__isnull=False),
                name="registrations_one_live_code_per_request",
            ),
        ]
