"""What the I-VAN knows about its customers: companies, their people, structure and units.

A company (the customer account) has members with one role each, an organisation tree
(branches, subsidiaries, departments) and units: the entities that take part in BHXH and
file dossiers, each with its own MST, unit code, signature and e-service state. The agency
keeps its own registry; the I-VAN learns a unit's state only from the gateway's answers,
so `Unit.service_state` is the I-VAN's view of it, moved by services as answers arrive.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ebhxh.core.state_machine import Transitions
from ebhxh.reference.models import Province


class Role(models.TextChoices):
    ADMIN = "admin", _("Quản trị")
    PREPARER = "preparer", _("Lập hồ sơ")
    SIGNER = "signer", _("Ký nộp")


class Company(models.Model):
    """A customer of the I-VAN: the account its staff log in to."""

    name = models.CharField(_("tên công ty"), max_length=300)
    tax_code = models.CharField(_("mã số thuế"), max_length=14, unique=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tỉnh, thành phố"),
    )
    contact_email = models.EmailField(_("email liên hệ"), blank=True)
    contact_phone = models.CharField(_("điện thoại liên hệ"), max_length=15, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("công ty")
        verbose_name_plural = _("công ty")

    def __str__(self) -> str:
        return f"{self.name} ({self.tax_code})"


class Membership(models.Model):
    """A user's place in a company; one role per company (admin implies the others)."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("công ty")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ivan_memberships",
        verbose_name=_("người dùng"),
    )
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("tham gia lúc"), auto_now_add=True)

    class Meta:
        ordering = ["company__name", "user__username"]
        verbose_name = _("thành viên")
        verbose_name_plural = _("thành viên")
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="ivan_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company.tax_code}: {self.role}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Chờ chấp nhận")
    ACCEPTED = "accepted", _("Đã chấp nhận")
    REVOKED = "revoked", _("Đã huỷ")


INVITATION_TRANSITIONS = Transitions(
    "invitation",
    {InvitationStatus.PENDING: [InvitationStatus.ACCEPTED, InvitationStatus.REVOKED]},
)


class Invitation(models.Model):
    """An emailed link to join a company; only the token's SHA-256 is kept."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("công ty")
    )
    email = models.EmailField(_("email"))
    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("trạng thái"),
        max_length=16,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("người mời"),
    )
    created_at = models.DateTimeField(_("mời lúc"), auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người chấp nhận"),
    )
    accepted_at = models.DateTimeField(_("chấp nhận lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lời mời")
        verbose_name_plural = _("lời mời")

    def __str__(self) -> str:
        return f"{self.email} → {self.company.tax_code} ({self.status})"


class OrgNode(models.Model):
    """One node of the company's organisation tree (branch, subsidiary, department).

    The company itself is the implicit root: a node without a parent hangs under it.
    `code` is the company's own code for the node, the key of the import sheet.
    """

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="org_nodes", verbose_name=_("công ty")
    )
    code = models.CharField(_("mã"), max_length=50)
    name = models.CharField(_("tên"), max_length=300)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("đơn vị cha"),
    )
    tax_code = models.CharField(_("mã số thuế"), max_length=14, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=300, blank=True)
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tỉnh, thành phố"),
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("đơn vị trong cơ cấu tổ chức")
        verbose_name_plural = _("cơ cấu tổ chức")
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="ivan_orgnode_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class ServiceState(models.TextChoices):
    """The unit's e-service registration as this I-VAN knows it from the gateway."""

    NOT_REGISTERED = "not_registered", _("Chưa đăng ký")
    PENDING_ACTIVATION = "pending_activation", _("Chờ kích hoạt")
    PENDING_APPROVAL = "pending_approval", _("Chờ cơ quan BHXH duyệt")
    ACTIVE = "active", _("Đang sử dụng")
    REFUSED = "refused", _("Bị từ chối")
    STOPPED = "stopped", _("Đã ngừng")


# Registration (04/ĐK-IVAN) or a unit-code request (HSDKLanDau) is submitted from
# NOT_REGISTERED/REFUSED/STOPPED; the gateway may refuse at once (CE007, CE044). The emailed
# activation code (24 h) activates a registration, or passes a unit-code request to an
# officer (PENDING_APPROVAL), who approves (ACTIVE, with a change dossier to carry the new
# code) or refuses. An expired activation code leaves the unit where it started.
SERVICE_TRANSITIONS = Transitions(
    "unit_service",
    {
        ServiceState.NOT_REGISTERED: [ServiceState.PENDING_ACTIVATION, ServiceState.REFUSED],
        ServiceState.PENDING_ACTIVATION: [
            ServiceState.ACTIVE,
            ServiceState.PENDING_APPROVAL,
            ServiceState.REFUSED,
            ServiceState.NOT_REGISTERED,
        ],
        ServiceState.PENDING_APPROVAL: [ServiceState.ACTIVE, ServiceState.REFUSED],
        ServiceState.REFUSED: [ServiceState.PENDING_ACTIVATION, ServiceState.NOT_REGISTERED],
        ServiceState.ACTIVE: [ServiceState.STOPPED],
        ServiceState.STOPPED: [ServiceState.PENDING_ACTIVATION],
    },
)


