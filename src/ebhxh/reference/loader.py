"""Load the reference tables from the data files, idempotently (upsert by code).

One function serves three callers: the data migration (with the historical `apps` registry),
the `load_reference` management command an operator runs after replacing a data file, and
the tests. Everything is read and checked first (`read_reference_data`), then written in one
transaction, so a bad file changes nothing.

The loader writes only the fields the given model has, so the data migration keeps working
with its historical models after later migrations add fields; a later migration that adds a
field reruns the loader to fill it.

Rows that disappear from a file are retired, not lost: agencies and I-VAN providers are
deactivated (other apps keep pointing at them), catalogue rows are deleted, and provinces and
wards, which come from the pinned `vietnam-provinces` package, are never removed.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS, models, transaction
from vietnam_provinces import Province as VnProvince
from vietnam_provinces import Ward as VnWard

from ebhxh.reference.datafiles import (
    AGENCIES_DIRNAME,
    DATA_DIR,
    IVAN_PROVIDERS_FILENAME,
    NATIONAL_AGENCY_FILENAME,
    PROCEDURES_FILENAME,
    REJECTION_CODES_FILENAME,
    configured_data_dir,
    get_bool,
    get_objects,
    get_str,
    normalise_name,
    read_json_object,
)
from ebhxh.reference.errors import ReferenceDataError
from ebhxh.reference.procedures import load_procedures
from ebhxh.reference.rejections import load_rejections

NATIONAL_AGENCY_CODE = "00000"
_FIVE_DIGITS = re.compile(r"^\d{5}$")
_PROVINCE_FILE = re.compile(r"^\d{2}\.json$")

Rows = dict[str, dict[str, Any]]


class Retire(enum.Enum):
    """What happens to a row whose code is no longer in the data."""

    KEEP = "keep"
    DEACTIVATE = "deactivate"
    DELETE = "delete"


@dataclass
class TableChanges:
    """What one load did to one table."""

    label: str
    created: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retired)


@dataclass
class LoadReport:
    """Per-table changes of one load, keyed by model name (`"Agency"`)."""

    tables: dict[str, TableChanges] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(table.changed for table in self.tables.values())

    def lines(self) -> list[str]:
        """One Vietnamese line per table, for the management command."""
        return [
            f"{table.label}: thêm {table.created}, cập nhật {table.updated}, "
            f"gỡ/ngừng {table.retired}, giữ nguyên {table.unchanged}"
            for table in self.tables.values()
        ]


@dataclass(frozen=True)
class ReferenceData:
    """Every row to load, keyed by primary key, values keyed by field attname."""

    provinces: Rows
    wards: Rows
    agencies: Rows
    agency_wards: Rows
    ivan_providers: Rows
    procedures: Rows
    rejection_codes: Rows


# --- Reading and checking -------------------------------------------------------------------


def _administrative_units() -> tuple[Rows, Rows]:
    provinces: Rows = {}
    for province in sorted(VnProvince.iter_all(), key=lambda item: int(item.code)):
        provinces[f"{int(province.code):02d}"] = {
            "name": normalise_name(province.name),
            "division_type": province.division_type.name.lower(),
            "codename": province.codename,
        }
    wards: Rows = {}
    for ward in sorted(VnWard.iter_all(), key=lambda item: int(item.code)):
        wards[f"{int(ward.code):05d}"] = {
            "name": normalise_name(ward.name),
            "division_type": ward.division_type.name.lower(),
            "codename": ward.codename,
            "province_id": f"{int(ward.province_code):02d}",
        }
    return provinces, wards


def _contact(item: dict[str, Any], where: str) -> dict[str, str]:
    email = get_str(item, "email", where, required=False)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ReferenceDataError(
                f"{where}.email: {email!r} không phải địa chỉ hợp lệ."
            ) from exc
    return {
        "address": get_str(item, "address", where, required=False),
        "email": email,
        "phone": get_str(item, "phone", where, required=False),
    }


def _read_agencies(agencies_dir: Path, provinces: Rows, wards: Rows) -> tuple[Rows, Rows]:
    path = agencies_dir / NATIONAL_AGENCY_FILENAME
    document = read_json_object(path)
    where = f"{path}.national"
    national = document.get("national")
    if not isinstance(national, dict):
        raise ReferenceDataError(f"{where}: phải là một đối tượng JSON.")
    if get_str(national, "code", where) != NATIONAL_AGENCY_CODE:
        raise ReferenceDataError(f"{where}.code: BHXH Việt Nam có mã {NATIONAL_AGENCY_CODE}.")
    agencies: Rows = {
        NATIONAL_AGENCY_CODE: {
            "name": normalise_name(get_str(national, "name", where)),
            "level": "national",
            "parent_id": None,
            "province_id": None,
            **_contact(national, where),
            "data_source": get_str(document, "source", str(path)),
            "is_active": True,
        }
    }
    stray = sorted(
        p.name
        for p in agencies_dir.glob("*.json")
        if p.name != NATIONAL_AGENCY_FILENAME
        and (not _PROVINCE_FILE.match(p.name) or p.stem not in provinces)
    )
    if stray:
        raise ReferenceDataError(
            f"{agencies_dir}: tệp không ứng với tỉnh, thành phố nào: {', '.join(stray)}."
        )

    agency_wards: Rows = {}
    for province_code in provinces:
        locals_, links = _read_province_agencies(
            agencies_dir / f"{province_code}.json", province_code, wards
        )
        # Codes start with their province's code, so files cannot collide with each other.
        agencies.update(locals_)
        agency_wards.update(links)
    return agencies, agency_wards


def _read_province_agencies(path: Path, province_code: str, wards: Rows) -> tuple[Rows, Rows]:
    """The provincial agency and local agencies of one province, and the wards they serve."""
    document = read_json_object(path)
    source = str(path)
    if get_str(document, "province_code", source) != province_code:
        raise ReferenceDataError(f"{source}.province_code: phải là {province_code!r}.")
    data_source = get_str(document, "source", source)

    where = f"{source}.provincial"
    provincial = document.get("provincial")
    if not isinstance(provincial, dict):
        raise ReferenceDataError(f"{where}: phải là một đối tượng JSON.")
    provincial_code = f"{province_code}000"
    if get_str(provincial, "code", where) != provincial_code:
        raise ReferenceDataError(f"{where}.code: BHXH tỉnh có mã {provincial_code}.")
    agencies: Rows = {
        provincial_code: {
            "name": normalise_name(get_str(provincial, "name", where)),
            "level": "province",
            "parent_id": NATIONAL_AGENCY_CODE,
            "province_id": province_code,
            **_contact(provincial, where),
            "data_source": data_source,
            "is_active": True,
        }
    }

    links: Rows = {}
    local_items = get_objects(document, "local", source)
    if not local_items:
        raise ReferenceDataError(f"{source}.local: tỉnh phải có ít nhất một BHXH cơ sở.")
    for where, item in local_items:
        code = get_str(item, "code", where)
        if not (_FIVE_DIGITS.match(code) and code.startswith(province_code)):
            raise ReferenceDataError(
                f"{where}.code: {code!r} phải gồm 5 chữ số, bắt đầu bằng {province_code}."
            )
        if code in agencies:
            raise ReferenceDataError(f"{where}.code: mã {code} bị trùng hoặc trùng mã BHXH tỉnh.")
        agencies[code] = {
            "name": normalise_name(get_str(item, "name", where)),
            "level": "local",
            "parent_id": provincial_code,
            "province_id": province_code,
            **_contact(item, where),
            "data_source": data_source,
            "is_active": True,
        }
        for ward_where, ward_item in get_objects(item, "wards", where):
            ward_code = get_str(ward_item, "code", ward_where)
            ward = wards.get(ward_code)
            if ward is None or ward["province_id"] != province_code:
                raise ReferenceDataError(
                    f"{ward_where}.code: không có phường, xã mã {ward_code!r} thuộc tỉnh "
                    f"{province_code}."
                )
            name = normalise_name(get_str(ward_item, "name", ward_where, required=False))
            if name and name != ward["name"]:
                raise ReferenceDataError(
                    f"{ward_where}: mã {ward_code} là {ward['name']!r}, không phải {name!r}."
                )
            if ward_code in links:
                raise ReferenceDataError(
                    f"{ward_where}: {ward['name']} ({ward_code}) đã thuộc "
                    f"{links[ward_code]['agency_id']}; mỗi phường, xã chỉ thuộc một BHXH cơ sở."
                )
            links[ward_code] = {"agency_id": code}

    uncovered = [
        code
        for code, ward in wards.items()
        if ward["province_id"] == province_code and code not in links
    ]
    if uncovered:
        shown = ", ".join(uncovered[:20]) + (" …" if len(uncovered) > 20 else "")
        raise ReferenceDataError(
            f"{source}: {len(uncovered)} phường, xã chưa có BHXH cơ sở phụ trách: {shown}."
        )
    return agencies, links


def _read_ivan_providers(path: Path) -> Rows:
    document = read_json_object(path)
    rows: Rows = {}
    for where, item in get_objects(document, "providers", str(path)):
        code = get_str(item, "code", where)
        if not _FIVE_DIGITS.match(code):
            raise ReferenceDataError(f"{where}.code: mã I-VAN {code!r} phải gồm 5 chữ số.")
        if code in rows:
            raise ReferenceDataError(f"{where}.code: mã I-VAN {code} bị trùng.")
        rows[code] = {
            "name": get_str(item, "name", where),
            "short_name": get_str(item, "short_name", where),
            "is_active": get_bool(item, "active", where, default=True),
        }
    return rows


def read_reference_data(data_dir: Path = DATA_DIR) -> ReferenceData:
    """Read and check every data file under `data_dir`; raises `ReferenceDataError`."""
    provinces, wards = _administrative_units()
    agencies, agency_wards = _read_agencies(data_dir / AGENCIES_DIRNAME, provinces, wards)
    procedures: Rows = {
        spec.code: {
            "name": spec.name,
            "kind": spec.kind.value,
            "applicant": spec.applicant.value,
            "device_confirmations": spec.device_confirmations,
            "forms": [{"code": form.code, "description": form.description} for form in spec.forms],
        }
        for spec in load_procedures(data_dir / PROCEDURES_FILENAME)
    }
    rejection_codes: Rows = {
        entry.code: {
            "category": entry.category.value,
            "message_vi": entry.message_vi,
            "message_en": entry.message_en,
            "http_status": entry.http_status,
            "retryable": entry.retryable,
        }
        for entry in load_rejections(data_dir / REJECTION_CODES_FILENAME)
    }
    return ReferenceData(
        provinces=provinces,
        wards=wards,
        agencies=agencies,
        agency_wards=agency_wards,
        ivan_providers=_read_ivan_providers(data_dir / IVAN_PROVIDERS_FILENAME),
        procedures=procedures,
        rejection_codes=rejection_codes,
    )


# --- Writing --------------------------------------------------------------------------------


def _sync(
    model: type[models.Model], desired: Mapping[str, dict[str, Any]], *, using: str, retire: Retire
) -> TableChanges:
    """Make the table hold exactly `desired` (by primary key), touching only what differs."""
    opts = model._meta
    changes = TableChanges(label=str(opts.verbose_name_plural))
    pk_attname = opts.pk.attname if opts.pk is not None else "pk"
    attnames = {f.attname for f in opts.concrete_fields if not f.primary_key}
    manager = model._base_manager.db_manager(using)
    existing: dict[Any, models.Model] = manager.in_bulk()

    to_create: list[models.Model] = []
    to_update: list[models.Model] = []
    update_fields: set[str] = set()
    for pk, wanted in desired.items():
        values = {name: value for name, value in wanted.items() if name in attnames}
        obj = existing.get(pk)
        if obj is None:
            to_create.append(model(**{pk_attname: pk}, **values))
            continue
        dirty = [name for name, value in values.items() if getattr(obj, name) != value]
        if not dirty:
            changes.unchanged += 1
            continue
        for name in dirty:
            setattr(obj, name, values[name])
        update_fields.update(dirty)
        to_update.append(obj)

    stale = [obj for pk, obj in existing.items() if pk not in desired]
    if retire is Retire.DELETE and stale:
        manager.filter(pk__in=[obj.pk for obj in stale]).delete()
        changes.retired = len(stale)
    elif retire is Retire.DEACTIVATE:
        for obj in stale:
            if getattr(obj, "is_active", False):
                obj.is_active = False  # type: ignore[attr-defined]
                to_update.append(obj)
                update_fields.add("is_active")
                changes.retired += 1
            else:
                changes.unchanged += 1
    else:
        changes.unchanged += len(stale)

    manager.bulk_create(to_create, batch_size=500)
    if to_update:
        manager.bulk_update(to_update, fields=sorted(update_fields), batch_size=500)
    changes.created = len(to_create)
    changes.updated = len(to_update) - changes.retired
    return changes


def load_reference(
    *, apps: Apps | None = None, data_dir: Path | None = None, using: str = DEFAULT_DB_ALIAS
) -> LoadReport:
    """Upsert every reference table from the files under `data_dir` (default: the packaged
    data) and report what changed; running it twice in a row changes nothing the second time.
    """
    registry = apps or global_apps
    data = read_reference_data(data_dir or configured_data_dir())
    plan: list[tuple[str, Rows, Retire]] = [
        ("Province", data.provinces, Retire.KEEP),
        ("Ward", data.wards, Retire.KEEP),
        ("Agency", data.agencies, Retire.DEACTIVATE),
        ("AgencyWard", data.agency_wards, Retire.DELETE),
        ("IvanProvider", data.ivan_providers, Retire.DEACTIVATE),
        ("Procedure", data.procedures, Retire.DELETE),
        ("RejectionCode", data.rejection_codes, Retire.DELETE),
    ]
    report = LoadReport()
    with transaction.atomic(using=using):
        for model_name, rows, retire in plan:
            model = registry.get_model("reference", model_name)
            report.tables[model_name] = _sync(model, rows, using=using, retire=retire)
    return report
