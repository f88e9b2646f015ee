"""Use cases of the public portal (DESIGN.md §6): accounts, passwords, Mẫu 01 registrations.

Each function is keyword-only, runs in one transaction and writes its audit record there;
emails and SMS go through the outbox (`queue_email`/`queue_sms` commit with the change and
leave after it), tasks start after commit. A refusal that must leave a trace (a wrong reset
code counted) is decided inside the transaction and raised after it commits.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db import DatabaseBackend

from ebhxh.agency.portal import selectors
from ebhxh.agency.portal.auth import normalise_username
from ebhxh.agency.portal.declaration import Declaration
from ebhxh.agency.portal.errors import FieldError, InvalidInput
from ebhxh.agency.portal.mau01 import LOCATION, read_mau01
from ebhxh.agency.portal.models import (
    RESET_CODE_TRANSITIONS,
    AccountKind,
    IndividualRegistration,
    PasswordHistoryEntry,
    PasswordResetCode,
    PortalAccount,
    RegistrationChannel,
    RegistrationSequence,
    RegistrationStatus,
    ResetChannel,
    ResetCodeStatus,
)
from ebhxh.agency.portal.passwords import (
    generate_password,
    hash_generated_password,
    validate_portal_password,
)
from ebhxh.agency.portal.trust import certificate_checker
from ebhxh.agency.registry.models import Officer
from ebhxh.audit.services import SYSTEM_ACTOR, audit_record
from ebhxh.core.errors import DomainError
from ebhxh.identifiers import IdentifierError, parse_citizen_id, parse_phone, parse_unit_code
from ebhxh.notifications.services import queue_email, queue_sms
from ebhxh.pki.errors import CertificateError, RejectionError
from ebhxh.pki.identity import require_citizen_id
from ebhxh.reference.calendar import deadline
from ebhxh.reference.models import Agency
from ebhxh.vntime import vietnam_date
from ebhxh.xmldsig import verify_xml

TRACKING_PREFIX = "M01"


def declarant_actor(citizen_id: str) -> str:
    """The audit actor for something a person did on the public pages before having an
    account: the CCCD they declared (the signature, when there is one, proves it)."""
    return f"declarant:{citizen_id}"


def portal_url(name: str, *args: Any) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(name, args=args)


def _notify(
    *,
    phone: str,
    email: str,
    template: str,
    context: dict[str, Any],
    related: Any,
    secret: bool = False,
) -> None:
    """Email when there is an address (seed 003: 'nếu có'), SMS always. `secret`: the
    messages carry a password, erased from the outbox once sent."""
    if email:
        queue_email(to=email, template=template, context=context, related=related, secret=secret)
    queue_sms(to=phone, template=template, context=context, related=related, secret=secret)


# --- accounts --------------------------------------------------------------------------------


def _record_password(user: Any, now: datetime) -> None:
    """Keep the new hash in the history and drop what is older than the rule needs."""
    PasswordHistoryEntry.objects.create(user=user, password=user.password, created_at=now)
    keep = list(
        PasswordHistoryEntry.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)[: settings.PORTAL_PASSWORD_HISTORY]
    )
    PasswordHistoryEntry.objects.filter(user=user).exclude(pk__in=keep).delete()


@dataclass(frozen=True)
class _NewAccount:
    account: PortalAccount
    password: str


def _account_create(
    *,
    kind: AccountKind,
    full_name: str,
    phone: str,
    email: str,
    citizen_id: str | None,
    unit_code: str | None,
    now: datetime,
) -> _NewAccount:
    """User + PortalAccount with a generated password to change at first login. Runs in the
    caller's transaction; a second account for the same person or unit is refused by the
    database's unique constraints, whoever gets there first."""
    username = citizen_id if kind == AccountKind.INDIVIDUAL else unit_code
    if not username:
        raise InvalidInput.one(
            "identifier", "PORTAL_IDENTIFIER_MISSING", _("Thiếu số CCCD hoặc mã đơn vị.")
        )
    password = generate_password()
    User = get_user_model()
    exists = (
        _("Số CCCD này đã có tài khoản giao dịch điện tử.")
        if citizen_id
        else _("Đơn vị này đã có tài khoản giao dịch điện tử.")
    )
    try:
        with transaction.atomic():
            if User.objects.filter(username=username).exists():
                raise IntegrityError(username)
            user = User(username=username, email=email, first_name=full_name[:150])
            user.password = hash_generated_password(password)
            user.save()
            account = PortalAccount.objects.create(
                user=user,
                kind=kind,
                citizen_id=citizen_id,
                unit_code=unit_code,
                full_name=full_name,
                phone=phone,
                email=email,
                password_changed_at=now,
                must_change_password=True,
            )
    except IntegrityError:
        raise DomainError(exists, code="PORTAL_ACCOUNT_EXISTS", field="citizen_id") from None
    _record_password(user, now)
    return _NewAccount(account, password)


