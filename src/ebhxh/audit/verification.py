"""Re-derive the chain and report every break: edited, deleted, inserted or truncated records."""

from __future__ import annotations

from dataclasses import dataclass, field

from ebhxh.audit.hashing import record_hash
from ebhxh.audit.models import GENESIS_HASH, AuditChainHead, AuditRecord


@dataclass(frozen=True)
class Problem:
    seq: int
    code: str
    message: str


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(*, chunk_size: int = 2000) -> VerifyReport:
    """Check the chain up to the head as it stands when verification starts.

    Reading the head first means records committed while verification runs (the system is
    in use) are simply not looked at, instead of being mistaken for a broken tail.
    """
    report = VerifyReport()
    head = AuditChainHead.objects.filter(id=1).first()
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS_HASH
    expected_seq = 1
    prev_hash = GENESIS_HASH
    records = AuditRecord.objects.filter(seq__lte=last_seq).order_by("seq")
    for rec in records.iterator(chunk_size=chunk_size):
        report.checked += 1
        if rec.seq != expected_seq:
            report.problems.append(
                Problem(
                    rec.seq,
                    "AUDIT_GAP",
                    f"Thiếu bản ghi số {expected_seq}–{rec.seq - 1}: đã bị xoá khỏi nhật ký.",
                )
            )
        if rec.prev_hash != prev_hash:
            report.problems.append(
                Problem(
                    rec.seq,
                    "AUDIT_LINK_BROKEN",
                    f"Bản ghi {rec.seq} không nối với bản ghi trước (mã băm trước không khớp).",
                )
            )
        actual = record_hash(
            seq=rec.seq,
            occurred_at=rec.occurred_at,
            actor=rec.actor,
            action=rec.action,
            object_type=rec.object_type,
            object_id=rec.object_id,
            data=rec.data,
            prev_hash=rec.prev_hash,
        )
        if actual != rec.hash:
            report.problems.append(
                Problem(
                    rec.seq,
                    "AUDIT_RECORD_ALTERED",
                    f"Bản ghi {rec.seq} ({rec.action}) đã bị sửa: nội dung không khớp mã băm.",
                )
            )
        prev_hash = rec.hash
        expected_seq = rec.seq + 1
    if last_seq != expected_seq - 1 or last_hash != prev_hash:
        report.problems.append(
            Problem(
                last_seq,
                "AUDIT_TAIL_MISSING",
                f"Đầu chuỗi ghi bản ghi cuối là số {last_seq} nhưng nhật ký kết thúc ở số "
                f"{expected_seq - 1}: các bản ghi cuối đã bị xoá hoặc sửa.",
            )
        )
    return report
