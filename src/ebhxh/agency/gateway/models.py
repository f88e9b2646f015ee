"""Dossiers received over the gateway, their numbers, and what happened to them; the nonces
of signed requests and the callbacks owed to I-VANs."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ebhxh.core.state_machine import Transitions


class DossierSequence(models.Model):
    """The last dossier number an agency gave in a year; rows are locked while a number is
    taken, so concurrent intakes never share or skip one."""

    agency = models.ForeignKey(
        "reference.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan")
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    last_value = models.PositiveIntegerField(_("số cuối đã cấp"), default=0)

    class Meta:
        verbose_name = _("dãy số hồ sơ")
        verbose_name_plural = _("dãy số hồ sơ")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="gateway_sequence_agency_year")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.year}: {self.last_value}"


class DossierStatus(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận")
    PENDING = "pending", _("Đang xử lý")
    ACCEPTED = "accepted", _("Đã chấp nhận")
    REJECTED = "rejected", _("Bị từ chối")


DOSSIER_TRANSITIONS = Transitions(
    "dossier",
    {
        DossierStatus.RECEIVED: [
            DossierStatus.PENDING,
            DossierStatus.ACCEPTED,
            DossierStatus.REJECTED,
        ],
        DossierStatus.PENDING: [
            DossierStatus.PENDING,
            DossierStatus.ACCEPTED,
            DossierStatus.REJECTED,
        ],
    },
)


class Dossier(models.Model):
    """A signed envelope an I-VAN submitted, with the receipt the agency answered."""

    ivan = models.ForeignKey(
        "registry.IvanConnection",
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("I-VAN gửi"),
    )
    message_id = models.CharField(_("mã thông điệp"), max_length=64)
    number = models.CharField(_("số hồ sơ"), max_length=24, unique=True)
    agency = models.ForeignKey(
        "reference.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cơ quan tiếp nhận"),
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    sequence = models.PositiveIntegerField(_("số thứ tự"))
    procedure_code = models.CharField(_("mã thủ tục"), max_length=20, db_index=True)
    unit_code = models.CharField(_("mã đơn vị"), max_length=15, blank=True, db_index=True)
    tax_code = models.CharField(_("mã số thuế"), max_length=14, db_index=True)
    unit_name = models.CharField(_("tên đơn vị"), max_length=300)
    signer_fingerprint = models.CharField(_("dấu vân tay chứng thư ký"), max_length=64)
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"))
    envelope_sha256 = models.CharField(_("SHA-256 hồ sơ"), max_length=64)
    envelope = models.BinaryField(_("hồ sơ đã ký"))
    receipt = models.BinaryField(_("biên nhận đã ký"))
    status = models.CharField(
        _("trạng thái"),
        max_length=16,
        choices=DossierStatus.choices,
        default=DossierStatus.RECEIVED,
    )
    result_code = models.CharField(_("mã kết quả"), max_length=16, blank=True)
    result_message = models.TextField(_("nội dung kết quả"), blank=True)
    result_xpath = models.CharField(_("vị trí lỗi (XPath)"), max_length=300, blank=True)
    result = models.JSONField(_("dữ liệu kết quả"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        indexes = [
            # The sweeper's question: which dossiers still wait for processing.
            models.Index(fields=["status", "received_at"], name="gateway_dossier_status_recv"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ivan", "message_id"], name="gateway_dossier_ivan_message"
            ),
            models.UniqueConstraint(
                fields=["agency", "year", "sequence"], name="gateway_dossier_agency_year_seq"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DossierStatus.values), name="gateway_dossier_status"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class DossierEvent(models.Model):
    """One step of a dossier's timeline, shown to the I-VAN and the officer."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="events", verbose_name=_("hồ sơ")
    )
    at = models.DateTimeField(_("thời điểm"))
    status = models.CharField(_("trạng thái"), max_length=16, choices=DossierStatus.choices)
    code = models.CharField(_("mã"), max_length=16, blank=True)
    message = models.TextField(_("nội dung"))

    class Meta:
        ordering = ["dossier", "at", "pk"]
        verbose_name = _("diễn biến hồ sơ")
        verbose_name_plural = _("diễn biến hồ sơ")

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.status} {self.code}"


class RequestNonce(models.Model):
    """A nonce an I-VAN used in a signed request. The unique constraint makes each nonce
    single-use across every web process; rows older than twice the signature window can no
    longer be replayed (their timestamp is stale) and are pruned by a periodic job."""

    ivan = models.ForeignKey(
        "registry.IvanConnection",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("I-VAN"),
    )
    nonce = models.CharField(_("nonce"), max_length=128)
    seen_at = models.DateTimeField(_("nhận lúc"), db_index=True)

    class Meta:
        verbose_name = _("nonce yêu cầu I-VAN")
        verbose_name_plural = _("nonce yêu cầu I-VAN")
        constraints = [
            models.UniqueConstraint(fields=["ivan", "nonce"], name="gateway_nonce_ivan_nonce")
        ]

    def __str__(self) -> str:
        return f"{self.ivan_id}:{self.nonce}"


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    DELIVERED = "delivered", _("Đã gửi")
    FAILED = "failed", _("Gửi thất bại")


CALLBACK_TRANSITIONS = Transitions(
    "callback",
    {
        CallbackStatus.PENDING: [CallbackStatus.SENDING],
        # A failed attempt goes back to PENDING with a later next_attempt_at; one whose
        # worker's lease ran out (presumed dead) is claimed again by another worker.
        CallbackStatus.SENDING: [
            CallbackStatus.DELIVERED,
            CallbackStatus.PENDING,
            CallbackStatus.FAILED,
            CallbackStatus.SENDING,
        ],
        CallbackStatus.FAILED: [CallbackStatus.PENDING],
    },
)


class CallbackDelivery(models.Model):
    """One signed callback owed to an I-VAN: a dossier's status after a change. `payload` is
    the exact JSON text sent on every attempt; `public_id` (header `X-BHXH-Delivery`) stays
    the same across retries so the I-VAN can drop a copy it already processed."""

    public_id = models.UUIDField(_("mã lần gửi"), default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="callbacks", verbose_name=_("hồ sơ")
    )
    url = models.URLField(_("địa chỉ nhận"), max_length=500)
    payload = models.TextField(_("nội dung (JSON)"))
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=CallbackStatus.choices,
        default=CallbackStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("số lần thử"), default=0)
    next_attempt_at = models.DateTimeField(_("lần thử tới"))
    lease_until = models.DateTimeField(_("giữ đến"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("gửi được lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("thông báo kết quả cho I-VAN")
        verbose_name_plural = _("thông báo kết quả cho I-VAN")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CallbackStatus.values), name="gateway_callback_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} → {self.url} ({self.status})"
