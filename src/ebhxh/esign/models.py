"""Holders, their credentials (certificate + key), bearer tokens and signing requests.

Secrets are never stored as given: passwords and device PINs with Django's password
hashers, bearer tokens and SADs as SHA-256 (they are random, 256-bit), private keys and
token PINs encrypted with AES-GCM (`ebhxh.esign.keystore`).
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ebhxh.core.state_machine import Transitions


def new_credential_id() -> str:
    """The public credentialID: random, so ids of other holders cannot be guessed."""
    return f"cred-{secrets.token_hex(12)}"


class HolderAccount(models.Model):
    """The account a certificate holder gets from the provider (seed 002, step 4)."""

    username = models.CharField(_("tên đăng nhập"), max_length=150, unique=True)
    full_name = models.CharField(_("tên người giữ chứng thư số"), max_length=255)
    password = models.CharField(_("mật khẩu (đã băm)"), max_length=128)
    pin = models.CharField(_("mã PIN thiết bị (đã băm)"), max_length=128)
    pin_failures = models.PositiveSmallIntegerField(_("số lần nhập sai PIN liên tiếp"), default=0)
    pin_locked_at = models.DateTimeField(_("khoá PIN lúc"), null=True, blank=True)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("tài khoản ký số từ xa")
        verbose_name_plural = _("tài khoản ký số từ xa")

    def __str__(self) -> str:
        return f"{self.username} ({self.full_name})"

    @property
    def pin_locked(self) -> bool:
        return self.pin_locked_at is not None


class KeyStorage(models.TextChoices):
    ENCRYPTED = "encrypted", _("Mã hoá AES-GCM tại máy chủ")
    PKCS11 = "pkcs11", _("Thiết bị PKCS#11 (HSM)")


class Credential(models.Model):
    """A certificate with its chain and where its private key is kept."""

    credential_id = models.CharField(
        _("mã chứng thư số (credentialID)"),
        max_length=64,
        unique=True,
        default=new_credential_id,
        editable=False,
    )
    holder = models.ForeignKey(
        HolderAccount, on_delete=models.PROTECT, related_name="credentials", verbose_name=_("chủ")
    )
    description = models.CharField(_("mô tả"), max_length=255, blank=True)
    certificate_pem = models.TextField(_("chứng thư số (PEM)"))
    chain_pem = models.TextField(_("chứng thư số trung gian (PEM)"), blank=True)
    fingerprint_sha256 = models.CharField(_("dấu vân tay SHA-256"), max_length=64)
    subject_dn = models.CharField(_("chủ thể"), max_length=1000)
    issuer_dn = models.CharField(_("tổ chức cấp"), max_length=1000)
    serial_number = models.CharField(_("số sê-ri (hex)"), max_length=64)
    valid_from = models.DateTimeField(_("hiệu lực từ"))
    valid_to = models.DateTimeField(_("hiệu lực đến"))
    key_bits = models.PositiveIntegerField(_("độ dài khoá (bit)"))
    enabled = models.BooleanField(_("được dùng để ký"), default=True)
    key_storage = models.CharField(_("nơi giữ khoá"), max_length=10, choices=KeyStorage.choices)
    # KeyStorage.ENCRYPTED: nonce || AES-GCM(PKCS#8 DER), bound to credential_id.
    encrypted_key = models.BinaryField(_("khoá bí mật đã mã hoá"), null=True, blank=True)
    # KeyStorage.PKCS11: which module, token and CKA_ID; the token PIN encrypted like keys.
    pkcs11_module = models.CharField(_("thư viện PKCS#11"), max_length=500, blank=True)
    pkcs11_token_label = models.CharField(_("nhãn token"), max_length=64, blank=True)
    pkcs11_key_id = models.CharField(_("CKA_ID (hex)"), max_length=128, blank=True)
    encrypted_pkcs11_pin = models.BinaryField(_("PIN token đã mã hoá"), null=True, blank=True)
    key_encryption_key_id = models.CharField(_("mã khoá mã hoá"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        ordering = ["holder_id", "id"]
        verbose_name = _("chứng thư số ký từ xa")
        verbose_name_plural = _("chứng thư số ký từ xa")
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "fingerprint_sha256"], name="esign_credential_once_per_holder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.credential_id}: {self.subject_dn}"


class AccessToken(models.Model):
    """A bearer token of the CSC API; only its SHA-256 is kept."""

    holder = models.ForeignKey(HolderAccount, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("phiên truy cập API")
        verbose_name_plural = _("phiên truy cập API")

    def __str__(self) -> str:
        return f"token {self.token_hash[:8]}… of {self.holder_id}"


class SigningRequestStatus(models.TextChoices):
    PENDING = "pending", _("Chờ xác nhận")
    CONFIRMED = "confirmed", _("Đã xác nhận")
    USED = "used", _("Đã ký")
    DENIED = "denied", _("Bị từ chối")
    EXPIRED = "expired", _("Hết hạn")


SIGNING_REQUEST_TRANSITIONS = Transitions(
    "signing_request",
    {
        # Stays PENDING between confirmations 1 and 2; CONFIRMED after the last one.
        SigningRequestStatus.PENDING: [
            SigningRequestStatus.CONFIRMED,
            SigningRequestStatus.DENIED,
            SigningRequestStatus.EXPIRED,
        ],
        # A SAD not used within ESIGN_SAD_SECONDS lapses: the request expires unused.
        SigningRequestStatus.CONFIRMED: [SigningRequestStatus.USED, SigningRequestStatus.EXPIRED],
    },
)


class SigningRequest(models.Model):
    """One `credentials/authorize`: what the holder's device is asked to confirm."""

    public_id = models.UUIDField(_("mã yêu cầu"), default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey(
        HolderAccount, on_delete=models.PROTECT, related_name="signing_requests"
    )
    credential = models.ForeignKey(
        Credential, on_delete=models.PROTECT, related_name="signing_requests"
    )
    procedure_code = models.CharField(_("mã thủ tục"), max_length=30)
    procedure_name = models.CharField(_("tên thủ tục"), max_length=255)
    unit_name = models.CharField(_("tên đơn vị"), max_length=255)
    unit_tax_code = models.CharField(_("mã số thuế"), max_length=14, blank=True)
    description = models.CharField(_("mô tả"), max_length=500, blank=True)
    hashes = models.JSONField(_("giá trị băm (hex)"), default=list)
    hash_algorithm_oid = models.CharField(_("thuật toán băm (OID)"), max_length=64)
    required_confirmations = models.PositiveSmallIntegerField(_("số lần xác nhận cần"))
    confirmations_received = models.PositiveSmallIntegerField(_("số lần đã xác nhận"), default=0)
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=SigningRequestStatus.choices,
        default=SigningRequestStatus.PENDING,
    )
    created_at = models.DateTimeField(_("tạo lúc"))
    expires_at = models.DateTimeField(_("hạn xác nhận"))
    confirmed_at = models.DateTimeField(_("xác nhận xong lúc"), null=True, blank=True)
    closed_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    sad_hash = models.CharField(max_length=64, blank=True)
    sad_expires_at = models.DateTimeField(_("SAD hết hạn lúc"), null=True, blank=True)
    # A dossier is signed several times in a row (each form's Cky, then CKy_Dvi) but the
    # holder confirms once per dossier (seed 002): the later requests are continuations of
    # the confirmed first one, granted without the device. One continuation per request.
    chained_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="continuation",
        verbose_name=_("nối tiếp yêu cầu"),
    )
    chain_position = models.PositiveSmallIntegerField(
        _("thứ tự trong chuỗi ký của hồ sơ"), default=1
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("yêu cầu ký")
        verbose_name_plural = _("yêu cầu ký")
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["holder", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sad_hash"], condition=~Q(sad_hash=""), name="esign_sad_unique"
            ),
            models.CheckConstraint(
                condition=Q(confirmations_received__lte=models.F("required_confirmations")),
                name="esign_confirmations_within_required",
            ),
            # A request starts a chain and needs the device, or continues one and does not.
            models.CheckConstraint(
                condition=(
                    Q(chained_from__isnull=True, chain_position=1, required_confirmations__gte=1)
                    | Q(chained_from__isnull=False, chain_position__gt=1, required_confirmations=0)
                ),
                name="esign_chain_needs_no_device_only_when_chained",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.procedure_code} {self.status}"

    @property
    def sad_issued(self) -> bool:
        return bool(self.sad_hash)

    @property
    def is_continuation(self) -> bool:
        """Granted by the confirmation of an earlier request of the same dossier."""
        return self.chained_from_id is not None

    @property
    def next_confirmation(self) -> int:
        """Which confirmation the device asks for next (1-based)."""
        return min(self.confirmations_received + 1, self.required_confirmations)


class DeviceConfirmation(models.Model):
    """One act of confirming on the device; the unique sequence forbids double counting."""

    request = models.ForeignKey(
        SigningRequest, on_delete=models.CASCADE, related_name="confirmations"
    )
    sequence = models.PositiveSmallIntegerField(_("lần xác nhận"))
    confirmed_at = models.DateTimeField(_("xác nhận lúc"))
    user_agent = models.CharField(_("thiết bị"), max_length=255, blank=True)

    class Meta:
        ordering = ["request_id", "sequence"]
        verbose_name = _("lần xác nhận trên thiết bị")
        verbose_name_plural = _("lần xác nhận trên thiết bị")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "sequence"], name="esign_confirmation_sequence_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id} #{self.sequence}"