class Unit(models.Model):
    """A unit (đơn vị) that takes part in BHXH: it has its own MST and, unless it joins for
    the first time, a unit code issued by BHXH."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="units", verbose_name=_("công ty")
    )
    org_node = models.ForeignKey(
        OrgNode,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("thuộc cơ cấu tổ chức"),
    )
    name = models.CharField(_("tên đơn vị"), max_length=300)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("tỉnh, thành phố")
    )
    tax_code = models.CharField(_("mã số thuế"), max_length=14)
    first_time = models.BooleanField(_("tham gia BHXH lần đầu"), default=False)
    unit_code = models.CharField(_("mã đơn vị"), max_length=15, blank=True)
    contact_email = models.EmailField(_("email nhận thông báo của BHXH"), blank=True)
    service_state = models.CharField(
        _("trạng thái dịch vụ"),
        max_length=24,
        choices=ServiceState.choices,
        default=ServiceState.NOT_REGISTERED,
    )
    service_state_changed_at = models.DateTimeField(_("đổi trạng thái lúc"), null=True, blank=True)
    refusal_code = models.CharField(_("mã lỗi từ chối"), max_length=6, blank=True)
    refusal_message = models.TextField(_("lý do từ chối"), blank=True)
    registered_fingerprint = models.CharField(
        _("chứng thư số đã đăng ký (SHA-256)"),
        max_length=64,
        blank=True,
        help_text=_("Chứng thư số ghi trong hồ sơ đăng ký/thay đổi đã được chấp nhận."),
    )
    change_dossier_required = models.BooleanField(
        _("cần nộp hồ sơ thay đổi (05/SD-IVAN)"), default=False
    )
    change_dossier_reason = models.CharField(_("lý do thay đổi"), max_length=300, blank=True)
    employees_fetched_at = models.DateTimeField(_("lấy lao động lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["company", "tax_code"], name="ivan_unit_tax_code"),
            # A unit that is not new to BHXH has the code BHXH gave it; a first-time unit
            # gets one later, after its request is approved.
            models.CheckConstraint(
                condition=Q(first_time=True) | ~Q(unit_code=""), name="ivan_unit_code_or_first"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.tax_code})"


class SigningMethod(models.TextChoices):
    TOKEN = "token", _("USB Token")
    REMOTE = "remote", _("Ký số từ xa")


class SignatureSetup(models.Model):
    """The certificate a unit signs its dossiers with, and how to reach its key.

    Only public material is kept: the certificate and, for remote signing, the provider
    address, the account name and the credential id. Never a PIN or a password; the
    provider's access token is used while listing certificates and then dropped.
    """

    unit = models.OneToOneField(
        Unit, on_delete=models.CASCADE, related_name="signature", verbose_name=_("đơn vị")
    )
    method = models.CharField(_("hình thức ký"), max_length=10, choices=SigningMethod.choices)
    certificate_pem = models.TextField(_("chứng thư số (PEM)"))
    chain_pem = models.TextField(_("chứng thư trung gian (PEM)"), blank=True)
    subject = models.CharField(_("chủ thể"), max_length=1000)
    common_name = models.CharField(_("tên chủ thể"), max_length=300)
    certificate_tax_code = models.CharField(_("MST trong chứng thư"), max_length=14)
    issuer = models.CharField(_("tổ chức cấp"), max_length=1000)
    serial_number = models.CharField(_("số hiệu"), max_length=64)
    fingerprint_sha256 = models.CharField(_("dấu vân tay SHA-256"), max_length=64)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    token_label = models.CharField(_("nhãn USB Token"), max_length=100, blank=True)
    token_certificate_id = models.CharField(
        _("ID chứng thư trên token"), max_length=128, blank=True
    )
    remote_provider_url = models.URLField(_("địa chỉ dịch vụ ký từ xa"), blank=True)
    remote_username = models.CharField(_("tài khoản ký từ xa"), max_length=150, blank=True)
    remote_credential_id = models.CharField(_("mã chứng thư ký từ xa"), max_length=200, blank=True)
    configured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("người thiết lập"),
    )
    configured_at = models.DateTimeField(_("thiết lập lúc"))

    class Meta:
        verbose_name = _("thiết lập chữ ký số")
        verbose_name_plural = _("thiết lập chữ ký số")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(method="token", remote_provider_url="", remote_credential_id="")
                    | (
                        Q(method="remote")
                        & ~Q(remote_provider_url="")
                        & ~Q(remote_username="")
                        & ~Q(remote_credential_id="")
                    )
                ),
                name="ivan_signature_method_fields",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.tax_code}: {self.method} {self.fingerprint_sha256[:12]}"
