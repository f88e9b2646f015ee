"""The audit log: one append-only chain of records, each hashing its predecessor.

`AuditChainHead` is a single row holding the last sequence number and hash. Writers lock it
(SELECT ... FOR UPDATE on PostgreSQL; SQLite serialises writers anyway), which orders the
chain and lets `verify` notice records removed from the end.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(RuntimeError):
    """Audit records are never changed or removed through the application."""


class AuditRecord(models.Model):
    seq = models.BigIntegerField(_("số thứ tự"), unique=True)
    occurred_at = models.DateTimeField(_("thời điểm"))
    actor = models.CharField(_("người thực hiện"), max_length=200)
    action = models.CharField(_("hành động"), max_length=100, db_index=True)
    object_type = models.CharField(_("loại đối tượng"), max_length=100, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=100, blank=True, db_index=True)
    data = models.JSONField(_("dữ liệu"), default=dict)
    prev_hash = models.CharField(_("băm bản ghi trước"), max_length=64)
    hash = models.CharField(_("băm"), max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("bản ghi nhật ký")
        verbose_name_plural = _("nhật ký kiểm toán")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Bản ghi nhật ký kiểm toán không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Bản ghi nhật ký kiểm toán không được xoá.")


class AuditChainHead(models.Model):
    """Exactly one row (id=1): the tip of the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("đầu chuỗi nhật ký")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"
