"""Use cases of registration dossiers (DESIGN.md §3, seeds 000 and 004).

Each function is one transaction with its audit record; emails are queued in it (outbox) and
leave after commit; a dossier's progress or conclusion is recorded in the same transaction.
Refusals raise `RegistrationRefused` with a catalogue code, except where the refusal itself
changes state (a wrong activation code counts a try): then the change commits first and the
refusal is raised after.

Locking order, the same everywhere so concurrent use cases never deadlock: the unit (or the
unit-code request), then its registrations, then their activation codes. The unit's row lock
serialises everything that decides "one provider at a time"; the partial unique index on
active registrations is the last word if anything slips past it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ebhxh.agency.gateway.models import Dossier, DossierStatus
from ebhxh.agency.gateway.services import dossier_conclude, dossier_progress
from ebhxh.agency.registrations import codes
from ebhxh.agency.registrations.certificates import CertificateInfo, require_unit_certificate
from ebhxh.agency.registrations.errors import (
    OFFICER_REJECTED,
    REQUEST_ALREADY_OPEN,
    RegistrationRefused,
)
from ebhxh.agency.registrations.models import (
    CODE_TRANSITIONS,
    OPEN_REQUEST_STATUSES,
    REGISTRATION_TRANSITIONS,
    UNIT_CODE_REQUEST_TRANSITIONS,
    ActivationCode,
    Channel,
    CodeStatus,
    EserviceRegistration,
    RegistrationStatus,
    UnitCodeRequest,
    UnitCodeRequestStatus,
    ivan_label,
)
from ebhxh.agency.registrations.selectors import (
    latest_registration_dossier,
    officer_can_decide,
)
from ebhxh.agency.registry.models import IvanConnection, Officer, Unit
from ebhxh.agency.registry.services import unit_create
from ebhxh.audit.services import actor_of, audit_record
from ebhxh.core.errors import DomainError
from ebhxh.core.state_machine import Transitions
from ebhxh.dossiers.forms.registration import StopChannel, UnitCodeRequestForm
from ebhxh.identifiers import IdentifierError, parse_unit_code
from ebhxh.notifications.services import queue_email
from ebhxh.reference.models import Agency, Province
from ebhxh.vntime import VIETNAM_TZ

logger = logging.getLogger(__name__)

PORTAL_ACTOR = "portal"
# Refusals that let a unit stop its old provider through the new one (seed 004).
STOP_ON_BEHALF_AFTER = frozenset({"CE007", "CE044"})
UNIT_XPATH = "/Hoso/NoiDung/ThongTinDonVi/MaSoBHXH"


def ivan_actor(ivan: IvanConnection) -> str:
    """The audit actor for something an I-VAN's dossier or API call did."""
    return f"ivan:{ivan.provider_id}"


