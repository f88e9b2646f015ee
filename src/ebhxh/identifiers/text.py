"""Text helpers shared by the identifier checks.

Users type identifiers into forms and spreadsheets by hand: they paste stray characters and
write headers and genders with or without Vietnamese diacritics. These helpers let every
check treat such input the same way and point at the exact offending character.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Final

from ebhxh.identifiers.localized import Localized

DIGITS: Final = frozenset("0123456789")
ASCII_LETTERS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

_NON_WORD = re.compile(r"[^0-9a-z]+")


def is_ascii_digits(value: str) -> bool:
    """True only for ASCII 0-9: `str.isdigit` also accepts other scripts' digits and ²."""
    return bool(value) and all(char in DIGITS for char in value)


def first_char_outside(value: str, allowed: frozenset[str]) -> tuple[int, str] | None:
    """The 1-based position and character of the first character not in `allowed`."""
    for index, char in enumerate(value, start=1):
        if char not in allowed:
            return index, char
    return None


def show_char(char: str) -> Localized:
    """A character as a user can see it in a message: quoted, or named when invisible."""
    if char == " ":
        return Localized("dấu cách", "a space")
    if char == "\t":
        return Localized("dấu tab", "a tab")
    if char.isprintable() and not char.isspace():
        return Localized(f"ký tự '{char}'", f"the character '{char}'")
    code_point = f"U+{ord(char):04X}"
    return Localized(f"ký tự ẩn {code_point}", f"the invisible character {code_point}")


def fold(text: str) -> str:
    """Lower-case, drop diacritics and punctuation, so 'Họ và tên' matches 'HO VA TEN'.

    Đ/đ is a separate letter rather than D with a mark, so Unicode decomposition leaves it
    alone; it is mapped by hand.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_WORD.sub(" ", bare.lower()).strip()


_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_vn_date(text: str, *, allow_iso: bool = False) -> date | None:
    """A real date written dd/mm/yyyy, or yyyy-mm-dd with `allow_iso` (spreadsheets export
    dates that way); None otherwise."""
    text = text.strip()
    day_first = _DMY.fullmatch(text)
    iso = _ISO.fullmatch(text) if allow_iso else None
    try:
        if day_first:
            return date(int(day_first[3]), int(day_first[2]), int(day_first[1]))
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
    except ValueError:
        return None
    return None


def format_vn_date(value: date) -> str:
    """dd/mm/yyyy, the way Vietnamese forms write dates (strftime pads years < 1000 unevenly)."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
