"""The rejection-code catalogue (danh mục mã lỗi): one code, one message a user can act on.

Every refusal the gateway, the I-VAN's pre-submit validator or the portal gives carries a code
from this catalogue; the caller adds the XPath of the field at fault. Pure Python, like
`ebhxh.reference.procedures`, so the shared validator needs no database.

Code scheme: `CE007` and `CE044` are the codes the real BHXH system uses and are kept as they
are; every other code is a family prefix for its category plus three digits (`SIG001`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ebhxh.reference.datafiles import (
    REJECTION_CODES_FILENAME,
    configured_data_dir,
    get_bool,
    get_int,
    get_objects,
    get_str,
    read_json_object,
)
from ebhxh.reference.errors import ReferenceDataError, UnknownRejectionError


class RejectionCategory(enum.StrEnum):
    """What kind of fault a rejection reports; decides the code's family prefix."""

    SIGNATURE = "signature"
    CERTIFICATE = "certificate"
    SCHEMA = "schema"
    IDENTITY = "identity"
    AUTHORISATION = "authorisation"
    REGISTRATION = "registration"
    SYSTEM = "system"


FAMILY_PREFIX: Mapping[RejectionCategory, str] = {
    RejectionCategory.SIGNATURE: "SIG",
    RejectionCategory.CERTIFICATE: "CRT",
    RejectionCategory.SCHEMA: "SCH",
    RejectionCategory.IDENTITY: "IDN",
    RejectionCategory.AUTHORISATION: "AUT",
    RejectionCategory.REGISTRATION: "REG",
    RejectionCategory.SYSTEM: "SYS",
}
# Codes of the real BHXH system, kept verbatim; all of them are registration conflicts.
LEGACY_PREFIX = "CE"
_CODE_PATTERN = re.compile(r"^(?P<prefix>[A-Z]{2,3})(?P<number>\d{3})$")


@dataclass(frozen=True, slots=True)
class Rejection:
    """A catalogue entry. `http_status` is a hint for HTTP callers, `retryable` says whether
    the same request may succeed later without the user changing anything."""

    code: str
    category: RejectionCategory
    message_vi: str
    message_en: str
    http_status: int
    retryable: bool = False

    def __post_init__(self) -> None:
        match = _CODE_PATTERN.match(self.code)
        if match is None:
            raise ReferenceDataError(
                f"Mã lỗi {self.code!r}: phải gồm tiền tố chữ in hoa và 3 chữ số."
            )
        prefix = match["prefix"]
        allowed = {FAMILY_PREFIX[self.category]}
        if self.category is RejectionCategory.REGISTRATION:
            allowed.add(LEGACY_PREFIX)
        if prefix not in allowed:
            raise ReferenceDataError(
                f"Mã lỗi {self.code}: nhóm {self.category.value} phải dùng tiền tố "
                f"{' hoặc '.join(sorted(allowed))}."
            )
        if not 400 <= self.http_status <= 599:
            raise ReferenceDataError(
                f"Mã lỗi {self.code}: http_status {self.http_status} không phải mã lỗi HTTP."
            )

    def message(self, language: str = "vi") -> str:
        """The message in the requested language; Vietnamese unless English is asked for."""
        return self.message_en if language.lower().startswith("en") else self.message_vi


def parse_rejections(raw: dict[str, object], *, source: str) -> tuple[Rejection, ...]:
    """Validate the decoded JSON of a rejection-codes file and build the catalogue."""
    entries: list[Rejection] = []
    seen: set[str] = set()
    for where, item in get_objects(dict(raw), "rejections", source):
        code = get_str(item, "code", where)
        if code in seen:
            raise ReferenceDataError(f"{where}: mã lỗi {code!r} bị trùng.")
        seen.add(code)
        try:
            category = RejectionCategory(get_str(item, "category", where))
        except ValueError as exc:
            raise ReferenceDataError(f"{where}: {exc}.") from exc
        entries.append(
            Rejection(
                code=code,
                category=category,
                message_vi=get_str(item, "message_vi", where),
                message_en=get_str(item, "message_en", where),
                http_status=get_int(item, "http_status", where),
                retryable=get_bool(item, "retryable", where, default=False),
            )
        )
    return tuple(entries)


def load_rejections(path: Path) -> tuple[Rejection, ...]:
    """Read and validate a rejection-codes file."""
    return parse_rejections(read_json_object(path), source=str(path))


@cache
def _catalogue() -> dict[str, Rejection]:
    return {
        entry.code: entry
        for entry in load_rejections(configured_data_dir() / REJECTION_CODES_FILENAME)
    }


def get_rejection(code: str) -> Rejection:
    """The catalogue entry for this code; raises `UnknownRejectionError` if there is none."""
    try:
        return _catalogue()[code]
    except KeyError:
        raise UnknownRejectionError(code) from None


def all_rejections() -> tuple[Rejection, ...]:
    """Every catalogue entry, in file order."""
    return tuple(_catalogue().values())
