"""Activation codes: generated with `secrets`, shown once in an email, stored only as a
keyed hash.

Eight characters from an alphabet without look-alikes (no I, O, 0, 1) give 40 bits; with five
tries per code and a fresh salt per row, guessing is hopeless, and a stolen database holds no
usable code because the hash is keyed with SECRET_KEY (HMAC-SHA256).
"""

from __future__ import annotations

import secrets
from typing import Final

from django.utils.crypto import constant_time_compare, salted_hmac

ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH: Final = 8
_KEY_SALT: Final = "ebhxh.agency.registrations.activation-code"


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
