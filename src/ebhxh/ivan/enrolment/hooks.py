"""How the agency's answers on registration dossiers move the unit (engine outcome hooks).

The engine calls these after commit whenever a 04/ĐK-IVAN, HSDKLanDau, 05/SD-IVAN or
06/NG-IVAN filing reaches a new state. Each hook is idempotent: it looks at the unit's state
and moves it only along `SERVICE_TRANSITIONS`, so a second call for the same answer does
nothing (and sends no second email).
"""

from __future__ import annotations

from django.db import transaction

from ebhxh.audit.services import SYSTEM_ACTOR, audit_record
from ebhxh.core.errors import DomainError
from ebhxh.dossiers.forms.registration import CHANGE, FIRST_TIME_PROCEDURE, REGISTER, STOP
from ebhxh.ivan import services as ivan_services
from ebhxh.ivan.enrolment import notify, selectors
from ebhxh.ivan.filings.models import Filing, FilingState
from ebhxh.ivan.filings.services import filing_refresh, register_outcome_hook
from ebhxh.ivan.models import SERVICE_TRANSITIONS, ServiceState, Unit

_TAKEN = (FilingState.RECEIVED, FilingState.PROCESSING)


def _current(filing: Filing) -> bool:
    """Only the unit's latest request decides its state; an older answer is history."""
    latest = selectors.sent(filing.unit, *selectors.REQUEST_PROCEDURES)
    return latest is not None and latest.pk == filing.pk


def _move(unit: Unit, to: ServiceState, **fields: str) -> bool:
    """Move the unit if the table allows it; a refusal on a refused unit updates the reason."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if unit.service_state == to:
        if to != ServiceState.REFUSED or unit.refusal_code == fields.get("refusal_code"):
            return False
        unit.refusal_code = fields.get("refusal_code", "")
        unit.refusal_message = fields.get("refusal_message", "")
        unit.save(update_fields=["refusal_code", "refusal_message", "updated_at"])
        audit_record(
            actor=SYSTEM_ACTOR,
            action="ivan.unit_refusal_updated",
            target=unit,
            data={"refusal_code": unit.refusal_code},
        )
        return True
    if to not in SERVICE_TRANSITIONS.allowed(unit.service_state):
        if unit.service_state == ServiceState.STOPPED and to == ServiceState.REFUSED:
            # a stopped unit registers again (→ pending) and is refused: both steps happened
            unit = ivan_services.unit_service_state_change(
                actor=SYSTEM_ACTOR, unit=unit, to=ServiceState.PENDING_ACTIVATION
            )
        else:
            return False
    ivan_services.unit_service_state_change(actor=SYSTEM_ACTOR, unit=unit, to=to, **fields)
    return True


def _learn(filing: Filing) -> Filing:
    """Just received: the agency's handler usually decides right after intake (CE007, a
    stop, a change), so ask once now rather than wait for the periodic poll. When the answer
    moved the filing, the engine has already run the hooks again for the new state, so the
    caller stops there."""
    if filing.state != FilingState.RECEIVED:
        return filing
    try:
        return filing_refresh(filing=filing)
    except DomainError:
        return filing


def _taken(filing: Filing) -> None:
    """The agency has the dossier: unless it decided at once, wait for the activation code."""
    if filing.state == FilingState.RECEIVED:
        filing = _learn(filing)
        if filing.state != FilingState.RECEIVED:
            return
    if selectors.last_event_code(filing) == selectors.RETRYABLE:
        return
    with transaction.atomic():
        if _move(filing.unit, ServiceState.PENDING_ACTIVATION):
            notify.step(filing.unit, "submitted", filing=filing)


def _refused(filing: Filing) -> None:
    code = filing.result_code
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=filing.unit_id)
        if code in selectors.STOP_AFTER or code == selectors.OFFICER_REJECTED:
            moved = _move(
                unit,
                ServiceState.REFUSED,
                refusal_code=code,
                refusal_message=filing.result_message,
            )
        elif unit.service_state == ServiceState.PENDING_ACTIVATION:
            # refused for its content (signature, format…): nothing is pending any more
            previous = ServiceState.NOT_REGISTERED
            moved = _move(unit, previous)
        else:
            moved = False
        if moved:
            notify.step(unit, "refused", filing=filing)


def on_request(filing: Filing) -> None:
    """04/ĐK-IVAN and HSDKLanDau."""
    if not _current(filing):
        return
    if filing.state in _TAKEN:
        _taken(filing)
    elif filing.state == FilingState.REFUSED:
        _refused(filing)
    elif filing.state == FilingState.ACCEPTED:
        with transaction.atomic():
            unit = Unit.objects.select_for_update().get(pk=filing.unit_id)
            moved = _move(
                unit,
                ServiceState.ACTIVE,
                registered_fingerprint=filing.signer_fingerprint,
            )
            if filing.procedure_code == FIRST_TIME_PROCEDURE:
                issued = str(selectors.result_data(filing).get("unit_code", ""))
                if moved and issued:
                    notify.step(unit, "unit_code_issued", filing=filing, issued=issued)
            elif moved:
                notify.step(unit, "activated", filing=filing)


def on_change(filing: Filing) -> None:
    """05/SD-IVAN accepted: the pending change is settled and its certificate registered."""
    if _learn(filing).state != filing.state or filing.state != FilingState.ACCEPTED:
        return
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=filing.unit_id)
        if not unit.change_dossier_required and unit.registered_fingerprint == (
            filing.signer_fingerprint or unit.registered_fingerprint
        ):
            return
        unit.change_dossier_required = False
        unit.change_dossier_reason = ""
        if filing.signer_fingerprint:
            unit.registered_fingerprint = filing.signer_fingerprint
        unit.save(
            update_fields=[
                "change_dossier_required",
                "change_dossier_reason",
                "registered_fingerprint",
                "updated_at",
            ]
        )
        audit_record(
            actor=SYSTEM_ACTOR,
            action="ivan.enrolment.change_accepted",
            target=unit,
            data={"filing": filing.pk, "number": filing.number},
        )
        notify.step(unit, "changed", filing=filing)


def on_stop(filing: Filing) -> None:
    """06/NG-IVAN accepted: tell the company to re-submit the refused registration."""
    if _learn(filing).state != filing.state or filing.state != FilingState.ACCEPTED:
        return
    latest = selectors.sent(filing.unit, STOP)
    if latest is None or latest.pk != filing.pk:
        return
    with transaction.atomic():
        audit_record(
            actor=SYSTEM_ACTOR,
            action="ivan.enrolment.previous_provider_stopped",
            target=filing.unit,
            data={"filing": filing.pk, "number": filing.number},
        )
        notify.step(filing.unit, "stopped", filing=filing)


def connect() -> None:
    register_outcome_hook(REGISTER, on_request)
    register_outcome_hook(FIRST_TIME_PROCEDURE, on_request)
    register_outcome_hook(CHANGE, on_change)
    register_outcome_hook(STOP, on_stop)
