"""A dossier (hồ sơ) the I-VAN files for a unit, its forms and its timeline.

The agency's answers are the truth about a dossier once it left: `state` is the I-VAN's view,
moved only by the services as the gateway answers (receipt, status documents). Signed bytes
are kept exactly as sent, because the receipt's hash is computed over them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ebhxh.core.state_machine import Transitions
from ebhxh.ivan.models import Company, SigningMethod, Unit


class FilingState(models.TextChoices):
    DRAFT = "draft", _("Chưa ký")
    SIGNING = "signing", _("Đang ký")
    SIGNED = "signed", _("Đã ký, chờ nộp")
    SENDING = "sending", _("Đang gửi")
    SEND_FAILED = "send_failed", _("Gửi không thành công")
    RECEIVED = "received", _("BHXH đã tiếp nhận")
    PROCESSING = "processing", _("BHXH đang xử lý")
    ACCEPTED = "accepted", _("Được chấp nhận")
    REFUSED = "refused", _("Bị từ chối")
    CANCELLED = "cancelled", _("Đã huỷ")


# Signing may be abandoned (back to DRAFT); a signed dossier is sent, and a send that could
# not reach the gateway is retried with the same message id. Once the agency has a dossier
# (RECEIVED) only its answers move it; nothing the unit does cancels it.
FILING_TRANSITIONS = Transitions(
    "filing",
    {
        FilingState.DRAFT: [FilingState.SIGNING, FilingState.CANCELLED],
        FilingState.SIGNING: [FilingState.SIGNED, FilingState.DRAFT, FilingState.CANCELLED],
        FilingState.SIGNED: [FilingState.SENDING, FilingState.CANCELLED],
        FilingState.SENDING: [
            FilingState.RECEIVED,
            FilingState.PROCESSING,
            FilingState.ACCEPTED,
            FilingState.REFUSED,
            FilingState.SEND_FAILED,
        ],
        FilingState.SEND_FAILED: [FilingState.SENDING, FilingState.CANCELLED],
        FilingState.RECEIVED: [
            FilingState.PROCESSING,
            FilingState.ACCEPTED,
            FilingState.REFUSED,
        ],
        FilingState.PROCESSING: [FilingState.ACCEPTED, FilingState.REFUSED],
    },
)

# States in which the agency may still change its answer: the periodic job polls them.
OPEN_STATES = frozenset({FilingState.RECEIVED, FilingState.PROCESSING})
# States in which the unit may still cancel (the agency has nothing yet).
CANCELLABLE_STATES = frozenset(
    {FilingState.DRAFT, FilingState.SIGNING, FilingState.SIGNED, FilingState.SEND_FAILED}
)


class Filing(models.Model):
    """One dossier of one unit, from its draft to the agency's decision."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="filings", verbose_name=_("công ty")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="filings", verbose_name=_("đơn vị")
    )
    procedure_code = models.CharField(_("mã thủ tục"), max_length=20)
    procedure_name = models.CharField(_("tên thủ tục"), max_length=300)
    period = models.CharField(_("kỳ kê khai"), max_length=7, blank=True)
    purpose = models.CharField(_("nội dung"), max_length=200, blank=True)
    state = models.CharField(
        _("trạng thái"), max_length=16, choices=FilingState.choices, default=FilingState.DRAFT
    )
    message_id = models.CharField(_("mã thông điệp"), max_length=64, unique=True)
    signing_method = models.CharField(
        _("hình thức ký"), max_length=10, choices=SigningMethod.choices, blank=True
    )
    signer_fingerprint = models.CharField(
        _("chứng thư số đã ký (SHA-256)"), max_length=64, blank=True
    )
    # Token signing runs over several requests: the prepared signature waiting for the
    # token's answer, and which document it is for (0..n-1 the forms, n the envelope).
    signing_prepared = models.BinaryField(null=True, blank=True, editable=False)
    signing_step = models.PositiveSmallIntegerField(default=0)
    # Remote signing: what the waiting page shows (stage, message, confirmations).
    signing_progress = models.JSONField(default=dict, blank=True)
    signed_envelope = models.BinaryField(null=True, blank=True, editable=False)
    envelope_sha256 = models.CharField(_("SHA-256 của hồ sơ"), max_length=64, blank=True)
    number = models.CharField(_("số hồ sơ"), max_length=20, blank=True, db_index=True)
    received_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True)
    receipt = models.BinaryField(null=True, blank=True, editable=False)
    gateway_status = models.CharField(_("trạng thái tại BHXH"), max_length=16, blank=True)
    result_code = models.CharField(_("mã lỗi"), max_length=40, blank=True)
    result_message = models.TextField(_("kết quả"), blank=True)
    result_xpath = models.CharField(_("vị trí lỗi"), max_length=300, blank=True)
    result = models.JSONField(_("kết quả chi tiết"), default=dict, blank=True)
    send_attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    next_retry_at = models.DateTimeField(_("gửi lại lúc"), null=True, blank=True)
    next_url = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("người lập"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người ký nộp"),
    )
    created_at = models.DateTimeField(_("lập lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        indexes = [
            models.Index(fields=["company", "state"], name="ivan_filing_company_state"),
            models.Index(fields=["state", "next_retry_at"], name="ivan_filing_retry"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_code} {self.unit.tax_code} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_cancellable(self) -> bool:
        return self.state in CANCELLABLE_STATES


class FilingForm(models.Model):
    """One form (tờ khai) of a dossier: as prepared, then as signed."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="forms")
    position = models.PositiveSmallIntegerField()
    form_code = models.CharField(_("mã tờ khai"), max_length=20)
    description = models.CharField(_("mô tả"), max_length=300, blank=True)
    file_name = models.CharField(_("tên tệp"), max_length=200)
    xml = models.BinaryField(editable=False)
    signed_xml = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["position"]
        verbose_name = _("tờ khai")
        verbose_name_plural = _("tờ khai")
        constraints = [
            models.UniqueConstraint(fields=["filing", "position"], name="ivan_filing_form_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.form_code} ({self.file_name})"


class FilingEvent(models.Model):
    """One line of a dossier's timeline, in words the user reads."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("lúc"), auto_now_add=True)
    kind = models.CharField(_("loại"), max_length=32)
    message = models.TextField(_("nội dung"))
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("sự kiện hồ sơ")
        verbose_name_plural = _("sự kiện hồ sơ")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"
