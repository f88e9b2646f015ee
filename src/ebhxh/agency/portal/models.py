"""Portal accounts (organisations and individuals), their passwords, and the individual's
registration for e-transactions with Mẫu số 01 (seed 003).

One account per person (CCCD) and one per unit (unit code) is a database constraint, not a
check in code, so two requests racing each other cannot both win. Reset codes are stored
hashed; a leaked table gives no usable code.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ebhxh.agency.registrations.models import CodeStatus as CodeStatus  # re-exported
from ebhxh.agency.registrations.models import OneTimeCode
from ebhxh.core.state_machine import Transitions


class AccountKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Cá nhân")
    ORGANISATION = "organisation", _("Cơ quan, tổ chức")


class PortalAccount(models.Model):
    """The transaction account of a person or a unit. The Django username is the CCCD for a
    person and the unit code for a unit, so people log in with the number they know."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="portal_account",
        verbose_name=_("tài khoản đăng nhập"),
    )
    kind = models.CharField(_("loại tài khoản"), max_length=16, choices=AccountKind.choices)
    citizen_id = models.CharField(_("số CCCD"), max_length=12, unique=True, null=True, blank=True)
    unit_code = models.CharField(_("mã đơn vị"), max_length=15, unique=True, null=True, blank=True)
    full_name = models.CharField(_("họ tên / tên đơn vị"), max_length=300)
    phone = models.CharField(_("điện thoại di động"), max_length=20)
    email = models.EmailField(_("thư điện tử"), blank=True)
    password_changed_at = models.DateTimeField(_("đổi mật khẩu lần cuối"))
    must_change_password = models.BooleanField(
        _("phải đổi mật khẩu khi đăng nhập"),
        default=True,
        help_text=_("Bật khi mật khẩu do hệ thống cấp: người dùng đổi ngay lần đăng nhập đầu."),
    )
    created_at = models.DateTimeField(_("ngày cấp"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tài khoản giao dịch điện tử")
        verbose_name_plural = _("tài khoản giao dịch điện tử")
        constraints = [
            # A person's account names a CCCD and no unit; a unit's names a unit code only.
            models.CheckConstraint(
                condition=(
                    Q(kind="individual", citizen_id__isnull=False, unit_code__isnull=True)
                    | Q(kind="organisation", unit_code__isnull=False, citizen_id__isnull=True)
                ),
                name="portal_account_identifier_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} – {self.full_name}"

    @property
    def identifier(self) -> str:
        return self.citizen_id or self.unit_code or ""


class PasswordHistoryEntry(models.Model):
    """A password hash a user had, so a new password cannot repeat one of the last N."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="portal_password_history",
        verbose_name=_("tài khoản đăng nhập"),
    )
    password = models.CharField(_("mật khẩu (đã băm)"), max_length=128)
    created_at = models.DateTimeField(_("đặt lúc"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mật khẩu đã dùng")
        verbose_name_plural = _("mật khẩu đã dùng")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class ResetChannel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")


class ResetCodeStatus(models.TextChoices):
    ISSUED = "issued", _("Đã gửi, chờ dùng")
    USED = "used", _("Đã dùng")
    EXPIRED = "expired", _("Hết hạn")
    SUPERSEDED = "superseded", _("Đã thay bằng mã mới")
    LOCKED = "locked", _("Khoá do nhập sai nhiều lần")


RESET_CODE_TRANSITIONS = Transitions(
    "reset_code",
    {
        ResetCodeStatus.ISSUED: [
            ResetCodeStatus.USED,
            ResetCodeStatus.EXPIRED,
            ResetCodeStatus.SUPERSEDED,
            ResetCodeStatus.LOCKED,
        ],
    },
)


class PasswordResetCode(models.Model):
    """A one-time code sent by email or SMS to set a new password; only its hash is kept."""

    account = models.ForeignKey(
        PortalAccount,
        on_delete=models.CASCADE,
        related_name="reset_codes",
        verbose_name=_("tài khoản"),
    )
    channel = models.CharField(_("kênh gửi"), max_length=8, choices=ResetChannel.choices)
    code_hash = models.CharField(_("mã (đã băm)"), max_length=128)
    status = models.CharField(
        _("trạng thái"),
        max_length=12,
        choices=ResetCodeStatus.choices,
        default=ResetCodeStatus.ISSUED,
    )
    attempts = models.PositiveSmallIntegerField(_("số lần nhập sai"), default=0)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    used_at = models.DateTimeField(_("dùng lúc"), null=True, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mã đặt lại mật khẩu")
        verbose_name_plural = _("mã đặt lại mật khẩu")
        indexes = [models.Index(fields=["account", "status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.channel} {self.status}"


class RegistrationSequence(models.Model):
    """The last tracking number given in a year; the row is locked while a number is taken,
    so concurrent submissions never share or skip one."""

    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    last = models.PositiveIntegerField(_("số cuối"), default=0)

    class Meta:
        verbose_name = _("dãy số tờ khai")
        verbose_name_plural = _("dãy số tờ khai")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class RegistrationChannel(models.TextChoices):
    CERTIFICATE = "certificate", _("Có chứng thư số: ký số và nộp trực tuyến")
    RECEPTION = "reception", _("Không có chứng thư số: kê khai trực tuyến, nộp tại cơ quan BHXH")
    COUNTER = "counter", _("Tờ khai giấy nộp tại bộ phận một cửa")


class RegistrationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Đã nộp, đang kiểm tra")
    DECLARED = "declared", _("Chờ nộp tại cơ quan BHXH")
    RECEIVED = "received", _("Đã tiếp nhận, đang xử lý")
    ACCEPTED = "accepted", _("Đã chấp nhận")
    REFUSED = "refused", _("Không chấp nhận")
    CANCELLED = "cancelled", _("Đã tự động huỷ")


OPEN_STATUSES = (
    RegistrationStatus.SUBMITTED,
    RegistrationStatus.DECLARED,
    RegistrationStatus.RECEIVED,
)


@dataclass(frozen=True)
class Lifecycle:
    """Where a channel's registration starts and which moves it may make from there."""

    initial: RegistrationStatus
    transitions: Transitions


_S = RegistrationStatus
LIFECYCLES: dict[str, Lifecycle] = {
    # Signed online: decided automatically against the registry.
    RegistrationChannel.CERTIFICATE: Lifecycle(
        _S.SUBMITTED,
        Transitions("registration_certificate", {_S.SUBMITTED: [_S.ACCEPTED, _S.REFUSED]}),
    ),
    # Declared online: decided by the officer at the reception point when the person comes
    # with the ID paper, or cancelled by the system after 10 days.
    RegistrationChannel.RECEPTION: Lifecycle(
        _S.DECLARED,
        Transitions(
            "registration_reception", {_S.DECLARED: [_S.ACCEPTED, _S.REFUSED, _S.CANCELLED]}
        ),
    ),
    # Paper at the counter: entered by the officer, decided within 3 working days.
    RegistrationChannel.COUNTER: Lifecycle(
        _S.RECEIVED,
        Transitions("registration_counter", {_S.RECEIVED: [_S.ACCEPTED, _S.REFUSED]}),
    ),
}


class IndividualRegistration(models.Model):
    """One Mẫu số 01 declaration and what became of it."""

    public_id = models.UUIDField(_("mã tra cứu"), default=uuid.uuid4, unique=True, editable=False)
    tracking_number = models.CharField(_("số tờ khai"), max_length=20, unique=True)
    channel = models.CharField(_("hình thức"), max_length=12, choices=RegistrationChannel.choices)
    status = models.CharField(_("trạng thái"), max_length=12, choices=RegistrationStatus.choices)
    full_name = models.CharField(_("họ và tên"), max_length=200)
    birth_date = models.DateField(_("ngày sinh"))
    gender = models.CharField(
        _("giới tính"), max_length=8, choices=[("male", _("Nam")), ("female", _("Nữ"))]
    )
    citizen_id = models.CharField(_("số CCCD"), max_length=12, db_index=True)
    insurance_number = models.CharField(_("mã số BHXH"), max_length=10)
    phone = models.CharField(_("điện thoại di động"), max_length=20)
    email = models.EmailField(_("thư điện tử"), blank=True)
    address = models.CharField(_("địa chỉ"), max_length=400)
    reception_agency = models.ForeignKey(
        "reference.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nơi tiếp nhận"),
    )
    submitted_at = models.DateTimeField(_("nộp / xác nhận lúc"))
    # RECEPTION: the last day (Vietnam calendar) to present the ID paper; cancelled after it.
    present_by = models.DateField(_("hạn nộp tại cơ quan BHXH"), null=True, blank=True)
    # COUNTER: the day the paper was received and the last working day to decide it.
    received_on = models.DateField(_("ngày nhận hồ sơ giấy"), null=True, blank=True)
    due_on = models.DateField(_("hạn giải quyết"), null=True, blank=True)
    signed_xml = models.BinaryField(_("tờ khai đã ký (XML)"), null=True, blank=True)
    signer_fingerprint = models.CharField(_("dấu vân tay chứng thư"), max_length=64, blank=True)
    signer_name = models.CharField(_("người ký"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ nhập"),
    )
    decided_at = models.DateTimeField(_("quyết định lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ quyết định"),
    )
    reasons = models.JSONField(
        _("lý do không chấp nhận"),
        default=list,
        blank=True,
        help_text=_("Danh sách {code, field, message}."),
    )
    account = models.ForeignKey(
        PortalAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("tài khoản được cấp"),
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("tờ khai Mẫu số 01")
        verbose_name_plural = _("tờ khai Mẫu số 01")
        indexes = [
            models.Index(fields=["status", "present_by"], name="portal_reg_status_present"),
            models.Index(fields=["reception_agency", "channel", "status"], name="portal_reg_queue"),
        ]
        constraints = [
            # One declaration in progress per person: a second one would race the first to
            # the same account.
            models.UniqueConstraint(
                fields=["citizen_id"],
                condition=Q(status__in=["submitted", "declared", "received"]),
                name="portal_registration_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=(
                    Q(channel="certificate", status__in=["submitted", "accepted", "refused"])
                    | Q(
                        channel="reception",
                        status__in=["declared", "accepted", "refused", "cancelled"],
                        present_by__isnull=False,
                        reception_agency__isnull=False,
                    )
                    | Q(
                        channel="counter",
                        status__in=["received", "accepted", "refused"],
                        received_on__isnull=False,
                        due_on__isnull=False,
                        reception_agency__isnull=False,
                    )
                ),
                name="portal_registration_channel_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} – {self.full_name}"

    @property
    def lifecycle(self) -> Lifecycle:
        return LIFECYCLES[self.channel]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


# --- organisations: the transaction account of a unit (seed 001) ------------------------------


class OrganisationChannel(models.TextChoices):
    """How the unit's registration reached BHXH."""

    CERTIFICATE = "certificate", _("Ký số và nộp trực tuyến")
    PAPER = "paper", _("In tờ khai, nộp bản giấy tại cơ quan BHXH")


class TransactAt(models.TextChoices):
    """Where the unit will file its dossiers ("Đăng ký giao dịch tại")."""

    PORTAL = "portal", _("Cổng thông tin điện tử BHXH Việt Nam")
    IVAN = "ivan", _("Tổ chức I-VAN")


class OrganisationStatus(models.TextChoices):
    PENDING_ACTIVATION = "pending_activation", _("Chờ nhập mã xác nhận")
    DECLARED = "declared", _("Chờ nộp bản giấy tại cơ quan BHXH")
    COMPLETED = "completed", _("Đã cấp tài khoản")
    REFUSED = "refused", _("Không chấp nhận")
    CANCELLED = "cancelled", _("Đã hủy")


ORGANISATION_OPEN_STATUSES = (
    OrganisationStatus.PENDING_ACTIVATION,
    OrganisationStatus.DECLARED,
)

_O = OrganisationStatus
ORGANISATION_INITIAL: dict[str, OrganisationStatus] = {
    OrganisationChannel.CERTIFICATE: _O.PENDING_ACTIVATION,
    OrganisationChannel.PAPER: _O.DECLARED,
}
ORGANISATION_TRANSITIONS: dict[str, Transitions] = {
    # Signed online: the emailed code completes it; another provider activated first cancels it.
    OrganisationChannel.CERTIFICATE: Transitions(
        "organisation_certificate", {_O.PENDING_ACTIVATION: [_O.COMPLETED, _O.CANCELLED]}
    ),
    # Printed and handed in: the officer of the chosen BHXH cơ sở decides.
    OrganisationChannel.PAPER: Transitions(
        "organisation_paper", {_O.DECLARED: [_O.COMPLETED, _O.REFUSED]}
    ),
}


class OrganisationSequence(models.Model):
    """The last organisation tracking number of a year (`TC-YYYY-NNNNNNN`), locked while a
    number is taken."""

    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    last = models.PositiveIntegerField(_("số cuối"), default=0)

    class Meta:
        verbose_name = _("dãy số tờ khai tổ chức")
        verbose_name_plural = _("dãy số tờ khai tổ chức")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class OrganisationRegistration(models.Model):
    """One unit's request for a portal transaction account and what became of it."""

    public_id = models.UUIDField(_("mã tra cứu"), default=uuid.uuid4, unique=True, editable=False)
    tracking_number = models.CharField(_("số tờ khai"), max_length=20, unique=True)
    channel = models.CharField(_("hình thức"), max_length=12, choices=OrganisationChannel.choices)
    transact_at = models.CharField(
        _("đăng ký giao dịch tại"), max_length=8, choices=TransactAt.choices
    )
    status = models.CharField(_("trạng thái"), max_length=20, choices=OrganisationStatus.choices)
    unit = models.ForeignKey(
        "registry.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("đơn vị")
    )
    unit_code = models.CharField(_("mã đơn vị"), max_length=15, db_index=True)
    unit_name = models.CharField(_("tên cơ quan, tổ chức"), max_length=300)
    tax_code = models.CharField(_("mã số thuế"), max_length=14)
    address = models.CharField(_("địa chỉ liên hệ"), max_length=400)
    managing_agency = models.ForeignKey(
        "reference.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cơ quan BHXH quản lý"),
    )
    contact_name = models.CharField(_("người liên hệ"), max_length=200)
    phone = models.CharField(_("điện thoại di động"), max_length=20)
    email = models.EmailField(_("thư điện tử"))
    submitted_at = models.DateTimeField(_("nộp lúc"))
    signed_xml = models.BinaryField(_("tờ khai đã ký (XML)"), null=True, blank=True)
    signer_fingerprint = models.CharField(_("dấu vân tay chứng thư"), max_length=64, blank=True)
    signer_subject = models.CharField(_("chủ thể chứng thư"), max_length=1000, blank=True)
    eservice_registration = models.OneToOneField(
        "registrations.EserviceRegistration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("đăng ký giao dịch tại Cổng"),
    )
    decided_at = models.DateTimeField(_("hoàn tất / quyết định lúc"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cán bộ quyết định"),
    )
    reason = models.TextField(_("lý do không chấp nhận hoặc hủy"), blank=True)
    account = models.OneToOneField(
        PortalAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisation_registration",
        verbose_name=_("tài khoản được cấp"),
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("đăng ký tài khoản tổ chức")
        verbose_name_plural = _("đăng ký tài khoản tổ chức")
        indexes = [
            models.Index(fields=["managing_agency", "channel", "status"], name="portal_org_queue"),
        ]
        constraints = [
            # One request in progress per unit: two would race each other to the one account.
            models.UniqueConstraint(
                fields=["unit_code"],
                condition=Q(status__in=["pending_activation", "declared"]),
                name="portal_org_one_open_per_unit",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        channel="certificate",
                        status__in=["pending_activation", "completed", "cancelled"],
                        signed_xml__isnull=False,
                    )
                    | Q(channel="paper", status__in=["declared", "completed", "refused"])
                ),
                name="portal_org_channel_shape",
            ),
            # Transacting at the portal with a certificate makes an e-service registration
            # (the one-provider rule); through an I-VAN or on paper it does not.
            models.CheckConstraint(
                condition=Q(eservice_registration__isnull=True)
                | Q(channel="certificate", transact_at="portal"),
                name="portal_org_eservice_shape",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(account__isnull=False),
                name="portal_org_completed_has_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_number} – {self.unit_code}"

    @property
    def transitions(self) -> Transitions:
        return ORGANISATION_TRANSITIONS[self.channel]

    @property
    def is_open(self) -> bool:
        return self.status in ORGANISATION_OPEN_STATUSES


class OrganisationCode(OneTimeCode):
    """The emailed "mã xác nhận" of a signed organisation registration. The same machinery as
    `registrations.ActivationCode` (its code alphabet and keyed hash, statuses, transitions,
    24 h, single use, locked after 5 wrong tries); only the subject differs."""

    registration = models.ForeignKey(
        OrganisationRegistration,
        on_delete=models.CASCADE,
        related_name="codes",
        verbose_name=_("đăng ký tài khoản tổ chức"),
    )
    code_hash = models.CharField(_("mã băm của mã xác nhận"), max_length=64)

    class Meta(OneTimeCode.Meta):
        verbose_name = _("mã xác nhận đăng ký tổ chức")
        verbose_name_plural = _("mã xác nhận đăng ký tổ chức")
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(status="active"),
                name="portal_org_one_live_code",
            ),
        ]