def _account_context(new: _NewAccount) -> dict[str, Any]:
    return {
        "account": new.account,
        "username": new.account.user.get_username(),
        "password": new.password,
        "login_url": portal_url("portal:login"),
        "max_age_months": settings.PORTAL_PASSWORD_MAX_AGE_MONTHS,
    }


def account_open(
    *,
    actor: str,
    kind: AccountKind,
    full_name: str,
    phone: str,
    email: str = "",
    citizen_id: str | None = None,
    unit_code: str | None = None,
) -> PortalAccount:
    """Open an account for a person or a unit whose registration was approved elsewhere
    (an organisation's seed-001 flow calls this): username = CCCD or unit code, a generated
    password by email and SMS, to be changed at first login."""
    errors: dict[str, list[FieldError]] = {}
    try:
        phone = parse_phone(phone).national
    except IdentifierError as error:
        errors["phone"] = [FieldError(error.code, error.message)]
    if kind == AccountKind.INDIVIDUAL:
        unit_code = None
        try:
            citizen_id = parse_citizen_id(citizen_id or "").value
        except IdentifierError as error:
            errors["citizen_id"] = [FieldError(error.code, error.message)]
    else:
        citizen_id = None
        try:
            unit_code = parse_unit_code(unit_code or "").value
        except IdentifierError as error:
            errors["unit_code"] = [FieldError(error.code, error.message)]
    if errors:
        raise InvalidInput(errors)
    now = timezone.now()
    with transaction.atomic():
        new = _account_create(
            kind=kind,
            full_name=full_name.strip(),
            phone=phone,
            email=email.strip().lower(),
            citizen_id=citizen_id,
            unit_code=unit_code,
            now=now,
        )
        audit_record(
            actor=actor,
            action="portal.account_opened",
            target=new.account,
            data={"kind": kind, "username": new.account.user.get_username()},
        )
        _notify(
            phone=new.account.phone,
            email=new.account.email,
            template="portal_account_opened",
            secret=True,
            context=_account_context(new),
            related=new.account,
        )
    return new.account


# --- passwords -------------------------------------------------------------------------------


def _password_errors(password: str, user: Any, field: str) -> InvalidInput | None:
    try:
        validate_portal_password(password, user)
    except ValidationError as error:
        return InvalidInput(
            {
                field: [
                    FieldError(e.code or "password_invalid", " ".join(e.messages))
                    for e in error.error_list
                ]
            }
        )
    return None


def _password_set(account: PortalAccount, password: str, now: datetime) -> None:
    user = account.user
    user.set_password(password)
    user.save(update_fields=["password"])
    _record_password(user, now)
    account.password_changed_at = now
    account.must_change_password = False
    account.save(update_fields=["password_changed_at", "must_change_password"])


def _password_changed_notice(account: PortalAccount, now: datetime, how: str) -> None:
    _notify(
        phone=account.phone,
        email=account.email,
        template="portal_password_changed",
        context={"account": account, "changed_at": now, "how": how},
        related=account,
    )


