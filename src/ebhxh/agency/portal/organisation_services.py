"""Use cases of the organisation transaction account (seed 001): submit signed or on paper,
complete with the emailed code, officers accept or refuse the paper ones.

Where the unit transacts decides what else happens. "Cổng thông tin điện tử BHXH" makes a
portal e-service registration (`registrations.registration_submit(channel=PORTAL)`), so the
one-provider rule applies: a unit active with an I-VAN is refused CE007 at once, and once the
portal registration is active the unit's I-VAN registrations get CE044. "Tổ chức I-VAN"
opens only the account: the unit files its dossiers through its I-VAN (registered there with
04/ĐK-IVAN), and uses the portal account to look things up.

Each function is keyword-only, one transaction with its audit record; emails and SMS go
through the outbox. A refusal that must leave a trace (a wrong code counted) is decided in
the transaction and raised after it commits.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ebhxh.agency.portal import organisation_selectors as selectors
from ebhxh.agency.portal.errors import InvalidInput
from ebhxh.agency.portal.models import (
    AccountKind,
    OrganisationChannel,
    OrganisationCode,
    OrganisationRegistration,
    OrganisationSequence,
    OrganisationStatus,
    PortalAccount,
    TransactAt,
)
from ebhxh.agency.portal.organisation import (
    LOCATION,
    OrganisationApplication,
    read_organisation_xml,
)
from ebhxh.agency.portal.services import (
    _account_context,
    _account_create,
    _officer,
    officer_actor,
    refusal_reason,
)
from ebhxh.agency.portal.trust import certificate_checker
from ebhxh.agency.registrations import codes
from ebhxh.agency.registrations import services as registrations
from ebhxh.agency.registrations.certificates import CertificateInfo, require_unit_certificate
from ebhxh.agency.registrations.errors import RegistrationRefused
from ebhxh.agency.registrations.models import CODE_TRANSITIONS, Channel, CodeStatus
from ebhxh.agency.registry.models import Unit
from ebhxh.audit.services import audit_record
from ebhxh.core.errors import DomainError
from ebhxh.notifications.services import queue_email, queue_sms
from ebhxh.reference.models import Agency
from ebhxh.vntime import vietnam_date
from ebhxh.xmldsig import verify_xml

TRACKING_PREFIX = "TC"


def unit_actor(unit_code: str) -> str:
    """The audit actor for what a unit did on the public pages before having an account."""
    return f"unit:{unit_code}"


def _portal_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


# --- checks shared by both ways -------------------------------------------------------------


def organisation_check(*, application: OrganisationApplication) -> Unit:
    """The registry's view of the application: the chosen office is a BHXH cơ sở, the unit
    exists, that office manages it, and it has neither an account nor a request in progress.
    Runs at step 1 (the form) and again in every use case."""
    agency = (
        Agency.objects.filter(
            code=application.agency_code, level=Agency.Level.LOCAL, is_active=True
        )
        .select_related("province")
        .first()
    )
    if agency is None:
        raise InvalidInput.one(
            "agency_code",
            "ORG_AGENCY",
            _("Chọn cơ quan BHXH quản lý trực tiếp đơn vị (BHXH cơ sở) trong danh sách."),
        )
    unit = (
        Unit.objects.select_related("managing_agency")
        .filter(unit_code=application.unit_code)
        .first()
    )
    if unit is None:
        raise InvalidInput.one(
            "unit_code",
            "ORG_UNIT_UNKNOWN",
            _(
                "Không có đơn vị mã %(code)s trong dữ liệu BHXH. Kiểm tra lại mã số BHXH của "
                "đơn vị; đơn vị chưa có mã cần đăng ký tham gia lần đầu."
            )
            % {"code": application.unit_code},
        )
    if unit.managing_agency_id != agency.pk:
        raise InvalidInput.one(
            "agency_code",
            "ORG_UNIT_OTHER_AGENCY",
            _(
                "Đơn vị %(code)s do %(managing)s quản lý, không phải %(chosen)s. Chọn đúng cơ "
                "quan BHXH quản lý trực tiếp đơn vị."
            )
            % {
                "code": unit.unit_code,
                "managing": unit.managing_agency.name,
                "chosen": agency.name,
            },
        )
    _require_no_account_or_open(unit.unit_code)
    return unit


def _require_no_account_or_open(unit_code: str) -> None:
    if PortalAccount.objects.filter(unit_code=unit_code).exists():
        raise DomainError(
            _(
                "Đơn vị %(code)s đã có tài khoản giao dịch điện tử. Hãy đăng nhập bằng mã đơn "
                "vị, hoặc dùng “Quên mật khẩu” nếu không nhớ mật khẩu."
            )
            % {"code": unit_code},
            code="PORTAL_ACCOUNT_EXISTS",
            field="unit_code",
        )
    open_one = selectors.open_registration_for(unit_code)
    if open_one is not None:
        raise _open_exists(open_one)


def _open_exists(open_one: OrganisationRegistration | None) -> DomainError:
    if open_one is not None and open_one.status == OrganisationStatus.PENDING_ACTIVATION:
        message = _(
            "Đơn vị đang có tờ khai %(number)s chờ nhập mã xác nhận đã gửi tới %(email)s. "
            "Nhập mã theo hướng dẫn trong thư, hoặc bấm “Gửi lại mã xác nhận” ở trang đó."
        ) % {"number": open_one.tracking_number, "email": open_one.email}
    elif open_one is not None:
        message = _(
            "Đơn vị đang có tờ khai %(number)s chờ nộp bản giấy tại %(agency)s; không nộp "
            "thêm tờ khai khác."
        ) % {"number": open_one.tracking_number, "agency": open_one.managing_agency.name}
    else:
        message = _("Đơn vị đang có một tờ khai đăng ký tài khoản chờ xử lý.")
    return DomainError(message, code="PORTAL_ORG_REGISTRATION_OPEN", field="unit_code")


def _next_tracking_number(now: datetime) -> str:
    """`TC-YYYY-NNNNNNN`, from a row locked for the rest of the transaction."""
    year = vietnam_date(now).year
    OrganisationSequence.objects.get_or_create(year=year)
    sequence = OrganisationSequence.objects.select_for_update().get(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{TRACKING_PREFIX}-{year}-{sequence.last:07d}"


def _create(
    *, application: OrganisationApplication, unit: Unit, now: datetime, **fields: Any
) -> OrganisationRegistration:
    try:
        with transaction.atomic():
            return OrganisationRegistration.objects.create(
                tracking_number=_next_tracking_number(now),
                transact_at=application.transact_at,
                unit=unit,
                unit_code=unit.unit_code,
                unit_name=application.unit_name,
                tax_code=unit.tax_code,
                address=application.address,
                managing_agency=unit.managing_agency,
                contact_name=application.contact_name,
                phone=application.phone,
                email=application.email,
                submitted_at=now,
                **fields,
            )
    except IntegrityError:
        # Another request for the same unit committed first (the one-open constraint).
        raise _open_exists(selectors.open_registration_for(unit.unit_code)) from None


# --- with a certificate ---------------------------------------------------------------------


def organisation_submit_signed(*, signed_xml: bytes) -> OrganisationRegistration:
    """Receive the form the unit signed (seed 001, steps 18-24) and email the code.

    The signature and chain are checked first (SIG*/CRT* store nothing), the application is
    read from the signed content only, the certificate must carry the registry's MST of the
    unit (IDN001). "Cổng thông tin" registers the unit at the portal now, so CE007 answers
    at once when an I-VAN holds the unit; the registration stays pending until the code.
    """
    now = timezone.now()
    verified = verify_xml(signed_xml, checker=certificate_checker(), location=LOCATION, at=now)
    application = read_organisation_xml(verified.root)
    certificate = CertificateInfo.of(verified.validated.certificate)
    with transaction.atomic():
        unit = organisation_check(application=application)
        require_unit_certificate(certificate, unit.tax_code, xpath="")
        actor = unit_actor(unit.unit_code)
        eservice = None
        if application.transact_at == TransactAt.PORTAL:
            eservice = registrations.registration_submit(
                unit_code=unit.unit_code,
                channel=Channel.PORTAL,
                ivan=None,
                dossier=None,
                contact=registrations.Contact(
                    name=application.contact_name, email=application.email, phone=application.phone
                ),
                certificate=certificate,
                actor=actor,
                send_code=False,
            )
        registration = _create(
            application=application,
            unit=unit,
            now=now,
            channel=OrganisationChannel.CERTIFICATE,
            status=OrganisationStatus.PENDING_ACTIVATION,
            signed_xml=signed_xml,
            signer_fingerprint=certificate.fingerprint,
            signer_subject=certificate.subject,
            eservice_registration=eservice,
        )
        row, code = _issue_code(registration, now)
        audit_record(
            actor=actor,
            action="portal.organisation_submitted",
            target=registration,
            data={
                "tracking_number": registration.tracking_number,
                "transact_at": registration.transact_at,
                "sha256": verified.received_sha256,
                "signer": certificate.subject,
                "fingerprint_sha256": certificate.fingerprint,
                "eservice_registration": eservice.pk if eservice else None,
                "code_expires_at": row.expires_at.isoformat(),
            },
        )
        _email_code(registration, row, code)
    return registration


def _ttl() -> timedelta:
    return timedelta(seconds=settings.REGISTRATION_ACTIVATION_TTL_SECONDS)


def _issue_code(
    registration: OrganisationRegistration, now: datetime
) -> tuple[OrganisationCode, str]:
    """A new code; the live one, if any, stops working (one live code per registration)."""
    for old in registration.codes.select_for_update().filter(status=CodeStatus.ACTIVE):
        CODE_TRANSITIONS.check(old.status, CodeStatus.VOIDED)
        old.status = CodeStatus.VOIDED
        old.save(update_fields=["status"])
    code = codes.new_code()
    salt = codes.new_salt()
    row = OrganisationCode.objects.create(
        registration=registration,
        salt=salt,
        code_hash=codes.digest(code, salt),
        created_at=now,
        expires_at=now + _ttl(),
    )
    return row, code


def _email_code(registration: OrganisationRegistration, row: OrganisationCode, code: str) -> None:
    queue_email(
        to=registration.email,
        template="portal_organisation_code",
        context={
            "registration": registration,
            "code": codes.display(code),
            "expires_at": row.expires_at,
            "ttl_hours": settings.REGISTRATION_ACTIVATION_TTL_SECONDS // 3600,
            "max_attempts": settings.REGISTRATION_ACTIVATION_MAX_ATTEMPTS,
            "activation_url": _portal_url(selectors.activation_path(registration)),
        },
        related=registration,
        secret=True,
    )


def _refusal_for_ended(registration: OrganisationRegistration) -> RegistrationRefused:
    if registration.status == OrganisationStatus.COMPLETED:
        return RegistrationRefused(
            "REG006", "Tài khoản đã được cấp; kiểm tra thư điện tử.", field="code"
        )
    return RegistrationRefused("REG005", registration.reason, field="code")


def _locked(public_id: uuid.UUID | str) -> OrganisationRegistration:
    registration = (
        OrganisationRegistration.objects.select_for_update(of=("self",))
        .select_related("eservice_registration")
        .filter(public_id=public_id, channel=OrganisationChannel.CERTIFICATE)
        .first()
    )
    if registration is None:
        raise DomainError(
            _("Không tìm thấy tờ khai đăng ký này. Dùng đường dẫn trong thư điện tử."),
            code="PORTAL_ORG_NOT_FOUND",
        )
    return registration


def organisation_activate(*, public_id: uuid.UUID | str, code: str) -> OrganisationRegistration:
    """ "Mã xác nhận" → "Hoàn tất thủ tục" (seed 001, steps 25-29): the code proves the
    contact's mailbox; the portal registration (if chosen) becomes active under the
    one-provider rule and the account is opened, its username and password emailed.

    Wrong code: REG004 (counted, REG007 once locked), expired or replaced REG005, used REG006.
    Another provider activated first: CE007/CE044, and this request is cancelled.
    """
    now = timezone.now()
    refusal: DomainError | None = None
    with transaction.atomic():
        registration = _locked(public_id)
        if registration.status != OrganisationStatus.PENDING_ACTIVATION:
            raise _refusal_for_ended(registration)
        actor = unit_actor(registration.unit_code)
        row = registration.codes.select_for_update().order_by("-created_at", "-pk").first()
        refusal = codes.check_entered(
            row,
            code,
            now=now,
            actor=actor,
            wrong_action="portal.organisation_code_wrong",
            audit_target=lambda row: row.registration,
        )
        if refusal is None and registration.eservice_registration is not None:
            try:
                registrations.registration_activate_confirmed(
                    registration=registration.eservice_registration, actor=actor
                )
            except RegistrationRefused as conflict:
                conflict.field = "code"
                refusal = conflict
                _cancel(registration, reason=conflict.full_message(), actor=actor, now=now)
        if refusal is None:
            _complete(registration, actor=actor, decided_by=None, now=now)
    if refusal is not None:
        raise refusal
    return registration


def _cancel(
    registration: OrganisationRegistration, *, reason: str, actor: str, now: datetime
) -> None:
    registration.transitions.check(registration.status, OrganisationStatus.CANCELLED)
    registration.status = OrganisationStatus.CANCELLED
    registration.reason = reason
    registration.decided_at = now
    registration.save(update_fields=["status", "reason", "decided_at"])
    for row in registration.codes.filter(status=CodeStatus.ACTIVE):
        CODE_TRANSITIONS.check(row.status, CodeStatus.VOIDED)
        row.status = CodeStatus.VOIDED
        row.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="portal.organisation_cancelled",
        target=registration,
        data={"tracking_number": registration.tracking_number, "reason": reason},
    )


def _complete(
    registration: OrganisationRegistration, *, actor: str, decided_by: Any, now: datetime
) -> None:
    """Open the unit's account (username = unit code, generated password to change at the
    first login) and email and SMS it. A second account for the unit is refused by the
    database whoever gets there first, and the caller's transaction rolls back whole."""
    registration.transitions.check(registration.status, OrganisationStatus.COMPLETED)
    new = _account_create(
        kind=AccountKind.ORGANISATION,
        full_name=registration.unit_name,
        phone=registration.phone,
        email=registration.email,
        citizen_id=None,
        unit_code=registration.unit_code,
        now=now,
    )
    registration.status = OrganisationStatus.COMPLETED
    registration.account = new.account
    registration.decided_at = now
    registration.decided_by = decided_by
    registration.save(update_fields=["status", "account", "decided_at", "decided_by"])
    audit_record(
        actor=actor,
        action="portal.account_opened",
        target=new.account,
        data={"kind": AccountKind.ORGANISATION, "username": registration.unit_code},
    )
    audit_record(
        actor=actor,
        action="portal.organisation_completed",
        target=registration,
        data={"tracking_number": registration.tracking_number, "account": new.account.pk},
    )
    context = {**_account_context(new), "registration": registration}
    queue_email(
        to=registration.email,
        template="portal_organisation_account",
        context=context,
        related=registration,
        secret=True,
    )
    queue_sms(
        to=registration.phone,
        template="portal_account_opened",
        context=context,
        related=registration,
        secret=True,
    )