@dataclass(frozen=True)
class Contact:
    """Who receives the activation code and the results."""

    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued: where it went and until when it works (never the code itself)."""

    email: str
    expires_at: datetime


def _ttl() -> timedelta:
    return timedelta(seconds=settings.REGISTRATION_ACTIVATION_TTL_SECONDS)


def _lock_unit(unit_code: str, *, xpath: str = UNIT_XPATH) -> Unit:
    unit = (
        Unit.objects.select_for_update(of=("self",))
        .select_related("managing_agency")
        .filter(unit_code=unit_code)
        .first()
    )
    if unit is None:
        raise RegistrationRefused(
            "REG001", f"Không có đơn vị mã {unit_code} trong dữ liệu BHXH.", xpath=xpath
        )
    return unit


def _active_registration(unit: Unit) -> EserviceRegistration | None:
    return (
        EserviceRegistration.objects.select_related("ivan__provider")
        .filter(unit=unit, status=RegistrationStatus.ACTIVE)
        .first()
    )


def _conflict(
    active: EserviceRegistration, *, channel: str, ivan: IvanConnection | None, xpath: str = ""
) -> RegistrationRefused:
    """Why a unit that is `active` elsewhere (or here) cannot register through `channel`."""
    ivan_id = ivan.pk if ivan is not None else None
    if active.channel == channel and active.ivan_id == ivan_id:
        return RegistrationRefused(
            "REG002", f"Đăng ký đang hoạt động từ {_when(active.activated_at)}.", xpath=xpath
        )
    if active.channel == Channel.PORTAL:
        return RegistrationRefused(
            "CE044", "Đơn vị đang giao dịch tại Cổng thông tin BHXH Việt Nam.", xpath=xpath
        )
    return RegistrationRefused(
        "CE007", f"Đơn vị đang đăng ký với tổ chức I-VAN {active.provider_label}.", xpath=xpath
    )


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(VIETNAM_TZ).strftime("%H:%M %d/%m/%Y")


def _set_status(obj: Any, transitions: Transitions, target: str) -> None:
    transitions.check(obj.status, target)
    obj.status = target


def _void_codes(codes_qs: QuerySet[ActivationCode]) -> None:
    for row in codes_qs.select_for_update(of=("self",)).filter(status=CodeStatus.ACTIVE):
        _set_status(row, CODE_TRANSITIONS, CodeStatus.VOIDED)
        row.save(update_fields=["status"])


def _issue_code(
    *, registration: EserviceRegistration | None = None, request: UnitCodeRequest | None = None
) -> tuple[ActivationCode, str]:
    """A new code for the subject; any live code it had is voided first."""
    now = timezone.now()
    subject: dict[str, Any] = (
        {"registration": registration}
        if registration is not None
        else {"unit_code_request": request}
    )
    _void_codes(ActivationCode.objects.filter(**subject))
    code = codes.new_code()
    salt = codes.new_salt()
    row = ActivationCode.objects.create(
        **subject,
        salt=salt,
        code_hash=codes.digest(code, salt),
        created_at=now,
        expires_at=now + _ttl(),
    )
    return row, code


def _code_email_context(row: ActivationCode, code: str, **extra: Any) -> dict[str, Any]:
    return {
        "code": codes.display(code),
        "expires_at": row.expires_at,
        "ttl_hours": settings.REGISTRATION_ACTIVATION_TTL_SECONDS // 3600,
        "max_attempts": settings.REGISTRATION_ACTIVATION_MAX_ATTEMPTS,
        **extra,
    }


def _registration_context(registration: EserviceRegistration) -> dict[str, Any]:
    unit = registration.unit
    return {
        "unit_name": unit.name,
        "unit_code": unit.unit_code,
        "tax_code": unit.tax_code,
        "contact_name": registration.contact_name,
        "provider": registration.provider_label,
        "channel": registration.channel,
        "dossier_number": registration.dossier.number if registration.dossier else "",
    }


def _email_code(registration: EserviceRegistration, row: ActivationCode, code: str) -> None:
    queue_email(
        to=registration.contact_email,
        template="registration_activation_code",
        context=_code_email_context(row, code, **_registration_context(registration)),
        related=registration,
        secret=True,
    )


def _cancel_registration(
    registration: EserviceRegistration,
    *,
    reason: str,
    actor: str,
    conflict: RegistrationRefused | None,
) -> None:
    """A pending registration that can no longer be activated: superseded by a newer one
    (its dossier stays pending with a note) or beaten by another provider's activation (its
    dossier is refused with CE007/CE044, which lets the unit stop the winner, seed 004)."""
    _set_status(registration, REGISTRATION_TRANSITIONS, RegistrationStatus.CANCELLED)
    registration.ended_at = timezone.now()
    registration.stop_reason = reason[:400]
    registration.save(update_fields=["status", "ended_at", "stop_reason", "updated_at"])
    _void_codes(registration.activation_codes.all())
    audit_record(
        actor=actor,
        action="registrations.registration_cancelled",
        target=registration,
        data={"reason": reason, "code": conflict.code if conflict else ""},
    )
    dossier = registration.dossier
    if dossier is None or dossier.status not in (DossierStatus.RECEIVED, DossierStatus.PENDING):
        return
    if conflict is None:
        dossier_progress(dossier=dossier, message=reason, actor=actor)
    else:
        dossier_conclude(
            dossier=dossier,
            accepted=False,
            code=conflict.code,
            message=conflict.full_message(),
            actor=actor,
        )


# --- 04/ĐK-IVAN and the portal: register -----------------------------------------------------


def registration_submit(
    *,
    unit_code: str,
    channel: Channel,
    ivan: IvanConnection | None,
    dossier: Dossier | None,
    contact: Contact,
    certificate: CertificateInfo,
    actor: str,
    send_code: bool = True,
) -> EserviceRegistration:
    """Register a unit for e-transactions through an I-VAN (04/ĐK-IVAN) or the portal.

    Refused when the unit is unknown (REG001), the certificate is not the unit's (IDN001),
    or the unit is already active elsewhere (CE007 another I-VAN, CE044 the portal) or here
    (REG002). Otherwise the registration waits for the emailed activation code; an older
    pending registration of the same unit through the same channel is superseded.

    `send_code=False` (portal channel only): the portal's organisation-account flow proves
    the contact with its own code and then calls `registration_activate_confirmed`.
    """
    if not send_code and channel != Channel.PORTAL:
        raise ValueError("Only a portal registration may be proven by the portal's own code.")
    if (channel == Channel.IVAN) != (ivan is not None):
        raise ValueError("An I-VAN registration names its I-VAN; a portal one does not.")
    with transaction.atomic():
        unit = _lock_unit(unit_code)
        require_unit_certificate(certificate, unit.tax_code)
        active = _active_registration(unit)
        if active is not None:
            raise _conflict(active, channel=channel, ivan=ivan, xpath=UNIT_XPATH)
        registration = EserviceRegistration.objects.create(
            unit=unit,
            channel=channel,
            ivan=ivan,
            dossier=dossier,
            contact_name=contact.name,
            contact_email=contact.email,
            contact_phone=contact.phone,
            certificate_pem=certificate.pem,
            certificate_fingerprint=certificate.fingerprint,
            certificate_serial=certificate.serial,
            certificate_subject=certificate.subject,
        )
        superseded = EserviceRegistration.objects.select_for_update(of=("self",)).filter(
            unit=unit, channel=channel, ivan=ivan, status=RegistrationStatus.PENDING_ACTIVATION
        )
        note = _("Hồ sơ đã được thay thế bởi hồ sơ đăng ký mới hơn %(number)s.") % {
            "number": dossier.number if dossier else _("tại Cổng")
        }
        for older in superseded.exclude(pk=registration.pk):
            _cancel_registration(older, reason=note, actor=actor, conflict=None)
        row: ActivationCode | None = None
        if send_code:
            row, code = _issue_code(registration=registration)
            _email_code(registration, row, code)
        audit_record(
            actor=actor,
            action="registrations.registration_submitted",
            target=registration,
            data={
                "unit_code": unit.unit_code,
                "channel": channel,
                "ivan": ivan.provider_id if ivan else "",
                "dossier": dossier.number if dossier else "",
                "certificate": certificate.fingerprint,
                "code_expires_at": row.expires_at.isoformat() if row else "",
            },
        )
        if dossier is not None and row is not None:
            dossier_progress(
                dossier=dossier,
                message=_(
                    "Chờ kích hoạt: mã kích hoạt đã gửi tới %(email)s, có hiệu lực đến %(until)s."
                )
                % {"email": contact.email, "until": _when(row.expires_at)},
                result={
                    "registration_id": registration.pk,
                    "activation_expires_at": row.expires_at.isoformat(),
                },
                actor=actor,
            )
    return registration


# --- activation -----------------------------------------------------------------------------


def _current_code(**subject: Any) -> ActivationCode | None:
    return (
        ActivationCode.objects.select_for_update(of=("self",))
        .filter(**subject)
        .order_by("-created_at", "-pk")
        .first()
    )


def _check_code(
    row: ActivationCode | None, entered: str, *, actor: str
) -> RegistrationRefused | None:
    """`codes.check_entered` for an activation code; an expired one says when it expired.
    The caller holds the row lock and commits either way."""
    return codes.check_entered(
        row,
        entered,
        now=timezone.now(),
        actor=actor,
        wrong_action="registrations.activation_code_wrong",
        expired_detail=lambda expired_at: f"Mã hết hạn lúc {_when(expired_at)}.",
    )


def _refusal_for_ended(registration: EserviceRegistration) -> RegistrationRefused:
    """Why a registration that is no longer pending cannot be activated or sent a code."""
    if registration.status == RegistrationStatus.ACTIVE:
        return RegistrationRefused("REG006", "Đăng ký đã được kích hoạt.", field="code")
    active = _active_registration(registration.unit)
    if active is not None and active.pk != registration.pk:
        conflict = _conflict(active, channel=registration.channel, ivan=registration.ivan)
        conflict.field = "code"
        return conflict
    return RegistrationRefused(
        "REG005", "Hồ sơ đăng ký này đã được thay thế hoặc đã ngừng.", field="code"
    )


def registration_activate(
    *, registration: EserviceRegistration, code: str, actor: str
) -> EserviceRegistration:
    """Activate a pending registration with its emailed code.

    Wrong code: REG004 (the try is counted; REG007 once locked); expired REG005; used REG006.
    If another provider became active meanwhile, CE007/CE044: the unit lock decides it, and
    the partial unique index catches anything that gets past the lock. On success the
    unit's other pending registrations are refused with CE007/CE044 and the dossier is
    concluded accepted.
    """
    refusal: RegistrationRefused | None = None
    with transaction.atomic():
        unit = Unit.objects.select_for_update(of=("self",)).get(pk=registration.unit_id)
        locked = (
            EserviceRegistration.objects.select_for_update(of=("self",))
            .select_related("unit", "ivan__provider", "dossier")
            .get(pk=registration.pk)
        )
        if locked.status != RegistrationStatus.PENDING_ACTIVATION:
            raise _refusal_for_ended(locked)
        refusal = _check_code(_current_code(registration=locked), code, actor=actor)
        if refusal is None:
            refusal = _activate_locked(unit, locked, actor=actor)
    if refusal is not None:
        raise refusal
    locked.refresh_from_db()
    return locked


def registration_activate_confirmed(
    *, registration: EserviceRegistration, actor: str
) -> EserviceRegistration:
    """Activate a pending portal registration whose contact the portal has proven with its
    own emailed code (the organisation-account flow of seed 001, submitted with
    `send_code=False`). The same one-provider decision as `registration_activate`: CE007 or
    CE044 if another provider became active meanwhile (this registration is then cancelled,
    committed with the caller's transaction)."""
    if registration.channel != Channel.PORTAL:
        raise ValueError("Only a portal registration is activated without its own code.")
    refusal: RegistrationRefused | None = None
    with transaction.atomic():
        unit = Unit.objects.select_for_update(of=("self",)).get(pk=registration.unit_id)
        locked = (
            EserviceRegistration.objects.select_for_update(of=("self",))
            .select_related("unit", "ivan__provider", "dossier")
            .get(pk=registration.pk)
        )
        if locked.status != RegistrationStatus.PENDING_ACTIVATION:
            raise _refusal_for_ended(locked)
        refusal = _activate_locked(unit, locked, actor=actor)
    if refusal is not None:
        raise refusal
    locked.refresh_from_db()
    return locked


def _activate_locked(
    unit: Unit, registration: EserviceRegistration, *, actor: str
) -> RegistrationRefused | None:
    active = _active_registration(unit)
    if active is None:
        now = timezone.now()
        _set_status(registration, REGISTRATION_TRANSITIONS, RegistrationStatus.ACTIVE)
        registration.activated_at = now
        try:
            with transaction.atomic():
                registration.save(update_fields=["status", "activated_at", "updated_at"])
        except IntegrityError:
            registration.status = RegistrationStatus.PENDING_ACTIVATION
            registration.activated_at = None
            active = _active_registration(unit)
            if active is None:  # not the one-active index after all
                raise
    if active is not None:
        conflict = _conflict(active, channel=registration.channel, ivan=registration.ivan)
        conflict.field = "code"
        _cancel_registration(registration, reason=conflict.message, actor=actor, conflict=conflict)
        return conflict
    others = EserviceRegistration.objects.select_for_update(of=("self",)).filter(
        unit=unit, status=RegistrationStatus.PENDING_ACTIVATION
    )
    for other in others.exclude(pk=registration.pk).select_related("ivan__provider", "dossier"):
        conflict = _conflict(registration, channel=other.channel, ivan=other.ivan)
        _cancel_registration(other, reason=conflict.message, actor=actor, conflict=conflict)
    queue_email(
        to=registration.contact_email,
        template="registration_activated",
        context={**_registration_context(registration), "activated_at": registration.activated_at},
        related=registration,
    )
    audit_record(
        actor=actor,
        action="registrations.registration_activated",
        target=registration,
        data={"unit_code": unit.unit_code, "channel": registration.channel},
    )
    if registration.dossier is not None:
        dossier_conclude(
            dossier=registration.dossier,
            accepted=True,
            message=_("Đăng ký giao dịch điện tử đã được kích hoạt."),
            result={"registration_id": registration.pk, "status": registration.status},
            actor=actor,
        )
    return None


def unit_code_request_activate(
    *, request: UnitCodeRequest, code: str, actor: str
) -> UnitCodeRequest:
    """Activate a unit-code request: it goes to the officers' review queue (seed 000 §I)."""
    refusal: RegistrationRefused | None = None
    with transaction.atomic():
        locked = (
            UnitCodeRequest.objects.select_for_update(of=("self",))
            .select_related("dossier")
            .get(pk=request.pk)
        )
        if locked.status != UnitCodeRequestStatus.PENDING_ACTIVATION:
            raise _refusal_for_ended_request(locked)
        refusal = _check_code(_current_code(unit_code_request=locked), code, actor=actor)
        if refusal is None:
            _set_status(
                locked, UNIT_CODE_REQUEST_TRANSITIONS, UnitCodeRequestStatus.AWAITING_REVIEW
            )
            locked.activated_at = timezone.now()
            locked.save(update_fields=["status", "activated_at", "updated_at"])
            audit_record(
                actor=actor,
                action="registrations.unit_code_request_activated",
                target=locked,
                data={"tax_code": locked.tax_code, "dossier": locked.dossier.number},
            )
            dossier_progress(
                dossier=locked.dossier,
                message=_("Đã kích hoạt; hồ sơ chờ cán bộ BHXH xét duyệt cấp mã đơn vị."),
                result={"unit_code_request_id": locked.pk, "status": locked.status},
                actor=actor,
            )
    if refusal is not None:
        raise refusal
    return locked


def _refusal_for_ended_request(request: UnitCodeRequest) -> RegistrationRefused:
    if request.status == UnitCodeRequestStatus.CANCELLED:
        return RegistrationRefused(
            "REG005", "Hồ sơ đã được thay thế bởi hồ sơ mới hơn.", field="code"
        )
    return RegistrationRefused("REG006", "Hồ sơ đã được kích hoạt.", field="code")


def activation_confirm(
    *, subject: EserviceRegistration | UnitCodeRequest, code: str, actor: str
) -> EserviceRegistration | UnitCodeRequest:
    """Activate whatever the code was sent for (the I-VAN API and the portal page call this)."""
    if isinstance(subject, EserviceRegistration):
        return registration_activate(registration=subject, code=code, actor=actor)
    return unit_code_request_activate(request=subject, code=code, actor=actor)


def activation_resend(*, subject: EserviceRegistration | UnitCodeRequest, actor: str) -> IssuedCode:
    """Email a new code; the previous one stops working at once."""
    with transaction.atomic():
        if isinstance(subject, EserviceRegistration):
            Unit.objects.select_for_update(of=("self",)).get(pk=subject.unit_id)
            registration = (
                EserviceRegistration.objects.select_for_update(of=("self",))
                .select_related("unit", "ivan__provider", "dossier")
                .get(pk=subject.pk)
            )
            if registration.status != RegistrationStatus.PENDING_ACTIVATION:
                raise _refusal_for_ended(registration)
            row, code = _issue_code(registration=registration)
            _email_code(registration, row, code)
            target: EserviceRegistration | UnitCodeRequest = registration
            email = registration.contact_email
        else:
            request = (
                UnitCodeRequest.objects.select_for_update(of=("self",))
                .select_related("dossier", "province", "managing_agency")
                .get(pk=subject.pk)
            )
            if request.status != UnitCodeRequestStatus.PENDING_ACTIVATION:
                raise _refusal_for_ended_request(request)
            row, code = _issue_code(request=request)
            _email_request_code(request, row, code)
            target = request
            email = request.contact_email
        audit_record(
            actor=actor,
            action="registrations.activation_code_resent",
            target=target,
            data={"code_expires_at": row.expires_at.isoformat()},
        )
    return IssuedCode(email=email, expires_at=row.expires_at)


# --- 05/SD-IVAN: change ---------------------------------------------------------------------


def registration_change(
    *,
    unit_code: str,
    ivan: IvanConnection,
    dossier: Dossier | None,
    signer: CertificateInfo,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    new_certificate: CertificateInfo | None = None,
    actor: str,
) -> EserviceRegistration:
    """Change the contact or the certificate of the unit's active registration with this
    I-VAN (REG003 if there is none); it applies at once."""
    with transaction.atomic():
        unit = _lock_unit(unit_code)
        require_unit_certificate(signer, unit.tax_code)
        registration = (
            EserviceRegistration.objects.select_for_update(of=("self",))
            .select_related("unit", "ivan__provider", "dossier")
            .filter(unit=unit, channel=Channel.IVAN, ivan=ivan, status=RegistrationStatus.ACTIVE)
            .first()
        )
        if registration is None:
            raise RegistrationRefused(
                "REG003",
                f"Đơn vị không có đăng ký đang hoạt động với tổ chức I-VAN {ivan.provider_id}.",
                xpath=UNIT_XPATH,
            )
        if new_certificate is not None:
            require_unit_certificate(
                new_certificate, unit.tax_code, xpath="/ToKhaiThayDoiIVAN/ChungThuSoMoi"
            )
        before = {
            "contact_name": registration.contact_name,
            "contact_email": registration.contact_email,
            "contact_phone": registration.contact_phone,
            "certificate_fingerprint": registration.certificate_fingerprint,
        }
        if contact_name:
            registration.contact_name = contact_name
        if contact_email:
            registration.contact_email = contact_email
        if contact_phone:
            registration.contact_phone = contact_phone
        if new_certificate is not None:
            registration.certificate_pem = new_certificate.pem
            registration.certificate_fingerprint = new_certificate.fingerprint
            registration.certificate_serial = new_certificate.serial
            registration.certificate_subject = new_certificate.subject
        registration.save()
        after = {key: getattr(registration, key) for key in before}
        changed = sorted(key for key in before if before[key] != after[key])
        context = {**_registration_context(registration), "changed": changed, "after": after}
        recipients = {registration.contact_email, before["contact_email"]}
        for to in sorted(recipients):
            queue_email(
                to=to, template="registration_changed", context=context, related=registration
            )
        audit_record(
            actor=actor,
            action="registrations.registration_changed",
            target=registration,
            data={"changed": changed, "before": before, "after": after},
        )
        if dossier is not None:
            dossier_conclude(
                dossier=dossier,
                accepted=True,
                message=_("Đã cập nhật thông tin đăng ký giao dịch điện tử.")
                if changed
                else _("Đã xác nhận thông tin đăng ký giao dịch điện tử; không có thay đổi."),
                result={"registration_id": registration.pk, "changed": changed},
                actor=actor,
            )
    return registration


# --- 06/NG-IVAN: stop -----------------------------------------------------------------------


def registration_stop(
    *,
    unit_code: str,
    filer: IvanConnection,
    dossier: Dossier | None,
    signer: CertificateInfo,
    target_channel: StopChannel,
    target_ivan_code: str,
    reason: str,
    actor: str,
) -> EserviceRegistration:
    """Stop the unit's active registration with an I-VAN or the portal (seed 004).

    An I-VAN stops its own registration; it may stop another provider's (or the portal's)
    only on behalf of a unit whose latest registration dossier through it was refused with
    CE007/CE044 (AUT002 otherwise). Wrong certificate: IDN001. Nothing active to stop
    (already stopped, perhaps through another I-VAN): REG003, so the unit registers at once.
    """
    with transaction.atomic():
        unit = _lock_unit(unit_code)
        require_unit_certificate(signer, unit.tax_code)
        own = target_channel is StopChannel.IVAN and target_ivan_code == filer.provider_id
        if not own:
            latest = latest_registration_dossier(unit_code=unit.unit_code, ivan=filer)
            refused = (
                latest is not None
                and latest.status == DossierStatus.REJECTED
                and latest.result_code in STOP_ON_BEHALF_AFTER
            )
            if not refused:
                raise RegistrationRefused(
                    "AUT002",
                    "Chỉ được nộp hồ sơ ngừng dịch vụ của nhà cung cấp khác khi hồ sơ đăng ký "
                    "gần nhất của đơn vị qua tổ chức I-VAN này bị từ chối với mã CE007 hoặc "
                    "CE044.",
                    xpath="/ToKhaiNgungIVAN/MaIVANNgung",
                )
        targets = EserviceRegistration.objects.select_for_update(of=("self",)).select_related(
            "unit", "ivan__provider", "dossier"
        )
        if target_channel is StopChannel.PORTAL:
            targets = targets.filter(channel=Channel.PORTAL)
        else:
            targets = targets.filter(channel=Channel.IVAN, ivan__provider_id=target_ivan_code)
        registration = targets.filter(unit=unit, status=RegistrationStatus.ACTIVE).first()
        if registration is None:
            where = (
                "tại Cổng thông tin BHXH"
                if target_channel is StopChannel.PORTAL
                else f"với tổ chức I-VAN {target_ivan_code}"
            )
            raise RegistrationRefused(
                "REG003",
                f"Đơn vị không có đăng ký đang hoạt động {where}: đã ngừng trước đó hoặc chưa "
                "đăng ký. Đơn vị có thể đăng ký dịch vụ ngay.",
                xpath="/ToKhaiNgungIVAN/KenhNgung",
            )
        _set_status(registration, REGISTRATION_TRANSITIONS, RegistrationStatus.STOPPED)
        registration.ended_at = timezone.now()
        registration.stop_reason = reason[:400]
        registration.stopped_by_dossier = dossier
        registration.save(
            update_fields=["status", "ended_at", "stop_reason", "stopped_by_dossier", "updated_at"]
        )
        queue_email(
            to=registration.contact_email,
            template="registration_stopped",
            context={
                **_registration_context(registration),
                "reason": reason,
                "stopped_at": registration.ended_at,
                "filed_by": ivan_label(filer),
                "on_behalf": not own,
                "stop_dossier": dossier.number if dossier else "",
            },
            related=registration,
        )
        audit_record(
            actor=actor,
            action="registrations.registration_stopped",
            target=registration,
            data={
                "unit_code": unit.unit_code,
                "reason": reason,
                "filer": filer.provider_id,
                "on_behalf": not own,
                "dossier": dossier.number if dossier else "",
            },
        )
        if dossier is not None:
            dossier_conclude(
                dossier=dossier,
                accepted=True,
                message=_(
                    "Đã ngừng đăng ký giao dịch điện tử %(where)s. Đơn vị có thể đăng ký lại "
                    "dịch vụ."
                )
                % {"where": registration.provider_label},
                result={"stopped_registration_id": registration.pk},
                actor=actor,
            )
    return registration


# --- HSDKLanDau: first-time registration and the unit code ---------------------------------


def _request_context(request: UnitCodeRequest) -> dict[str, Any]:
    return {
        "unit_name": request.name,
        "tax_code": request.tax_code,
        "contact_name": request.contact_name,
        "dossier_number": request.dossier.number,
        "agency_name": request.managing_agency.name,
    }


def _email_request_code(request: UnitCodeRequest, row: ActivationCode, code: str) -> None:
    queue_email(
        to=request.contact_email,
        template="registration_unit_code_activation",
        context=_code_email_context(row, code, **_request_context(request)),
        related=request,
        secret=True,
    )


def unit_code_request_submit(
    *,
    dossier: Dossier,
    ivan: IvanConnection,
    form: UnitCodeRequestForm,
    signer: CertificateInfo,
    actor: str,
) -> UnitCodeRequest:
    """A unit without a unit code asks for one electronically (seed 000 §I).

    Only in the provinces of `REGISTRATION_FIRST_TIME_PROVINCES` (REG008 elsewhere: the paper
    form). A unit that already has a code, or an open request under review, is refused
    (REG010); a request still waiting for activation is replaced. A request refused earlier is
    linked as `previous` ("Đăng ký lại").
    """
    path = "/ToKhaiTK3TS"
    with transaction.atomic():
        if form.province_code not in settings.REGISTRATION_FIRST_TIME_PROVINCES:
            raise RegistrationRefused(
                "REG008", f"Tỉnh mã {form.province_code}.", xpath=f"{path}/MaTinh"
            )
        require_unit_certificate(signer, form.tax_code)
        province = Province.objects.filter(code=form.province_code).first()
        if province is None:
            raise RegistrationRefused(
                "SCH007", f"Không có tỉnh mã {form.province_code}.", xpath=f"{path}/MaTinh"
            )
        agency = Agency.objects.filter(
            code=form.managing_agency,
            province=province,
            level=Agency.Level.LOCAL,
            is_active=True,
        ).first()
        if agency is None:
            raise RegistrationRefused(
                "SCH007",
                f"Không có BHXH cơ sở mã {form.managing_agency} tại {province.name}.",
                xpath=f"{path}/MaCoQuanQuanLy",
            )
        if Unit.objects.filter(tax_code=form.tax_code).exists():
            raise RegistrationRefused(
                REQUEST_ALREADY_OPEN,
                f"Đơn vị MST {form.tax_code} đã có mã đơn vị.",
                xpath=f"{path}/MaSoThue",
            )
        open_requests = UnitCodeRequest.objects.select_for_update(of=("self",)).filter(
            tax_code=form.tax_code, status__in=OPEN_REQUEST_STATUSES
        )
        for older in open_requests.select_related("dossier"):
            if older.status == UnitCodeRequestStatus.AWAITING_REVIEW:
                raise RegistrationRefused(
                    REQUEST_ALREADY_OPEN,
                    f"Hồ sơ {older.dossier.number} đang chờ cán bộ BHXH xét duyệt.",
                    xpath=f"{path}/MaSoThue",
                )
            _set_status(older, UNIT_CODE_REQUEST_TRANSITIONS, UnitCodeRequestStatus.CANCELLED)
            older.save(update_fields=["status", "updated_at"])
            _void_codes(older.activation_codes.all())
            audit_record(
                actor=actor,
                action="registrations.unit_code_request_cancelled",
                target=older,
                data={"replaced_by": dossier.number},
            )
            if older.dossier.status in (DossierStatus.RECEIVED, DossierStatus.PENDING):
                dossier_progress(
                    dossier=older.dossier,
                    message=_("Hồ sơ đã được thay thế bởi hồ sơ mới hơn %(number)s.")
                    % {"number": dossier.number},
                    actor=actor,
                )
        previous = (
            UnitCodeRequest.objects.filter(
                tax_code=form.tax_code, status=UnitCodeRequestStatus.REJECTED
            )
            .order_by("-decided_at", "-pk")
            .first()
        )
        try:
            with transaction.atomic():
                request = UnitCodeRequest.objects.create(
                    dossier=dossier,
                    ivan=ivan,
                    previous=previous,
                    name=form.unit_name,
                    tax_code=form.tax_code,
                    address=form.address,
                    province=province,
                    managing_agency=agency,
                    target_group=form.target_group,
                    business_type=form.business_type,
                    contact_name=form.contact_name,
                    contact_email=form.contact_email,
                    contact_phone=form.contact_phone,
                    certificate_pem=signer.pem,
                    certificate_fingerprint=signer.fingerprint,
                    certificate_serial=signer.serial,
                    certificate_subject=signer.subject,
                )
        except IntegrityError:
            # Another dossier for the same MST got in first (one open request per MST).
            raise RegistrationRefused(
                REQUEST_ALREADY_OPEN,
                f"Đơn vị MST {form.tax_code} vừa nộp một hồ sơ khác.",
                xpath=f"{path}/MaSoThue",
            ) from None
        row, code = _issue_code(request=request)
        _email_request_code(request, row, code)
        audit_record(
            actor=actor,
            action="registrations.unit_code_request_submitted",
            target=request,
            data={
                "tax_code": request.tax_code,
                "dossier": dossier.number,
                "previous": previous.pk if previous else None,
                "agency": agency.code,
            },
        )
        dossier_progress(
            dossier=dossier,
            message=_(
                "Chờ kích hoạt: mã kích hoạt đã gửi tới %(email)s, có hiệu lực đến %(until)s."
            )
            % {"email": request.contact_email, "until": _when(row.expires_at)},
            result={
                "unit_code_request_id": request.pk,
                "activation_expires_at": row.expires_at.isoformat(),
            },
            actor=actor,
        )
    return request


def issued_unit_code(*, tax_code: str, target_group: str, business_type: str) -> str:
    """The 2025-structure unit code: the first 10 digits of the MST, the target group and the
    business type (`0123456789DNA03`); ValueError if the result is not a valid 2025 code."""
    candidate = f"{tax_code.replace('-', '')[:10]}{target_group}{business_type}".upper()
    try:
        parsed = parse_unit_code(candidate)
    except IdentifierError as error:
        raise ValueError(error.message) from None
    if parsed.kind != "2025":
        raise ValueError(f"{candidate} không theo cấu trúc mã đơn vị năm 2025")
    return parsed.value


def _lock_for_decision(request: UnitCodeRequest, officer: Officer) -> UnitCodeRequest:
    locked = (
        UnitCodeRequest.objects.select_for_update(of=("self",))
        .select_related("dossier", "managing_agency", "province", "ivan", "decided_by")
        .get(pk=request.pk)
    )
    if not officer_can_decide(officer, locked):
        raise DomainError(
            _("Hồ sơ thuộc đơn vị do cơ quan BHXH khác quản lý; bạn không có quyền quyết định."),
            code="REGISTRATIONS_OUT_OF_SCOPE",
        )
    if locked.status in (UnitCodeRequestStatus.APPROVED, UnitCodeRequestStatus.REJECTED):
        raise DomainError(
            _("Hồ sơ đã được %(decision)s lúc %(when)s bởi %(who)s; không quyết định lại được.")
            % {
                "decision": locked.get_status_display().lower(),
                "when": _when(locked.decided_at),
                "who": locked.decided_by.full_name if locked.decided_by else "",
            },
            code="REGISTRATIONS_ALREADY_DECIDED",
        )
    if locked.status != UnitCodeRequestStatus.AWAITING_REVIEW:
        raise DomainError(
            _("Hồ sơ đang ở trạng thái “%(status)s”, chưa thể xét duyệt.")
            % {"status": locked.get_status_display()},
            code="REGISTRATIONS_NOT_AWAITING_REVIEW",
        )
    return locked


def unit_code_approve(
    *,
    request: UnitCodeRequest,
    officer: Officer,
    target_group: str = "",
    business_type: str = "",
) -> UnitCodeRequest:
    """Issue the unit code: create the unit in the registry (`unit_create`), make the filing
    I-VAN its active e-service provider (the unit proved its email by activating), email the
    code and conclude the dossier accepted with the code in its result. The officer may
    correct the target group and business type the unit declared."""
    actor = actor_of(officer.user)
    with transaction.atomic():
        locked = _lock_for_decision(request, officer)
        group = (target_group or locked.target_group).upper()
        kind = (business_type or locked.business_type).upper()
        try:
            unit_code = issued_unit_code(
                tax_code=locked.tax_code, target_group=group, business_type=kind
            )
        except ValueError as error:
            raise DomainError(str(error), code="REGISTRATIONS_BAD_UNIT_CODE") from None
        try:
            unit = unit_create(
                unit_code=unit_code,
                tax_code=locked.tax_code,
                name=locked.name,
                address=locked.address,
                province_code=locked.province_id,
                managing_agency_code=locked.managing_agency_id,
                email=locked.contact_email,
                phone=locked.contact_phone,
                actor=actor,
            )
        except DomainError as error:
            if error.code != "UNIT_CODE_TAKEN":
                raise
            raise DomainError(
                _("Mã đơn vị %(code)s đã được cấp cho đơn vị khác; chọn loại hình khác.")
                % {"code": unit_code},
                code=error.code,
                field="business_type",
            ) from None
        now = timezone.now()
        _set_status(locked, UNIT_CODE_REQUEST_TRANSITIONS, UnitCodeRequestStatus.APPROVED)
        locked.decided_by = officer
        locked.decided_at = now
        locked.unit_code = unit_code
        locked.unit = unit
        locked.target_group = group
        locked.business_type = kind
        locked.save()
        registration = EserviceRegistration.objects.create(
            unit=unit,
            channel=Channel.IVAN,
            ivan=locked.ivan,
            contact_name=locked.contact_name,
            contact_email=locked.contact_email,
            contact_phone=locked.contact_phone,
            certificate_pem=locked.certificate_pem,
            certificate_fingerprint=locked.certificate_fingerprint,
            certificate_serial=locked.certificate_serial,
            certificate_subject=locked.certificate_subject,
            status=RegistrationStatus.ACTIVE,
            activated_at=now,
        )
        queue_email(
            to=locked.contact_email,
            template="registration_unit_code_approved",
            context={**_request_context(locked), "unit_code": unit_code, "decided_at": now},
            related=locked,
        )
        audit_record(
            actor=actor,
            action="registrations.unit_code_approved",
            target=locked,
            data={
                "unit_code": unit_code,
                "officer": officer.pk,
                "dossier": locked.dossier.number,
                "registration": registration.pk,
            },
        )
        dossier_conclude(
            dossier=locked.dossier,
            accepted=True,
            message=_("Cơ quan BHXH đã cấp mã đơn vị %(code)s.") % {"code": unit_code},
            result={"unit_code": unit_code, "registration_id": registration.pk},
            actor=actor,
        )
    return locked


def unit_code_reject(*, request: UnitCodeRequest, officer: Officer, reason: str) -> UnitCodeRequest:
    """Refuse a unit-code request with a reason the unit can act on; it may file again
    ("Đăng ký lại"), and the new request is linked to this one."""
    reason = reason.strip()
    if not reason:
        raise DomainError(
            _("Nhập lý do từ chối để đơn vị biết cần sửa gì."),
            code="REGISTRATIONS_REASON_REQUIRED",
            field="reason",
        )
    actor = actor_of(officer.user)
    with transaction.atomic():
        locked = _lock_for_decision(request, officer)
        now = timezone.now()
        _set_status(locked, UNIT_CODE_REQUEST_TRANSITIONS, UnitCodeRequestStatus.REJECTED)
        locked.decided_by = officer
        locked.decided_at = now
        locked.decision_reason = reason
        locked.save()
        queue_email(
            to=locked.contact_email,
            template="registration_unit_code_rejected",
            context={**_request_context(locked), "reason": reason, "decided_at": now},
            related=locked,
        )
        audit_record(
            actor=actor,
            action="registrations.unit_code_rejected",
            target=locked,
            data={"reason": reason, "officer": officer.pk, "dossier": locked.dossier.number},
        )
        refusal = RegistrationRefused(OFFICER_REJECTED, reason)
        dossier_conclude(
            dossier=locked.dossier,
            accepted=False,
            code=refusal.code,
            message=refusal.full_message(),
            result={"reason": reason},
            actor=actor,
        )
    return locked
