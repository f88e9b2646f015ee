"""Reads for the registration wizard: what the unit's registration dossiers say.

The I-VAN keeps no copy of the agency's registration: the unit's filings (their state, the
gateway's result and the forms as signed) and `Unit.service_state` are all it knows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from django.conf import settings
from django.db.models import QuerySet

from ebhxh.dossiers.forms.registration import (
    CHANGE,
    FIRST_TIME,
    FIRST_TIME_PROCEDURE,
    REGISTER,
    STOP,
    EserviceRegistrationForm,
    UnitCodeRequestForm,
    parse_registration,
    parse_unit_code_request,
)
from ebhxh.ivan.filings.models import Filing, FilingState
from ebhxh.ivan.models import ServiceState, Unit

# Seed 004: a stop of the old provider may be filed only after one of these refusals.
STOP_AFTER: Final = frozenset({"CE007", "CE044"})
OFFICER_REJECTED: Final = "REG009"
PROVINCE_NOT_ENABLED: Final = "REG008"
ALREADY_STOPPED: Final = "REG003"
RETRYABLE: Final = "SYS001"
REQUEST_PROCEDURES: Final = (REGISTER, FIRST_TIME_PROCEDURE)
ENROLMENT_PROCEDURES: Final = (REGISTER, FIRST_TIME_PROCEDURE, CHANGE, STOP)
_LIVE = (FilingState.CANCELLED,)


def first_time_provinces() -> frozenset[str]:
    """Where the agency takes HSDKLanDau electronically (`IVAN_FIRST_TIME_PROVINCES`, default
    Hà Nội, mirroring the agency's `REGISTRATION_FIRST_TIME_PROVINCES`); a REG008 answer
    from the gateway overrides it for the unit."""
    return frozenset(settings.IVAN_FIRST_TIME_PROVINCES)


def result_data(filing: Filing) -> dict[str, Any]:
    """`result.data` of the gateway's status document kept on the filing."""
    result = filing.result or {}
    inner = result.get("result") if isinstance(result.get("result"), dict) else result
    data = inner.get("data") if isinstance(inner, dict) else None
    return data if isinstance(data, dict) else {}


def filings_of(unit: Unit, procedures: tuple[str, ...] = ENROLMENT_PROCEDURES) -> QuerySet[Filing]:
    return (
        Filing.objects.filter(unit=unit, procedure_code__in=procedures)
        .exclude(state__in=_LIVE)
        .order_by("-created_at", "-pk")
    )


def latest(unit: Unit, *procedures: str) -> Filing | None:
    return filings_of(unit, procedures).first()


def sent(unit: Unit, *procedures: str) -> Filing | None:
    """The latest filing the agency has (received or decided)."""
    return (
        filings_of(unit, procedures)
        .filter(
            state__in=[
                FilingState.RECEIVED,
                FilingState.PROCESSING,
                FilingState.ACCEPTED,
                FilingState.REFUSED,
            ]
        )
        .first()
    )


def form_xml(filing: Filing, form_code: str) -> bytes:
    form = filing.forms.filter(form_code=form_code).first()
    if form is None:
        return b""
    return bytes(form.xml)


def registration_form_of(filing: Filing) -> EserviceRegistrationForm:
    return parse_registration(form_xml(filing, REGISTER))


def unit_code_request_of(filing: Filing) -> UnitCodeRequestForm:
    return parse_unit_code_request(form_xml(filing, FIRST_TIME))


def refused_registration(unit: Unit) -> Filing | None:
    """The 04/ĐK-IVAN refused because the unit is active elsewhere: "Đăng ký sử dụng" after
    the stop re-submits its content (seed 004, Bước 2)."""
    filing = sent(unit, REGISTER)
    if filing is None or filing.state != FilingState.REFUSED:
        return None
    return filing if filing.result_code in STOP_AFTER else None


def issued_unit_code(unit: Unit) -> str:
    """The code BHXH issued on the unit's approved HSDKLanDau, until the unit records it."""
    filing = sent(unit, FIRST_TIME_PROCEDURE)
    if filing is None or filing.state != FilingState.ACCEPTED or unit.unit_code:
        return ""
    return str(result_data(filing).get("unit_code", ""))


def activation_expires_at(filing: Filing) -> datetime | None:
    text = result_data(filing).get("activation_expires_at")
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def last_event_code(filing: Filing) -> str:
    """The code of the filing's latest event (SYS001 while the agency retries)."""
    for event in filing.events.order_by("-at", "-pk")[:5]:
        code = (event.detail or {}).get("code")
        if code:
            return str(code)
    return ""


class Step:
    """What the registration page offers next (one value per page layout)."""

    REGISTER = "register"
    REQUEST_CODE = "request_code"
    PAPER = "paper"
    SIGN = "sign"
    ACTIVATE = "activate"
    APPROVAL = "approval"
    UPDATE_CODE = "update_code"
    CHANGE = "change"
    REFUSED_ELSEWHERE = "refused_elsewhere"
    REJECTED = "rejected"
    ACTIVE = "active"
    NO_SIGNATURE = "no_signature"


@dataclass(frozen=True)
class EnrolmentView:
    unit: Unit
    step: str
    request: Filing | None  # the latest 04/HSDKLanDau the agency has
    unsigned: Filing | None  # a prepared filing still waiting for its signature
    stop: Filing | None
    change: Filing | None
    issued_code: str
    refused: Filing | None
    expires_at: datetime | None

    @property
    def first_time(self) -> bool:
        return self.unit.first_time and not self.unit.unit_code

    @property
    def previous_stopped(self) -> bool:
        """The old provider was stopped (or already was) after the CE007/CE044 refusal: only
        "Đăng ký sử dụng" is left to do. A stop from before a newer refusal does not count."""
        stop = self.stop
        if stop is None or self.refused is None or stop.created_at < self.refused.created_at:
            return False
        return stop.state == FilingState.ACCEPTED or (
            stop.state == FilingState.REFUSED and stop.result_code == ALREADY_STOPPED
        )

    @property
    def electronic_first_time(self) -> bool:
        if self.unit.province_id not in first_time_provinces():
            return False
        return not (
            self.request is not None
            and self.request.procedure_code == FIRST_TIME_PROCEDURE
            and self.request.result_code == PROVINCE_NOT_ENABLED
        )


_UNSIGNED = (FilingState.DRAFT, FilingState.SIGNING, FilingState.SIGNED, FilingState.SEND_FAILED)


def enrolment(unit: Unit, *, has_signature: bool) -> EnrolmentView:
    """Where the unit is in seed 000/004 and what the page offers next."""
    request = sent(unit, *REQUEST_PROCEDURES)
    unsigned = filings_of(unit).filter(state__in=_UNSIGNED).first()
    view = EnrolmentView(
        unit=unit,
        step="",
        request=request,
        unsigned=unsigned,
        stop=sent(unit, STOP),
        change=sent(unit, CHANGE),
        issued_code=issued_unit_code(unit),
        refused=refused_registration(unit),
        expires_at=activation_expires_at(request) if request else None,
    )
    state = unit.service_state
    if not has_signature:
        step = Step.NO_SIGNATURE
    elif state == ServiceState.PENDING_ACTIVATION:
        step = Step.ACTIVATE
    elif state == ServiceState.PENDING_APPROVAL:
        step = Step.APPROVAL
    elif state == ServiceState.ACTIVE:
        step = Step.ACTIVE
        if view.issued_code:
            step = Step.UPDATE_CODE
        elif unit.change_dossier_required:
            step = Step.CHANGE
    elif state == ServiceState.REFUSED:
        step = Step.REFUSED_ELSEWHERE if unit.refusal_code in STOP_AFTER else Step.REJECTED
    elif view.first_time:
        step = Step.REQUEST_CODE if view.electronic_first_time else Step.PAPER
    else:
        step = Step.REGISTER
    return replace(view, step=step)
