"""Use cases of the gateway.

`dossier_receive` is intake: checks (`intake.admit`), then one short transaction that takes
the number, signs the receipt and stores the dossier. `dossier_process` decides a received
dossier with the procedure's handler. `dossier_progress` and `dossier_conclude` run in the
caller's transaction (a registration service, an officer's decision, a handler) so that the
dossier's status, its timeline and the caller's own change commit together; the callback to
the I-VAN starts after commit.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks_db import DatabaseBackend

from ebhxh.agency.gateway import intake, processing
from ebhxh.agency.gateway.errors import GatewayError
from ebhxh.agency.gateway.models import (
    DOSSIER_TRANSITIONS,
    Dossier,
    DossierEvent,
    DossierSequence,
    DossierStatus,
    RequestNonce,
)
from ebhxh.agency.gateway.signing import agency_signer
from ebhxh.agency.registry.models import IvanConnection
from ebhxh.audit.services import SYSTEM_ACTOR, audit_record
from ebhxh.core.queries import unique_or_none
from ebhxh.dossiers.receipt import RECEIPT, Receipt, build_receipt, format_number
from ebhxh.reference.models import Agency
from ebhxh.reference.procedures import ProcedureKind, get_procedure
from ebhxh.vntime import vietnam_date
from ebhxh.xmldsig import sign_xml

logger = logging.getLogger(__name__)


def ivan_actor(ivan: IvanConnection) -> str:
    return f"ivan:{ivan.provider_id}"


@dataclass(frozen=True)
class Intake:
    """The stored dossier and whether this call created it (False: an idempotent resend)."""

    dossier: Dossier
    created: bool


def _resend(*, ivan: IvanConnection, message_id: str, sha256: str) -> Intake | None:
    """The stored answer to a resend: the same receipt if the bytes are the same, SYS002 if
    this message id already carried other bytes, None if the message id is new."""
    # The envelope is not part of the answer: a resend does not read its 30–60 KiB again.
    existing = unique_or_none(
        Dossier.objects.filter(ivan=ivan, message_id=message_id).defer("envelope")
    )
    if existing is None:
        return None
    if existing.envelope_sha256 != sha256:
        raise GatewayError(
            "SYS002",
            f"mã thông điệp {message_id} đã dùng cho hồ sơ {existing.number} có SHA-256 "
            f"{existing.envelope_sha256}",
        )
    return Intake(dossier=existing, created=False)


def dossier_receive(
    *, ivan: IvanConnection, message_id: str, envelope: bytes, now: datetime | None = None
) -> Intake:
    """Receive a signed envelope: idempotent per (I-VAN, message id); on success the dossier
    is numbered, the signed receipt stored, and processing queued after commit.

    Refusals raise (GatewayError, DossierFormatError, XmlSignatureError, CertificateError)
    and store nothing. Two concurrent submissions of one message id store one dossier: the
    loser hits the unique constraint, its transaction (and its sequence number) rolls back,
    and it answers the winner's receipt. `now` (the receipt time) is for tests.
    """
    sha256 = hashlib.sha256(envelope).hexdigest()
    resent = _resend(ivan=ivan, message_id=message_id, sha256=sha256)
    if resent is not None:
        return resent
    now = now or timezone.now()
    received_at = now.replace(microsecond=now.microsecond // 1000 * 1000)  # receipt precision
    admission = intake.admit(ivan=ivan, envelope_bytes=envelope, received_at=received_at)
    try:
        dossier = _store(
            ivan=ivan,
            message_id=message_id,
            envelope=envelope,
            sha256=sha256,
            received_at=received_at,
            admission=admission,
        )
    except IntegrityError:
        resent = _resend(ivan=ivan, message_id=message_id, sha256=sha256)
        if resent is None:
            raise
        return resent
    return Intake(dossier=dossier, created=True)


def _store(
    *,
    ivan: IvanConnection,
    message_id: str,
    envelope: bytes,
    sha256: str,
    received_at: datetime,
    admission: intake.Admission,
) -> Dossier:
    """The one intake transaction. Lock order: sequence row, then (in audit_record) the
    audit chain head, held only for the last statements before commit."""
    content = admission.envelope
    agency = admission.agency
    year = vietnam_date(received_at).year
    with transaction.atomic():
        sequence = _next_sequence(agency=agency, year=year)
        number = format_number(sequence, year, agency.code)
        receipt = sign_xml(
            build_receipt(
                Receipt(
                    number=number,
                    message_id=message_id,
                    ivan_code=ivan.provider_id,
                    received_at=received_at,
                    procedure_code=content.procedure_code,
                    tax_code=content.unit.tax_code,
                    unit_code=content.unit.unit_code,
                    agency_code=agency.code,
                    agency_name=agency.name,
                    envelope_sha256=sha256,
                )
            ),
            agency_signer(),
            location=RECEIPT,
            self_check=False,
        )
        dossier = Dossier.objects.create(
            ivan=ivan,
            message_id=message_id,
            number=number,
            agency=agency,
            year=year,
            sequence=sequence,
            procedure_code=content.procedure_code,
            unit_code=content.unit.unit_code,
            tax_code=content.unit.tax_code,
            unit_name=content.unit.name[:300],
            signer_fingerprint=admission.verified.validated.fingerprint_sha256,
            received_at=received_at,
            envelope_sha256=sha256,
            envelope=envelope,
            receipt=receipt,
        )
        DossierEvent.objects.create(
            dossier=dossier,
            at=received_at,
            status=DossierStatus.RECEIVED,
            message=f"Đã tiếp nhận hồ sơ, số {number}.",
        )
        _queue_processing(dossier.pk)
        # Last: the audit chain head is one row every audited write in the system locks
        # until its commit, so it is taken as late as possible.
        audit_record(
            actor=ivan_actor(ivan),
            action="gateway.dossier_received",
            target=dossier,
            data={
                "number": number,
                "message_id": message_id,
                "procedure": content.procedure_code,
                "tax_code": content.unit.tax_code,
                "unit_code": content.unit.unit_code,
                "sha256": sha256,
            },
        )
    return dossier


def _next_sequence(*, agency: Agency, year: int) -> int:
    """The next number of (agency, year). One `UPDATE … RETURNING` takes the row's lock (as
    `SELECT … FOR UPDATE` would) and increments it in a single round trip; the lock is held
    to commit, so concurrent intakes of the agency wait for each other and a rolled-back
    intake gives its number back (no gaps). The row is created on first use; a concurrent
    creation is caught in a savepoint and the winner's row is then taken."""
    table = DossierSequence._meta.db_table
    sql = (
        f"UPDATE {table} SET last_value = last_value + 1 "  # noqa: S608 - names from the model
        "WHERE agency_id = %s AND year = %s RETURNING last_value"
    )
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(sql, [agency.pk, year])
        row = cursor.fetchone()
        if row is None:
            try:
                with transaction.atomic():
                    DossierSequence.objects.create(agency=agency, year=year, last_value=0)
            except IntegrityError:
                pass  # another intake created it first; its row is what we take below
            cursor.execute(sql, [agency.pk, year])
            row = cursor.fetchone()
    return int(row[0])