def password_change(
    *, actor: str, user: Any, old_password: str, new_password: str
) -> PortalAccount:
    """The holder chooses a new password (first login, every 6 months, or at will)."""
    now = timezone.now()
    with transaction.atomic():
        account = PortalAccount.objects.select_for_update().select_related("user").get(user=user)
        if not account.user.check_password(old_password):
            raise InvalidInput.one(
                "old_password", "PASSWORD_OLD_INCORRECT", _("Mật khẩu hiện tại không đúng.")
            )
        invalid = _password_errors(new_password, account.user, "new_password")
        if invalid is not None:
            raise invalid
        _password_set(account, new_password, now)
        audit_record(actor=actor, action="portal.password_changed", target=account)
        _password_changed_notice(account, now, "change")
    return account


def _reset_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def password_reset_request(*, username: str, channel: str) -> None:
    """Send a one-time code by email or SMS. Says nothing about whether the account exists
    (the page shows the same answer either way), and sends at most
    `PORTAL_PASSWORD_RESET_MAX_PER_HOUR` codes an hour to one account."""
    now = timezone.now()
    if channel not in ResetChannel.values:
        raise InvalidInput.one(
            "channel", "RESET_CHANNEL", _("Chọn nhận mã qua thư điện tử hoặc SMS.")
        )
    with transaction.atomic():
        account = (
            PortalAccount.objects.select_for_update()
            .select_related("user")
            .filter(user__username=normalise_username(username), user__is_active=True)
            .first()
        )
        if account is None:
            return
        if channel == ResetChannel.EMAIL and not account.email:
            audit_record(
                actor=SYSTEM_ACTOR, action="portal.password_reset_no_email", target=account
            )
            return
        recent = account.reset_codes.filter(created_at__gte=now - timedelta(hours=1)).count()
        if recent >= settings.PORTAL_PASSWORD_RESET_MAX_PER_HOUR:
            audit_record(
                actor=SYSTEM_ACTOR, action="portal.password_reset_throttled", target=account
            )
            return
        for old in account.reset_codes.filter(status=ResetCodeStatus.ISSUED):
            RESET_CODE_TRANSITIONS.check(old.status, ResetCodeStatus.SUPERSEDED)
            old.status = ResetCodeStatus.SUPERSEDED
            old.save(update_fields=["status"])
        code = _reset_code()
        record = PasswordResetCode.objects.create(
            account=account,
            channel=channel,
            code_hash=make_password(code),
            expires_at=now + timedelta(minutes=settings.PORTAL_PASSWORD_RESET_MINUTES),
            created_at=now,
        )
        audit_record(
            actor=SYSTEM_ACTOR,
            action="portal.password_reset_requested",
            target=account,
            data={"channel": channel, "code_id": record.pk},
        )
        context = {
            "account": account,
            "code": code,
            "minutes": settings.PORTAL_PASSWORD_RESET_MINUTES,
            "reset_url": portal_url("portal:password_reset_complete")
            + f"?tai-khoan={account.user.get_username()}",
        }
        if channel == ResetChannel.EMAIL:
            queue_email(
                to=account.email,
                template="portal_password_reset",
                context=context,
                related=account,
                secret=True,
            )
        else:
            queue_sms(
                to=account.phone,
                template="portal_password_reset",
                context=context,
                related=account,
                secret=True,
            )


_CODE_WRONG = "PASSWORD_RESET_CODE_INVALID"


