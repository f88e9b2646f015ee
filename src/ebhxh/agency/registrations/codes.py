"""Activation codes: generated with `secrets`, shown once in an email, stored only as a
keyed hash.

Eight characters from an alphabet without look-alikes (no I, O, 0, 1) give 40 bits; with five
tries per code and a fresh salt per row, guessing is hopeless, and a stolen database holds no
usable code because the hash is keyed with SECRET_KEY (HMAC-SHA256).

`check_entered` is the one place a typed code is judged (hash, tries, lock, expiry), for the
e-service activation code and the portal's organisation "mã xác nhận" alike, so both count
and lock the same way and refuse with the same catalogue codes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Final, TypeVar

from django.conf import settings
from django.db import models
from django.utils.crypto import constant_time_compare, salted_hmac

from ebhxh.agency.registrations.errors import RegistrationRefused
from ebhxh.agency.registrations.models import CODE_TRANSITIONS, CodeStatus, OneTimeCode
from ebhxh.audit.services import audit_record

ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH: Final = 8
_KEY_SALT: Final = "ebhxh.agency.registrations.activation-code"

CodeT = TypeVar("CodeT", bound=OneTimeCode)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def new_salt() -> str:
    return secrets.token_hex(16)


def normalise(text: str) -> str:
    """What a person typed, without spaces or dashes, in upper case (`abcd-efgh` works)."""
    return "".join(char for char in text.upper() if char not in " -\t")


def display(code: str) -> str:
    """`ABCDEFGH` → `ABCD-EFGH`, easier to copy by eye."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def digest(code: str, salt: str) -> str:
    return salted_hmac(_KEY_SALT, f"{salt}:{normalise(code)}", algorithm="sha256").hexdigest()


def matches(code: str, salt: str, expected: str) -> bool:
    return constant_time_compare(digest(code, salt), expected)


def check_entered(
    row: CodeT | None,
    entered: str,
    *,
    now: datetime,
    actor: str,
    wrong_action: str,
    audit_target: Callable[[CodeT], models.Model] | None = None,
    expired_detail: Callable[[datetime], str] | None = None,
) -> RegistrationRefused | None:
    """Consume `row` if `entered` is its code; otherwise count the wrong try (locking the
    code at the limit, audited as `wrong_action` on `audit_target(row)`, the row itself by
    default) and return why: REG005 no live code or expired (with `expired_detail`), REG006
    used, REG007 locked, REG004 wrong with the tries left. It returns the refusal instead of
    raising it because the caller holds the row lock and must commit the counted try."""
    if row is None or row.status == CodeStatus.VOIDED:
        return RegistrationRefused("REG005", field="code")
    if row.status == CodeStatus.USED:
        return RegistrationRefused("REG006", field="code")
    if row.status == CodeStatus.LOCKED:
        return RegistrationRefused("REG007", field="code")
    if now >= row.expires_at:
        detail = expired_detail(row.expires_at) if expired_detail is not None else ""
        return RegistrationRefused("REG005", detail, field="code")
    if matches(entered, row.salt, row.code_hash):
        CODE_TRANSITIONS.check(row.status, CodeStatus.USED)
        row.status = CodeStatus.USED
        row.used_at = now
        row.save(update_fields=["status", "used_at"])
        return None
    row.attempts += 1
    limit = settings.REGISTRATION_ACTIVATION_MAX_ATTEMPTS
    if row.attempts >= limit:
        CODE_TRANSITIONS.check(row.status, CodeStatus.LOCKED)
        row.status = CodeStatus.LOCKED
    row.save(update_fields=["status", "attempts"])
    audit_record(
        actor=actor,
        action=wrong_action,
        target=audit_target(row) if audit_target is not None else row,
        data={"attempts": row.attempts, "locked": row.status == CodeStatus.LOCKED},
    )
    if row.status == CodeStatus.LOCKED:
        return RegistrationRefused("REG007", f"Đã nhập sai {row.attempts} lần.", field="code")
    return RegistrationRefused(
        "REG004", f"Còn {limit - row.attempts} lần thử trước khi mã bị khóa.", field="code"
    )