def _enqueue_processing(dossier_id: int) -> None:
    from ebhxh.agency.gateway.tasks import process_dossier

    process_dossier.enqueue(dossier_id)


def _queue_processing(dossier_id: int) -> None:
    """Processing starts only once the dossier is committed. With the database queue the
    task row is written in the intake transaction itself: it becomes visible to workers at
    the same commit, and a crash can never keep the dossier but lose its task. Any other
    backend (a broker, the inline one in tests) is called after commit."""
    from ebhxh.agency.gateway.tasks import process_dossier

    if isinstance(process_dossier.get_backend(), DatabaseBackend):
        process_dossier.enqueue(dossier_id)
    else:
        transaction.on_commit(lambda: _enqueue_processing(dossier_id))


def dossier_process(*, dossier_id: int) -> str | None:
    """Decide a received dossier with its procedure's handler, in one transaction; returns
    the new status, or None when there is nothing to do (already decided, unknown id).

    A handler that raises rolls everything back: the dossier stays `received` and the
    sweeper queues it again after GATEWAY_PROCESSING_RETRY_SECONDS.
    """
    with transaction.atomic():
        dossier = (
            Dossier.objects.select_for_update()
            .filter(pk=dossier_id, status=DossierStatus.RECEIVED)
            .first()
        )
        if dossier is None:
            return None
        handler = processing.handler_for(dossier.procedure_code)
        if handler is None:
            if get_procedure(dossier.procedure_code).kind is ProcedureKind.BUSINESS:
                from ebhxh.agency.gateway.business import handle_business

                handler = handle_business
            else:
                handler = _unhandled
        handler(dossier)
        status = Dossier.objects.values_list("status", flat=True).get(pk=dossier_id)
    if status == DossierStatus.RECEIVED:
        logger.warning(
            "Bộ xử lý thủ tục %s không cập nhật hồ sơ %s", dossier.procedure_code, dossier
        )
    return str(status)


def _unhandled(dossier: Dossier) -> None:
    """A registration procedure whose app registered no handler: a deployment fault, not
    the unit's. Rejected with SYS001 so the I-VAN hears at once instead of waiting."""
    logger.error("Không có bộ xử lý cho thủ tục %s (hồ sơ %s)", dossier.procedure_code, dossier)
    dossier_conclude(
        dossier=dossier,
        accepted=False,
        code="SYS001",
        message=(
            f"Cơ quan BHXH chưa xử lý được hồ sơ thủ tục {dossier.procedure_code} qua cổng "
            "tiếp nhận điện tử. Vui lòng nộp lại sau với mã thông điệp mới."
        ),
    )


def dossiers_sweep_received(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue again dossiers left `received` longer than GATEWAY_PROCESSING_RETRY_SECONDS (a
    handler that failed, a task lost with its worker). A duplicate task is harmless: the
    second finds the dossier no longer `received`, or waits for the row lock."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.GATEWAY_PROCESSING_RETRY_SECONDS)
    ids = list(
        Dossier.objects.filter(status=DossierStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        _enqueue_processing(pk)
    return len(ids)


def nonces_prune(*, now: datetime | None = None) -> int:
    """Delete nonces that can no longer be replayed: a request is accepted only within the
    window around its timestamp, so a nonce first seen more than twice the window ago can
    only come back with a stale timestamp."""
    now = now or timezone.now()
    keep = timedelta(seconds=2 * settings.GATEWAY_REQUEST_WINDOW_SECONDS + 60)
    deleted, _ = RequestNonce.objects.filter(seen_at__lt=now - keep).delete()
    return deleted


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