def password_reset_complete(*, username: str, code: str, new_password: str) -> PortalAccount:
    """Set a new password with the code: valid `PORTAL_PASSWORD_RESET_MINUTES`, usable once,
    `PORTAL_PASSWORD_RESET_MAX_ATTEMPTS` wrong tries and it is locked. A reset also lifts a
    login lockout of that username: the code proves the person holds the phone or mailbox."""
    now = timezone.now()
    wrong = InvalidInput.one(
        "code",
        _CODE_WRONG,
        _("Mã xác nhận không đúng hoặc đã hết hạn. Kiểm tra lại, hoặc yêu cầu mã mới."),
    )
    refusal: InvalidInput | None = None
    with transaction.atomic():
        account = (
            PortalAccount.objects.select_for_update()
            .select_related("user")
            .filter(user__username=normalise_username(username), user__is_active=True)
            .first()
        )
        record = (
            account.reset_codes.select_for_update().filter(status=ResetCodeStatus.ISSUED).first()
            if account is not None
            else None
        )
        if account is None or record is None:
            raise wrong
        if record.expires_at <= now:
            _move_code(record, ResetCodeStatus.EXPIRED)
            refusal = InvalidInput.one(
                "code",
                "PASSWORD_RESET_CODE_EXPIRED",
                _(
                    "Mã xác nhận đã hết hạn (mã có giá trị %(minutes)d phút). "
                    "Vui lòng yêu cầu mã mới."
                )
                % {"minutes": settings.PORTAL_PASSWORD_RESET_MINUTES},
            )
        elif not check_password("".join(code.split()), record.code_hash):
            record.attempts += 1
            record.save(update_fields=["attempts"])
            refusal = wrong
            if record.attempts >= settings.PORTAL_PASSWORD_RESET_MAX_ATTEMPTS:
                _move_code(record, ResetCodeStatus.LOCKED)
                refusal = InvalidInput.one(
                    "code",
                    "PASSWORD_RESET_CODE_LOCKED",
                    _(
                        "Đã nhập sai mã quá %(count)d lần; mã này không dùng được nữa. "
                        "Vui lòng yêu cầu mã mới."
                    )
                    % {"count": settings.PORTAL_PASSWORD_RESET_MAX_ATTEMPTS},
                )
            audit_record(
                actor=SYSTEM_ACTOR,
                action="portal.password_reset_code_wrong",
                target=account,
                data={"code_id": record.pk, "attempts": record.attempts},
            )
        else:
            invalid = _password_errors(new_password, account.user, "new_password")
            if invalid is not None:
                raise invalid  # the code stays usable: the person only picks another password
            _move_code(record, ResetCodeStatus.USED)
            record.used_at = now
            record.save(update_fields=["used_at"])
            _password_set(account, new_password, now)
            audit_record(
                actor=SYSTEM_ACTOR,
                action="portal.password_reset",
                target=account,
                data={"code_id": record.pk, "channel": record.channel},
            )
            _password_changed_notice(account, now, "reset")
            _unlock_logins(account.user.get_username())
    if refusal is not None:
        raise refusal
    assert account is not None
    return account


def _move_code(record: PasswordResetCode, status: ResetCodeStatus) -> None:
    RESET_CODE_TRANSITIONS.check(record.status, status)
    record.status = status
    record.save(update_fields=["status"])


def _unlock_logins(username: str) -> None:
    """Forget the username's failed logins (axes keeps them in this database, so the reset
    commits with the new password)."""
    from axes.utils import reset

    reset(username=username)


# --- registrations: numbers and shared steps -------------------------------------------------


