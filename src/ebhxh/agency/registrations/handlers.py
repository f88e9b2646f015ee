"""Gateway handlers for 04/ĐK-IVAN, 05/SD-IVAN, 06/NG-IVAN and HSDKLanDau.

A handler opens the dossier through the gateway (the envelope signature verified again at the
receipt time, only signed content read), verifies the form's own signature, reads the form,
calls one service and turns a refusal into the dossier's conclusion. The service's work runs in a
savepoint: a refusal or a database failure undoes all of it, so a system error (SYS001)
leaves the dossier pending and `dossier_retry` can run it again later (seed 004: "Lỗi hệ
thống → thực hiện lại").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, transaction

from ebhxh.agency.gateway.content import open_dossier, verify_form
from ebhxh.agency.gateway.errors import GatewayError
from ebhxh.agency.gateway.models import Dossier, DossierStatus
from ebhxh.agency.gateway.services import dossier_conclude, dossier_progress
from ebhxh.agency.registrations import services
from ebhxh.agency.registrations.certificates import CertificateInfo
from ebhxh.agency.registrations.errors import RegistrationRefused, rejection_message
from ebhxh.agency.registrations.models import Channel, EserviceRegistration, UnitCodeRequest
from ebhxh.agency.registrations.selectors import RETRYABLE_CODE, dossiers_awaiting_retry
from ebhxh.dossiers import DossierFormatError, Envelope
from ebhxh.dossiers.envelope import file_xpath
from ebhxh.dossiers.forms.registration import (
    CHANGE,
    FIRST_TIME_PROCEDURE,
    REGISTER,
    STOP,
    EserviceChangeForm,
    EserviceRegistrationForm,
    EserviceStopForm,
    UnitCodeRequestForm,
    read_registration_form,
)
from ebhxh.pki.errors import RejectionError

logger = logging.getLogger(__name__)

Work = Callable[[Dossier, Envelope, CertificateInfo], None]


def _already_handled(dossier: Dossier) -> bool:
    """A dossier concluded, or whose registration or request exists, is not handled twice."""
    if dossier.status in (DossierStatus.ACCEPTED, DossierStatus.REJECTED):
        return True
    return (
        EserviceRegistration.objects.filter(dossier=dossier).exists()
        or UnitCodeRequest.objects.filter(dossier=dossier).exists()
    )


def _run(dossier: Dossier, work: Work) -> None:
    if _already_handled(dossier):
        return
    actor = services.ivan_actor(dossier.ivan)
    try:
        with transaction.atomic():
            opened = open_dossier(dossier)
            _verify_forms(dossier, opened.envelope)
            signer = CertificateInfo.of(opened.verified.validated.certificate)
            work(dossier, opened.envelope, signer)
    except GatewayError as error:
        if error.code == RETRYABLE_CODE:
            _retry_later(dossier, actor)
        else:
            dossier_conclude(
                dossier=dossier,
                accepted=False,
                code=error.code,
                message=f"{rejection_message(error.code)} Chi tiết: {error.detail}",
                xpath=error.xpath,
                result={"detail": error.detail},
                actor=actor,
            )
    except RegistrationRefused as refusal:
        dossier_conclude(
            dossier=dossier,
            accepted=False,
            code=refusal.code,
            message=refusal.full_message(),
            xpath=refusal.xpath,
            result={"detail": refusal.detail} if refusal.detail else None,
            actor=actor,
        )
    except (DossierFormatError, RejectionError) as error:
        detail = error.detail
        dossier_conclude(
            dossier=dossier,
            accepted=False,
            code=error.code,
            message=f"{rejection_message(error.code)} Chi tiết: {detail}",
            xpath=error.xpath or "",
            result={"detail": detail},
            actor=actor,
        )
    except DatabaseError:
        logger.exception("Hồ sơ %s: lỗi cơ sở dữ liệu, sẽ xử lý lại", dossier.number)
        _retry_later(dossier, actor)


def _verify_forms(dossier: Dossier, envelope: Envelope) -> None:
    """Each form's own signature (`Cky`) is the unit's; a fault names the file."""
    for index, file in enumerate(envelope.files, start=1):
        try:
            verify_form(dossier, envelope, index)
        except RejectionError as error:
            raise RegistrationRefused(
                error.code,
                f"Tờ khai {file.form_code} (tệp thứ {index}): {error.detail or error.message}",
                xpath=error.xpath or file_xpath(index, "NoiDungFile"),
            ) from None


def _retry_later(dossier: Dossier, actor: str) -> None:
    """SYS001: the dossier stays pending, the I-VAN hears it, `dossier_retry` runs it again."""
    dossier_progress(
        dossier=dossier, code=RETRYABLE_CODE, message=rejection_message(RETRYABLE_CODE), actor=actor
    )


FormT = TypeVar("FormT")


def _form(envelope: Envelope, kind: type[FormT]) -> FormT:
    form = read_registration_form(envelope)
    if not isinstance(form, kind):  # the procedure decides the form, so this cannot happen
        raise TypeError(f"{envelope.procedure_code}: unexpected {type(form).__name__}")
    return form


def _register(dossier: Dossier, envelope: Envelope, signer: CertificateInfo) -> None:
    form = _form(envelope, EserviceRegistrationForm)
    services.registration_submit(
        unit_code=form.unit_code,
        channel=Channel.IVAN,
        ivan=dossier.ivan,
        dossier=dossier,
        contact=services.Contact(
            name=form.contact_name, email=form.contact_email, phone=form.contact_phone
        ),
        certificate=signer,
        actor=services.ivan_actor(dossier.ivan),
    )


def _change(dossier: Dossier, envelope: Envelope, signer: CertificateInfo) -> None:
    form = _form(envelope, EserviceChangeForm)
    services.registration_change(
        unit_code=form.unit_code,
        ivan=dossier.ivan,
        dossier=dossier,
        signer=signer,
        contact_name=form.contact_name,
        contact_email=form.contact_email,
        contact_phone=form.contact_phone,
        new_certificate=CertificateInfo.from_der(form.certificate_der)
        if form.certificate_der
        else None,
        actor=services.ivan_actor(dossier.ivan),
    )


def _stop(dossier: Dossier, envelope: Envelope, signer: CertificateInfo) -> None:
    form = _form(envelope, EserviceStopForm)
    services.registration_stop(
        unit_code=form.unit_code,
        filer=dossier.ivan,
        dossier=dossier,
        signer=signer,
        target_channel=form.target_channel,
        target_ivan_code=form.target_ivan_code,
        reason=form.reason,
        actor=services.ivan_actor(dossier.ivan),
    )


def _first_time(dossier: Dossier, envelope: Envelope, signer: CertificateInfo) -> None:
    form = _form(envelope, UnitCodeRequestForm)
    services.unit_code_request_submit(
        dossier=dossier,
        ivan=dossier.ivan,
        form=form,
        signer=signer,
        actor=services.ivan_actor(dossier.ivan),
    )


def handle_registration(dossier: Dossier) -> None:
    """04/ĐK-IVAN."""
    _run(dossier, _register)


def handle_change(dossier: Dossier) -> None:
    """05/SD-IVAN."""
    _run(dossier, _change)


def handle_stop(dossier: Dossier) -> None:
    """06/NG-IVAN."""
    _run(dossier, _stop)


def handle_first_time(dossier: Dossier) -> None:
    """HSDKLanDau (TK3-TS)."""
    _run(dossier, _first_time)


HANDLERS: dict[str, Callable[[Dossier], None]] = {
    REGISTER: handle_registration,
    CHANGE: handle_change,
    STOP: handle_stop,
    FIRST_TIME_PROCEDURE: handle_first_time,
}


def _last_event_code(dossier: Dossier) -> str:
    code = dossier.events.order_by("-at", "-pk").values_list("code", flat=True).first()
    return code or ""


def dossier_retry(*, limit: int = 100) -> int:
    """Run again the registration dossiers a system error left pending; returns how many got
    past the error. Each runs in its own transaction with the dossier row locked, so two
    workers never process one dossier twice."""
    done = 0
    for pk in list(dossiers_awaiting_retry().values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            dossier = (
                Dossier.objects.select_for_update(of=("self",)).select_related("ivan").get(pk=pk)
            )
            if (
                dossier.status != DossierStatus.PENDING
                or _last_event_code(dossier) != RETRYABLE_CODE
            ):
                continue  # another worker took it
            HANDLERS[dossier.procedure_code](dossier)
            done += _last_event_code(dossier) != RETRYABLE_CODE
    return done
