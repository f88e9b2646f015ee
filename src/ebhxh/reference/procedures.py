"""The procedure catalogue (danh mục thủ tục): which forms each dossier carries, and how signing
is confirmed for it.

Pure Python on purpose: the dossier validator runs on both the I-VAN and the gateway and must
know a procedure without a database. The same file also fills the `Procedure` table so
administrators can browse it (`ebhxh.reference.loader`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ebhxh.reference.datafiles import (
    PROCEDURES_FILENAME,
    configured_data_dir,
    get_int,
    get_objects,
    get_str,
    read_json_object,
)
from ebhxh.reference.errors import ReferenceDataError, UnknownProcedureError


class ProcedureKind(enum.StrEnum):
    """Registration dossiers (register, change, stop, first time) versus business dossiers."""

    REGISTRATION = "registration"
    BUSINESS = "business"


class Applicant(enum.StrEnum):
    """Who files the procedure: an employer unit (through an I-VAN) or an individual."""

    UNIT = "unit"
    INDIVIDUAL = "individual"


# Seed 002: register/change/stop dossiers are confirmed once on the signing device, every other
# dossier twice. The catalogue may not contradict this, so the rule is checked on load.
DEVICE_CONFIRMATIONS: Mapping[ProcedureKind, int] = {
    ProcedureKind.REGISTRATION: 1,
    ProcedureKind.BUSINESS: 2,
}


@dataclass(frozen=True, slots=True)
class FormSpec:
    """A form (tờ khai) a procedure carries: `MaToKhai` and `MoTaToKhai` in the envelope."""

    code: str
    description: str


@dataclass(frozen=True, slots=True)
class ProcedureSpec:
    """One procedure (`MaThuTuc`, `TenThuTuc`) and the forms its dossier may carry."""

    code: str
    name: str
    kind: ProcedureKind
    applicant: Applicant
    forms: tuple[FormSpec, ...]
    device_confirmations: int

    def __post_init__(self) -> None:
        expected = DEVICE_CONFIRMATIONS[self.kind]
        if self.device_confirmations != expected:
            raise ReferenceDataError(
                f"Thủ tục {self.code}: loại {self.kind.value} phải xác nhận ký "
                f"{expected} lần trên thiết bị, không phải {self.device_confirmations}."
            )
        if not self.forms:
            raise ReferenceDataError(f"Thủ tục {self.code}: phải có ít nhất một tờ khai.")
        codes = [form.code for form in self.forms]
        if len(set(codes)) != len(codes):
            raise ReferenceDataError(f"Thủ tục {self.code}: mã tờ khai bị trùng.")

    @property
    def form_codes(self) -> frozenset[str]:
        """The form codes a dossier of this procedure may carry."""
        return frozenset(form.code for form in self.forms)

    def carries_form(self, form_code: str) -> bool:
        """Whether a form with this code belongs in a dossier of this procedure."""
        return form_code in self.form_codes


def parse_procedures(raw: dict[str, object], *, source: str) -> tuple[ProcedureSpec, ...]:
    """Validate the decoded JSON of a procedures file and build the catalogue, in file order."""
    specs: list[ProcedureSpec] = []
    seen: set[str] = set()
    for where, item in get_objects(dict(raw), "procedures", source):
        code = get_str(item, "code", where)
        if code in seen:
            raise ReferenceDataError(f"{where}: mã thủ tục {code!r} bị trùng.")
        seen.add(code)
        try:
            kind = ProcedureKind(get_str(item, "kind", where))
            applicant = Applicant(get_str(item, "applicant", where))
        except ValueError as exc:
            raise ReferenceDataError(f"{where}: {exc}.") from exc
        forms = tuple(
            FormSpec(
                code=get_str(form, "code", form_where),
                description=get_str(form, "description", form_where),
            )
            for form_where, form in get_objects(item, "forms", where)
        )
        specs.append(
            ProcedureSpec(
                code=code,
                name=get_str(item, "name", where),
                kind=kind,
                applicant=applicant,
                forms=forms,
                device_confirmations=get_int(item, "device_confirmations", where),
            )
        )
    return tuple(specs)


def load_procedures(path: Path) -> tuple[ProcedureSpec, ...]:
    """Read and validate a procedures file."""
    return parse_procedures(read_json_object(path), source=str(path))


@cache
def _catalogue() -> dict[str, ProcedureSpec]:
    return {
        spec.code: spec for spec in load_procedures(configured_data_dir() / PROCEDURES_FILENAME)
    }


def get_procedure(code: str) -> ProcedureSpec:
    """The procedure with this `MaThuTuc`; raises `UnknownProcedureError` if there is none."""
    try:
        return _catalogue()[code]
    except KeyError:
        raise UnknownProcedureError(code) from None


def all_procedures() -> tuple[ProcedureSpec, ...]:
    """Every procedure in the catalogue, in file order."""
    return tuple(_catalogue().values())