def _next_tracking_number(now: datetime) -> str:
    """`M01-YYYY-NNNNNNN`, from a row locked for the rest of the transaction."""
    year = vietnam_date(now).year
    RegistrationSequence.objects.get_or_create(year=year)
    sequence = RegistrationSequence.objects.select_for_update().get(year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{TRACKING_PREFIX}-{year}-{sequence.last:07d}"


def _require_no_account_or_open_registration(citizen_id: str) -> None:
    if PortalAccount.objects.filter(citizen_id=citizen_id).exists():
        raise DomainError(
            _(
                "Số CCCD này đã có tài khoản giao dịch điện tử. Hãy đăng nhập, hoặc dùng "
                "“Quên mật khẩu” nếu không nhớ mật khẩu."
            ),
            code="PORTAL_ACCOUNT_EXISTS",
            field="citizen_id",
        )
    open_one = selectors.open_registration_for(citizen_id)
    if open_one is not None:
        raise _open_exists(open_one.tracking_number)


def _open_exists(tracking_number: str) -> DomainError:
    return DomainError(
        _("Số CCCD này đang có tờ khai %(number)s chờ xử lý; không nộp thêm tờ khai khác.")
        % {"number": tracking_number},
        code="PORTAL_REGISTRATION_OPEN",
        field="citizen_id",
    )


def _create_registration(
    *, declaration: Declaration, now: datetime, **fields: Any
) -> IndividualRegistration:
    _require_no_account_or_open_registration(declaration.citizen_id)
    try:
        with transaction.atomic():
            return IndividualRegistration.objects.create(
                tracking_number=_next_tracking_number(now),
                submitted_at=now,
                full_name=declaration.full_name,
                birth_date=declaration.birth_date,
                gender=declaration.gender,
                citizen_id=declaration.citizen_id,
                insurance_number=declaration.insurance_number,
                phone=declaration.phone,
                email=declaration.email,
                address=declaration.address,
                **fields,
            )
    except IntegrityError:
        # Another submission for the same person committed first (the open-one constraint).
        raise _open_exists(_("khác")) from None


SMS_REASONS_LIMIT = 300


def ascii_text(text: str) -> str:
    """Vietnamese without diacritics, as SMS are sent (a Unicode SMS holds 70 characters,
    a plain one 160)."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _registration_context(registration: IndividualRegistration) -> dict[str, Any]:
    reasons = " ".join(
        f"{ascii_text(reason['message'])} ({reason['code']})" for reason in registration.reasons
    )
    if len(reasons) > SMS_REASONS_LIMIT:
        reasons = reasons[: SMS_REASONS_LIMIT - 1].rstrip() + "..."
    return {
        "registration": registration,
        "status_url": portal_url("portal:registration_status", registration.public_id),
        "hotline": settings.PORTAL_HOTLINE,
        "sms_reasons": reasons,
    }


def _accept(
    registration: IndividualRegistration, *, actor: str, decided_by: Any, now: datetime
) -> None:
    """Open the account and tell the person; refuses instead if the CCCD got an account."""
    registration.lifecycle.transitions.check(registration.status, RegistrationStatus.ACCEPTED)
    try:
        new = _account_create(
            kind=AccountKind.INDIVIDUAL,
            full_name=registration.full_name,
            phone=registration.phone,
            email=registration.email,
            citizen_id=registration.citizen_id,
            unit_code=None,
            now=now,
        )
    except DomainError as error:
        _refuse(
            registration,
            reasons=[{"code": error.code, "field": "citizen_id", "message": error.message}],
            actor=actor,
            decided_by=decided_by,
            now=now,
        )
        return
    registration.status = RegistrationStatus.ACCEPTED
    registration.account = new.account
    registration.decided_at = now
    registration.decided_by = decided_by
    registration.reasons = []
    registration.save(update_fields=["status", "account", "decided_at", "decided_by", "reasons"])
    audit_record(
        actor=actor,
        action="portal.registration_accepted",
        target=registration,
        data={"tracking_number": registration.tracking_number, "account": new.account.pk},
    )
    _notify(
        phone=registration.phone,
        email=registration.email,
        template="portal_registration_accepted",
        secret=True,
        context={**_registration_context(registration), **_account_context(new)},
        related=registration,
    )


def _refuse(
    registration: IndividualRegistration,
    *,
    reasons: list[dict[str, str]],
    actor: str,
    decided_by: Any,
    now: datetime,
) -> None:
    registration.lifecycle.transitions.check(registration.status, RegistrationStatus.REFUSED)
    registration.status = RegistrationStatus.REFUSED
    registration.reasons = reasons
    registration.decided_at = now
    registration.decided_by = decided_by
    registration.save(update_fields=["status", "reasons", "decided_at", "decided_by"])
    audit_record(
        actor=actor,
        action="portal.registration_refused",
        target=registration,
        data={"tracking_number": registration.tracking_number, "reasons": reasons},
    )
    _notify(
        phone=registration.phone,
        email=registration.email,
        template="portal_registration_refused",
        context=_registration_context(registration),
        related=registration,
    )


def _reasons(errors: Mapping[str, FieldError]) -> list[dict[str, str]]:
    return [{"code": e.code, "field": field, "message": e.message} for field, e in errors.items()]


# --- with a certificate ----------------------------------------------------------------------


def registration_submit_signed(*, signed_xml: bytes) -> IndividualRegistration:
    """Receive a Mẫu 01 the person signed (seed 003 §1) and answer at once with a tracking
    number; the decision runs as a task after commit.

    The signature and certificate chain are checked here (SIG*/CRT* refuse the upload and
    store nothing); what the form says is read from the signed content only. Whether the
    signer is the declarant (IDN002) and whether the registry knows them (IDN003) is the
    decision's business, so it answers by email and SMS like any other refusal.
    """
    now = timezone.now()
    verified = verify_xml(signed_xml, checker=certificate_checker(), location=LOCATION, at=now)
    declaration = read_mau01(verified.root, today=vietnam_date(now))
    identity = verified.validated.identity
    with transaction.atomic():
        registration = _create_registration(
            declaration=declaration,
            now=now,
            channel=RegistrationChannel.CERTIFICATE,
            status=RegistrationStatus.SUBMITTED,
            signed_xml=signed_xml,
            signer_fingerprint=verified.validated.fingerprint_sha256,
            signer_name=identity.common_name,
        )
        audit_record(
            actor=declarant_actor(declaration.citizen_id),
            action="portal.registration_submitted",
            target=registration,
            data={
                "tracking_number": registration.tracking_number,
                "sha256": verified.received_sha256,
                "signer": identity.subject,
                "fingerprint_sha256": verified.validated.fingerprint_sha256,
            },
        )
        _enqueue_decision(registration.pk)
    return registration


def _enqueue_decision(registration_id: int) -> None:
    """With the database queue the task row commits with the registration (nothing is lost
    between commit and enqueue); with a broker it is sent after commit. Decisions run below
    the outbox's priority, so a burst of submissions does not hold back the SMS of those
    already decided."""
    from ebhxh.agency.portal.tasks import decide_registration

    task = decide_registration.using(priority=settings.PORTAL_DECISION_TASK_PRIORITY)
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(registration_id)
    else:
        transaction.on_commit(lambda: task.enqueue(registration_id))


def _automatic_reasons(registration: IndividualRegistration) -> list[dict[str, str]]:
    """IDN002 and IDN003 reasons (every one found), or a signature reason."""
    try:
        verified = verify_xml(
            bytes(registration.signed_xml or b""),
            checker=certificate_checker(),
            location=LOCATION,
            at=registration.submitted_at,
        )
    except RejectionError as error:
        return [{"code": error.code, "field": "signature", "message": error.message}]
    found: dict[str, FieldError] = {}
    try:
        require_citizen_id(verified.validated, registration.citizen_id)
    except CertificateError as error:
        found["certificate"] = FieldError(error.code, error.message)
    found.update(selectors.registry_check(registration).reasons())
    return _reasons(found)


def registration_auto_decide(*, registration_id: int) -> IndividualRegistration:
    """The automatic decision on a signed Mẫu 01: accepted (account, email, SMS) or refused
    (reasons by email and SMS). Idempotent: a registration already decided is left alone."""
    now = timezone.now()
    with transaction.atomic():
        registration = IndividualRegistration.objects.select_for_update().get(pk=registration_id)
        if registration.status != RegistrationStatus.SUBMITTED:
            return registration
        reasons = _automatic_reasons(registration)
        if reasons:
            _refuse(registration, reasons=reasons, actor=SYSTEM_ACTOR, decided_by=None, now=now)
        else:
            _accept(registration, actor=SYSTEM_ACTOR, decided_by=None, now=now)
    return registration


def registrations_redecide_stuck(*, now: datetime | None = None) -> int:
    """Enqueue the decision again for signed forms still undecided after a grace period (a
    task lost with a broker, a worker that failed): the decision is idempotent."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PORTAL_DECISION_SWEEP_GRACE_SECONDS)
    stuck = list(
        IndividualRegistration.objects.filter(
            status=RegistrationStatus.SUBMITTED, submitted_at__lt=cutoff
        ).values_list("pk", flat=True)[:500]
    )
    from ebhxh.agency.portal.tasks import decide_registration

    for pk in stuck:
        decide_registration.using(priority=settings.PORTAL_DECISION_TASK_PRIORITY).enqueue(pk)
    return len(stuck)


# --- without a certificate: declared online, presented at a reception point ------------------


def present_by(confirmed_at: datetime) -> date:
    """The last day to present the ID paper: 10 calendar days counted from the day after
    confirmation (Civil Code 2015, art. 147), on the Vietnam calendar. Declared on 01/03 at
    any hour: presentable through 11/03, cancelled from 00:00 on 12/03 (Vietnam time)."""
    return vietnam_date(confirmed_at) + timedelta(days=settings.PORTAL_DECLARATION_PRESENT_DAYS)


def _reception_agency(code: str) -> Agency:
    agency = Agency.objects.filter(code=code, level=Agency.Level.LOCAL, is_active=True).first()
    if agency is None:
        raise InvalidInput.one(
            "reception_agency",
            "DECL_RECEPTION_AGENCY",
            _("Chọn nơi tiếp nhận hồ sơ (BHXH cơ sở) trong danh sách."),
        )
    return agency


def registration_declare(
    *, declaration: Declaration, reception_agency: str
) -> IndividualRegistration:
    """The person confirms a Mẫu 01 online and chooses where to present it (seed 003 §2,
    steps 1-3); it waits there for 10 days."""
    now = timezone.now()
    agency = _reception_agency(reception_agency)
    with transaction.atomic():
        registration = _create_registration(
            declaration=declaration,
            now=now,
            channel=RegistrationChannel.RECEPTION,
            status=RegistrationStatus.DECLARED,
            reception_agency=agency,
            present_by=present_by(now),
        )
        audit_record(
            actor=declarant_actor(declaration.citizen_id),
            action="portal.registration_declared",
            target=registration,
            data={
                "tracking_number": registration.tracking_number,
                "reception_agency": agency.code,
                "present_by": registration.present_by,
            },
        )
    return registration


def declarations_cancel_expired(*, now: datetime | None = None, limit: int = 500) -> int:
    """Cancel the declarations whose 10 days have passed (the periodic job), telling the
    person by email and SMS. Safe beside an officer deciding one at the same moment: rows
    are locked and re-checked one by one."""
    now = now or timezone.now()
    today = vietnam_date(now)
    due = list(
        IndividualRegistration.objects.filter(
            status=RegistrationStatus.DECLARED, present_by__lt=today
        ).values_list("pk", flat=True)[:limit]
    )
    cancelled = 0
    for pk in due:
        with transaction.atomic():
            registration = (
                IndividualRegistration.objects.select_for_update()
                .filter(pk=pk, status=RegistrationStatus.DECLARED, present_by__lt=today)
                .first()
            )
            if registration is None:
                continue
            registration.lifecycle.transitions.check(
                registration.status, RegistrationStatus.CANCELLED
            )
            registration.status = RegistrationStatus.CANCELLED
            registration.decided_at = now
            registration.save(update_fields=["status", "decided_at"])
            audit_record(
                actor=SYSTEM_ACTOR,
                action="portal.registration_cancelled",
                target=registration,
                data={
                    "tracking_number": registration.tracking_number,
                    "present_by": registration.present_by,
                },
            )
            _notify(
                phone=registration.phone,
                email=registration.email,
                template="portal_registration_cancelled",
                context=_registration_context(registration),
                related=registration,
            )
            cancelled += 1
    return cancelled


# --- officers: the reception point and the counter -------------------------------------------


def _officer(user: Any) -> Officer:
    officer = selectors.officer_of(user)
    if officer is None:
        raise DomainError(
            _("Tài khoản này chưa được gán làm cán bộ của một cơ quan BHXH."),
            code="PORTAL_NOT_AN_OFFICER",
        )
    return officer


def officer_actor(user: Any) -> str:
    return f"officer:{user.pk}:{user.get_username()}"


def refusal_reason(reason: str, *, hint: str) -> str:
    """The officer's reason with its white space folded. A short one is refused before
    anything is written: the person or unit must learn from it what to fix. `hint` says so
    to the officer, with `%(count)d` for the minimum length."""
    text = " ".join(reason.split())
    if len(text) < settings.PORTAL_REFUSAL_MIN_LENGTH:
        raise InvalidInput.one(
            "reason",
            "PORTAL_REASON_REQUIRED",
            hint % {"count": settings.PORTAL_REFUSAL_MIN_LENGTH},
        )
    return text


def registration_receive_paper(
    *, officer_user: Any, declaration: Declaration, received_on: date
) -> IndividualRegistration:
    """The officer enters a paper Mẫu 01 handed in at the counter; it is due within
    `PORTAL_COUNTER_WORKING_DAYS` working days of the day of receipt (Tết and holidays
    excluded, `ebhxh.reference.calendar.deadline`)."""
    now = timezone.now()
    officer = _officer(officer_user)
    if received_on > vietnam_date(now):
        raise InvalidInput.one(
            "received_on", "DECL_RECEIVED_FUTURE", _("Ngày nhận hồ sơ không thể sau hôm nay.")
        )
    with transaction.atomic():
        registration = _create_registration(
            declaration=declaration,
            now=now,
            channel=RegistrationChannel.COUNTER,
            status=RegistrationStatus.RECEIVED,
            reception_agency=officer.agency,
            received_on=received_on,
            due_on=deadline(received_on, settings.PORTAL_COUNTER_WORKING_DAYS),
            entered_by=officer_user,
        )
        audit_record(
            actor=officer_actor(officer_user),
            action="portal.registration_received",
            target=registration,
            data={
                "tracking_number": registration.tracking_number,
                "received_on": received_on,
                "due_on": registration.due_on,
            },
        )
    return registration


def _locked_for_officer(officer_user: Any, registration_id: int) -> IndividualRegistration:
    officer = _officer(officer_user)
    registration = IndividualRegistration.objects.select_for_update().get(pk=registration_id)
    if not selectors.in_scope(officer, registration):
        raise DomainError(
            _("Tờ khai này thuộc nơi tiếp nhận khác; cán bộ không xử lý được."),
            code="PORTAL_OUT_OF_SCOPE",
        )
    if registration.channel == RegistrationChannel.CERTIFICATE:
        raise DomainError(
            _("Tờ khai ký số được hệ thống kiểm tra và quyết định tự động."),
            code="PORTAL_AUTOMATIC_ONLY",
        )
    if not registration.is_open:
        raise DomainError(
            _("Tờ khai %(number)s đã được xử lý (%(status)s).")
            % {"number": registration.tracking_number, "status": registration.get_status_display()},
            code="PORTAL_ALREADY_DECIDED",
        )
    return registration


def registration_accept(*, officer_user: Any, registration_id: int) -> IndividualRegistration:
    """The officer has checked the form against the ID paper and accepts it: the registry
    must agree (IDN003 otherwise), a declaration must be within its 10 days."""
    now = timezone.now()
    with transaction.atomic():
        registration = _locked_for_officer(officer_user, registration_id)
        if (
            registration.status == RegistrationStatus.DECLARED
            and registration.present_by is not None
            and vietnam_date(now) > registration.present_by
        ):
            raise DomainError(
                _(
                    "Tờ khai đã quá hạn nộp (hết ngày %(day)s) và bị huỷ; "
                    "người kê khai cần kê khai lại."
                )
                % {"day": registration.present_by.strftime("%d/%m/%Y")},
                code="PORTAL_DECLARATION_EXPIRED",
            )
        check = selectors.registry_check(registration)
        if not check.matches:
            labels = (
                ", ".join(row.label.lower() for row in check.rows if not row.matches)
                if check.found
                else _("không có trong dữ liệu")
            )
            raise DomainError(
                _(
                    "Không chấp nhận được: thông tin kê khai không khớp với dữ liệu BHXH "
                    "(%(fields)s). Hãy từ chối và ghi rõ lý do."
                )
                % {"fields": labels},
                code="IDN003",
            )
        _accept(registration, actor=officer_actor(officer_user), decided_by=officer_user, now=now)
    return registration


def registration_refuse(
    *, officer_user: Any, registration_id: int, reason: str
) -> IndividualRegistration:
    """The officer refuses with a reason the person can act on; sent by email and SMS."""
    now = timezone.now()
    text = refusal_reason(
        reason,
        hint=_(
            "Ghi rõ lý do không chấp nhận (ít nhất %(count)d ký tự) để người kê khai "
            "biết cần bổ sung gì."
        ),
    )
    with transaction.atomic():
        registration = _locked_for_officer(officer_user, registration_id)
        _refuse(
            registration,
            reasons=[{"code": "OFFICER", "field": "", "message": text}],
            actor=officer_actor(officer_user),
            decided_by=officer_user,
            now=now,
        )
    return registration