def organisation_code_resend(*, public_id: uuid.UUID | str) -> OrganisationCode:
    """A new code by email; the previous one stops working at once (a new 24 h)."""
    now = timezone.now()
    with transaction.atomic():
        registration = _locked(public_id)
        if registration.status != OrganisationStatus.PENDING_ACTIVATION:
            raise _refusal_for_ended(registration)
        row, code = _issue_code(registration, now)
        audit_record(
            actor=unit_actor(registration.unit_code),
            action="portal.organisation_code_resent",
            target=registration,
            data={"code_expires_at": row.expires_at.isoformat()},
        )
        _email_code(registration, row, code)
    return row


# --- without a certificate: printed, handed in, decided by an officer -----------------------


def organisation_declare(*, application: OrganisationApplication) -> OrganisationRegistration:
    """The unit prints the form to hand in at its BHXH cơ sở (seed 001, step 15)."""
    now = timezone.now()
    with transaction.atomic():
        unit = organisation_check(application=application)
        registration = _create(
            application=application,
            unit=unit,
            now=now,
            channel=OrganisationChannel.PAPER,
            status=OrganisationStatus.DECLARED,
        )
        audit_record(
            actor=unit_actor(unit.unit_code),
            action="portal.organisation_declared",
            target=registration,
            data={
                "tracking_number": registration.tracking_number,
                "managing_agency": unit.managing_agency.code,
                "transact_at": registration.transact_at,
            },
        )
    return registration


