import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from ebhxh.audit.models import AppendOnlyError, AuditChainHead, AuditRecord
from ebhxh.audit.services import audit_record
from ebhxh.audit.verification import verify_chain

pytestmark = pytest.mark.django_db


def write(n: int, action: str = "test.event") -> list[AuditRecord]:
    records = []
    for i in range(n):
        with transaction.atomic():
            records.append(
                audit_record(
                    actor="user:1:tester",
                    action=action,
                    object_type="test.thing",
                    object_id=str(i),
                    data={"i": i, "tên": "Nguyễn Văn A"},
                )
            )
    return records


def tamper(sql: str, params: list) -> None:
    """Change rows behind the application's back, as an intruder with DB access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def codes(report) -> set[str]:
    return {p.code for p in report.problems}


def test_records_form_an_intact_chain():
    records = write(5)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[1].prev_hash == records[0].hash
    head = AuditChainHead.objects.get(id=1)
    assert (head.last_seq, head.last_hash) == (5, records[-1].hash)
    report = verify_chain()
    assert report.ok and report.checked == 5


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit_record(actor="system", action="x")


def test_rolled_back_service_leaves_no_record():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit_record(actor="system", action="will.roll.back")
        1 / 0  # noqa: B018
    assert AuditRecord.objects.count() == 0
    assert verify_chain().ok


def test_edited_record_is_detected():
    write(4)
    tamper("UPDATE audit_auditrecord SET actor = %s WHERE seq = %s", ["user:666:intruder", 2])
    report = verify_chain()
    assert "AUDIT_RECORD_ALTERED" in codes(report)
    assert any(p.seq == 2 for p in report.problems)


def test_edited_data_is_detected():
    write(3)
    tamper("UPDATE audit_auditrecord SET data = %s WHERE seq = %s", ['{"i": 99}', 3])
    assert "AUDIT_RECORD_ALTERED" in codes(verify_chain())


def test_deleted_middle_record_is_detected():
    write(5)
    tamper("DELETE FROM audit_auditrecord WHERE seq = %s", [3])
    found = codes(verify_chain())
    assert {"AUDIT_GAP", "AUDIT_LINK_BROKEN"} <= found


def test_deleted_last_records_are_detected():
    write(5)
    tamper("DELETE FROM audit_auditrecord WHERE seq >= %s", [4])
    assert "AUDIT_TAIL_MISSING" in codes(verify_chain())


def test_rehashed_forgery_still_breaks_the_link():
    """Recomputing the edited record's own hash is not enough: the next one links the old."""
    from ebhxh.audit.hashing import record_hash

    write(3)
    rec = AuditRecord.objects.get(seq=2)
    forged = record_hash(
        seq=2,
        occurred_at=rec.occurred_at,
        actor="user:666:intruder",
        action=rec.action,
        object_type=rec.object_type,
        object_id=rec.object_id,
        data=rec.data,
        prev_hash=rec.prev_hash,
    )
    tamper(
        "UPDATE audit_auditrecord SET actor = %s, hash = %s WHERE seq = %s",
        ["user:666:intruder", forged, 2],
    )
    assert "AUDIT_LINK_BROKEN" in codes(verify_chain())


def test_application_cannot_change_or_delete_records():
    (rec,) = write(1)
    rec.actor = "someone else"
    with pytest.raises(AppendOnlyError):
        rec.save()
    with pytest.raises(AppendOnlyError):
        rec.delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_database_refuses_update_and_delete_on_postgresql():
    from django.db.utils import DatabaseError

    write(1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditrecord SET actor = 'x'")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditrecord")


def test_cli_verify_exit_codes(capsys):
    write(2)
    call_command("audit", "verify")
    assert "toàn vẹn" in capsys.readouterr().out
    tamper("UPDATE audit_auditrecord SET action = %s WHERE seq = %s", ["forged", 1])
    with pytest.raises(SystemExit) as exc:
        call_command("audit", "verify")
    assert exc.value.code == 1
    assert "AUDIT_RECORD_ALTERED" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_concurrent_writers_keep_one_chain():
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit_record(actor=f"thread:{k}", action="concurrent", object_id=str(i))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    report = verify_chain()
    assert report.ok and report.checked == 60


def test_records_written_during_verification_are_not_a_broken_tail(monkeypatch):
    """Another service commits a record while verification is half way through the chain."""
    import ebhxh.audit.verification as verification

    write(3)
    real_hash = verification.record_hash
    wrote: list[bool] = []

    def hash_and_meanwhile_write(**fields):
        if not wrote:
            wrote.append(True)
            with transaction.atomic():
                audit_record(actor="system", action="concurrent.write")
        return real_hash(**fields)

    monkeypatch.setattr(verification, "record_hash", hash_and_meanwhile_write)
    report = verify_chain()
    assert report.ok, report.problems
    assert report.checked == 3
