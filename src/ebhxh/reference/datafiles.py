"""Where the reference data files live, and strict readers for their JSON.

The files are the source of truth an operator may replace (docs/reference-data.md); the readers
reject anything unexpected with the file and the path inside it, so a typo in an official list
fails loudly at load time instead of surfacing as a wrong answer later.
"""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path
from typing import Any

from ebhxh.reference.errors import ReferenceDataError

DATA_DIR = Path(__file__).resolve().parent / "data"
# An operator who replaces the data files points every process at them with this variable,
# so the database tables and the in-code catalogues (procedures, rejection codes) agree.
DATA_DIR_ENV = "EBHXH_REFERENCE_DATA_DIR"


def configured_data_dir() -> Path:
    """The data directory in use: $EBHXH_REFERENCE_DATA_DIR, else the packaged one."""
    configured = os.environ.get(DATA_DIR_ENV)
    return Path(configured) if configured else DATA_DIR


AGENCIES_DIRNAME = "agencies"
NATIONAL_AGENCY_FILENAME = "national.json"
IVAN_PROVIDERS_FILENAME = "ivan_providers.json"
PROCEDURES_FILENAME = "procedures.json"
REJECTION_CODES_FILENAME = "rejection_codes.json"
CALENDAR_ADJUSTMENTS_FILENAME = "calendar_adjustments.json"


def normalise_name(name: str) -> str:
    """NFC with single spaces: the package has names like "Phường  Tân An", and files typed
    elsewhere may arrive decomposed (NFD), which would never compare equal."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def read_json_object(path: Path) -> dict[str, Any]:
    """Read a UTF-8 JSON file whose top level must be an object."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ReferenceDataError(f"{path}: không tìm thấy tệp dữ liệu.") from exc
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(f"{path}: JSON không hợp lệ ({exc}).") from exc
    if not isinstance(raw, dict):
        raise ReferenceDataError(f"{path}: cấp ngoài cùng phải là một đối tượng JSON.")
    return raw


def get_str(obj: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    """A string member; optional members default to the empty string."""
    if key not in obj:
        if required:
            raise ReferenceDataError(f"{where}: thiếu trường {key!r}.")
        return ""
    value = obj[key]
    if not isinstance(value, str):
        raise ReferenceDataError(f"{where}.{key}: phải là chuỗi.")
    if required and not value.strip():
        raise ReferenceDataError(f"{where}.{key}: không được để trống.")
    return value.strip()


def get_int(obj: dict[str, Any], key: str, where: str) -> int:
    """An integer member (booleans are not integers here)."""
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReferenceDataError(f"{where}.{key}: phải là số nguyên.")
    return value


def get_bool(obj: dict[str, Any], key: str, where: str, *, default: bool | None = None) -> bool:
    """A boolean member, or its default when absent and a default is given."""
    if key not in obj and default is not None:
        return default
    value = obj.get(key)
    if not isinstance(value, bool):
        raise ReferenceDataError(f"{where}.{key}: phải là true hoặc false.")
    return value


def get_list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    """A list member."""
    value = obj.get(key)
    if not isinstance(value, list):
        raise ReferenceDataError(f"{where}.{key}: phải là một danh sách.")
    return value


def get_objects(obj: dict[str, Any], key: str, where: str) -> list[tuple[str, dict[str, Any]]]:
    """A list of objects, each paired with its path for error messages."""
    items = []
    for index, item in enumerate(get_list(obj, key, where)):
        item_where = f"{where}.{key}[{index}]"
        if not isinstance(item, dict):
            raise ReferenceDataError(f"{item_where}: phải là một đối tượng JSON.")
        items.append((item_where, item))
    return items