def _locked_for_officer(officer_user: Any, registration_id: int) -> OrganisationRegistration:
    officer = _officer(officer_user)
    registration = (
        OrganisationRegistration.objects.select_for_update(of=("self",))
        .select_related("managing_agency")
        .get(pk=registration_id)
    )
    if not selectors.in_scope(officer, registration):
        raise DomainError(
            _("Tờ khai này thuộc cơ quan BHXH khác; cán bộ không xử lý được."),
            code="PORTAL_OUT_OF_SCOPE",
        )
    if registration.channel != OrganisationChannel.PAPER:
        raise DomainError(
            _("Tờ khai ký số được hoàn tất bằng mã xác nhận gửi tới đơn vị."),
            code="PORTAL_AUTOMATIC_ONLY",
        )
    if not registration.is_open:
        raise DomainError(
            _("Tờ khai %(number)s đã được xử lý (%(status)s).")
            % {"number": registration.tracking_number, "status": registration.get_status_display()},
            code="PORTAL_ALREADY_DECIDED",
        )
    return registration


def organisation_accept(*, officer_user: Any, registration_id: int) -> OrganisationRegistration:
    """The officer has the signed paper form and accepts it: the account is opened and its
    username and password emailed (and sent by SMS)."""
    now = timezone.now()
    with transaction.atomic():
        registration = _locked_for_officer(officer_user, registration_id)
        _complete(registration, actor=officer_actor(officer_user), decided_by=officer_user, now=now)
    return registration


def organisation_refuse(
    *, officer_user: Any, registration_id: int, reason: str
) -> OrganisationRegistration:
    """The officer refuses with a reason the unit can act on; emailed to the contact."""
    now = timezone.now()
    text = refusal_reason(
        reason,
        hint=_(
            "Ghi rõ lý do không chấp nhận (ít nhất %(count)d ký tự) để đơn vị biết cần bổ sung gì."
        ),
    )
    with transaction.atomic():
        registration = _locked_for_officer(officer_user, registration_id)
        registration.transitions.check(registration.status, OrganisationStatus.REFUSED)
        registration.status = OrganisationStatus.REFUSED
        registration.reason = text
        registration.decided_at = now
        registration.decided_by = officer_user
        registration.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        audit_record(
            actor=officer_actor(officer_user),
            action="portal.organisation_refused",
            target=registration,
            data={"tracking_number": registration.tracking_number, "reason": text},
        )
        queue_email(
            to=registration.email,
            template="portal_organisation_refused",
            context={
                "registration": registration,
                "hotline": settings.PORTAL_HOTLINE,
                "register_url": _portal_url(selectors.start_path()),
            },
            related=registration,
        )
    return registration
