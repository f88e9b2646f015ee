"""Gender as declared on forms, read the way Vietnamese users write it (Nam/Nữ)."""

from __future__ import annotations

from typing import Final, Literal

from ebhxh.identifiers.errors import IdentifierError, Localized
from ebhxh.identifiers.text import fold

Gender = Literal["male", "female"]

_SPELLINGS: Final[dict[str, Gender]] = {
    "nam": "male",
    "male": "male",
    "nu": "female",
    "female": "female",
}

GENDER_LABELS: Final[dict[Gender, Localized]] = {
    "male": Localized("nam", "male"),
    "female": Localized("nữ", "female"),
}


def parse_gender(value: str) -> Gender:
    """'Nam', 'NỮ', 'nu', 'male'... to "male"/"female"; diacritics and case do not matter."""
    gender = _SPELLINGS.get(fold(value))
    if gender is None:
        raise IdentifierError.of("GENDER_INVALID", value=value.strip())
    return gender
