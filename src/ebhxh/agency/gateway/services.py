"""Use cases of the gateway that other agency apps build on.

`dossier_progress` and `dossier_conclude` run in the caller's transaction (a registration
service, an officer's decision) so that the dossier's status, its timeline and the caller's
own change commit together; the callback to the I-VAN starts after commit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from ebhxh.agency.gateway.models import DOSSIER_TRANSITIONS, Dossier, DossierEvent, DossierStatus
from ebhxh.audit.services import SYSTEM_ACTOR, audit_record


def _require_atomic() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Cập nhật hồ sơ phải nằm trong transaction của dịch vụ gọi nó.")


def _move(
    *,
    dossier: Dossier,
    status: DossierStatus,
    message: str,
    code: str,
    xpath: str,
    result: dict[str, Any] | None,
    actor: str,
) -> Dossier:
    _require_atomic()
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    DOSSIER_TRANSITIONS.check(locked.status, status)
    locked.status = status
    if status in (DossierStatus.ACCEPTED, DossierStatus.REJECTED):
        locked.result_code = code
        locked.result_message = message
        locked.result_xpath = xpath
    if result:
        locked.result = {**locked.result, **result}
    locked.save(
        update_fields=[
            "status",
            "result_code",
            "result_message",
            "result_xpath",
            "result",
            "updated_at",
        ]
    )
    DossierEvent.objects.create(
        dossier=locked, at=timezone.now(), status=status, code=code, message=message
    )
    audit_record(
        actor=actor,
        action=f"gateway.dossier_{status}",
        target=locked,
        data={"number": locked.number, "code": code, "message": message},
    )
    from ebhxh.agency.gateway import callbacks

    callbacks.schedule(dossier=locked)
    return locked


def dossier_progress(
    *,
    dossier: Dossier,
    message: str,
    code: str = "",
    result: dict[str, Any] | None = None,
    actor: str = SYSTEM_ACTOR,
) -> Dossier:
    """Record a step of a dossier still being decided (waiting for activation, for review)."""
    return _move(
        dossier=dossier,
        status=DossierStatus.PENDING,
        message=message,
        code=code,
        xpath="",
        result=result,
        actor=actor,
    )


def dossier_conclude(
    *,
    dossier: Dossier,
    accepted: bool,
    message: str,
    code: str = "",
    xpath: str = "",
    result: dict[str, Any] | None = None,
    actor: str = SYSTEM_ACTOR,
) -> Dossier:
    """Close a dossier as accepted or rejected; a rejection carries a catalogue code."""
    if not accepted and not code:
        raise ValueError("Hồ sơ bị từ chối phải có mã lỗi trong danh mục.")
    return _move(
        dossier=dossier,
        status=DossierStatus.ACCEPTED if accepted else DossierStatus.REJECTED,
        message=message,
        code=code,
        xpath=xpath,
        result=result,
        actor=actor,
    )
