"""Errors raised by the reference data: a bad data file, or a lookup of a code that is not there.

Lookups raise `LookupError` subclasses (not `KeyError`) so the message prints as written.
"""

from __future__ import annotations


class ReferenceDataError(ValueError):
    """A data file is malformed or breaks a rule (reported before anything is written)."""


class UnknownProcedureError(LookupError):
    """No procedure with this code in the catalogue."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Không có thủ tục mã {code!r} trong danh mục thủ tục.")
        self.code = code


class UnknownRejectionError(LookupError):
    """No rejection code with this code in the catalogue."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Không có mã lỗi {code!r} trong danh mục mã lỗi.")
        self.code = code


class CalendarRangeError(ValueError):
    """The date lies outside the years the holiday source covers, so no answer is trustworthy."""
