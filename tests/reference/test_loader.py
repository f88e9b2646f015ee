"""The loader upserts idempotently, picks up edited files, retires vanished rows, and refuses a
bad file before writing anything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ebhxh.reference import loader
from ebhxh.reference.errors import ReferenceDataError
from ebhxh.reference.loader import load_reference, read_reference_data
from ebhxh.reference.models import (
    Agency,
    AgencyWard,
    IvanProvider,
    Procedure,
    Province,
    RejectionCode,
    Ward,
)
from tests.reference.helpers import read_json, write_json

MODELS = (Province, Ward, Agency, AgencyWard, IvanProvider, Procedure, RejectionCode)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    return {
        model.__name__: sorted(tuple(row.values()) for row in model.objects.values())
        for model in MODELS
    }


@pytest.mark.django_db
def test_loading_twice_changes_nothing() -> None:
    before = snapshot()
    report = load_reference()
    assert not report.changed
    assert report.tables["Ward"].unchanged == 3321
    assert snapshot() == before


@pytest.mark.django_db
def test_loading_with_the_historical_registry_of_the_migration_changes_nothing() -> None:
    executor = MigrationExecutor(connection)
    state = executor.loader.project_state(("reference", "0002_load_reference_data"))
    report = load_reference(apps=state.apps)
    assert not report.changed


@pytest.mark.django_db
def test_fields_the_model_does_not_have_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """A data migration's historical model may lack fields added later; it must still load."""
    real = loader.read_reference_data

    def with_future_field(data_dir: Path) -> loader.ReferenceData:
        data = real(data_dir)
        for row in data.agencies.values():
            row["field_added_in_a_later_migration"] = "x"
        return data

    monkeypatch.setattr(loader, "read_reference_data", with_future_field)
    assert not load_reference().changed


@pytest.mark.django_db
def test_an_edited_data_file_is_picked_up(data_dir: Path) -> None:
    hanoi_path = data_dir / "agencies" / "01.json"
    hanoi = read_json(hanoi_path)
    first, second = hanoi["local"][0], hanoi["local"][1]
    first["name"] = "Bảo hiểm xã hội khu vực Ba Đình"
    first["email"] = "badinh@example.vn"
    moved = first["wards"].pop()
    second["wards"].insert(0, moved)
    write_json(hanoi_path, hanoi)

    ivan_path = data_dir / "ivan_providers.json"
    ivans = read_json(ivan_path)
    ivans["providers"] = [p for p in ivans["providers"] if p["code"] != "00113"]
    write_json(ivan_path, ivans)

    rejections_path = data_dir / "rejection_codes.json"
    rejections = read_json(rejections_path)
    rejections["rejections"] = [r for r in rejections["rejections"] if r["code"] != "SYS002"]
    write_json(rejections_path, rejections)

    report = load_reference(data_dir=data_dir)

    agency = Agency.objects.get(code=first["code"])
    assert agency.name == "Bảo hiểm xã hội khu vực Ba Đình"
    assert agency.email == "badinh@example.vn"
    assert AgencyWard.objects.get(ward_id=moved["code"]).agency_id == second["code"]
    assert report.tables["Agency"].updated == 1
    assert report.tables["AgencyWard"].updated == 1
    assert report.tables["AgencyWard"].created == 0

    retired_ivan = IvanProvider.objects.get(code="00113")
    assert not retired_ivan.is_active
    assert report.tables["IvanProvider"].retired == 1
    assert not RejectionCode.objects.filter(code="SYS002").exists()
    assert report.tables["RejectionCode"].retired == 1

    assert not load_reference(data_dir=data_dir).changed


@pytest.mark.django_db
def test_an_official_list_replaces_the_generated_one(data_dir: Path) -> None:
    """Huế's placeholder agencies give way to one official office; old rows are deactivated."""
    path = data_dir / "agencies" / "46.json"
    document = read_json(path)
    old_codes = [item["code"] for item in document["local"]]
    ward_codes = [ward["code"] for item in document["local"] for ward in item["wards"]]
    document["source"] = "official"
    document["local"] = [
        {
            "code": "46101",
            "name": "Bảo hiểm xã hội cơ sở khu vực Thuận Hóa",
            "address": "Số 1 đường Ví Dụ, phường Thuận Hóa",
            "email": "",
            "phone": "0234 0000000",
            "wards": [{"code": code} for code in ward_codes],
        }
    ]
    write_json(path, document)

    report = load_reference(data_dir=data_dir)

    new = Agency.objects.get(code="46101")
    assert new.data_source == "official"
    assert new.parent_id == "46000"
    assert set(new.ward_links.values_list("ward_id", flat=True)) == set(ward_codes)
    assert Agency.objects.get(code="46000").data_source == "official"
    for code in old_codes:
        old = Agency.objects.get(code=code)
        assert not old.is_active
        assert not old.ward_links.exists()
    assert report.tables["Agency"].created == 1
    assert report.tables["Agency"].retired == len(old_codes)

    # Putting the generated file back reactivates the old offices.
    write_json(path, read_json(loader.DATA_DIR / "agencies" / "46.json"))
    load_reference(data_dir=data_dir)
    assert all(Agency.objects.get(code=code).is_active for code in old_codes)
    assert not Agency.objects.get(code="46101").is_active


def _hanoi(data_dir: Path) -> tuple[Path, dict[str, Any]]:
    path = data_dir / "agencies" / "01.json"
    return path, read_json(path)


def ward_listed_twice(data_dir: Path) -> None:
    path, doc = _hanoi(data_dir)
    doc["local"][1]["wards"].append(doc["local"][0]["wards"][0])
    write_json(path, doc)


def ward_left_out(data_dir: Path) -> None:
    path, doc = _hanoi(data_dir)
    doc["local"][0]["wards"].pop()
    write_json(path, doc)


def ward_of_another_province(data_dir: Path) -> None:
    path, doc = _hanoi(data_dir)
    doc["local"][0]["wards"].append({"code": "26734"})  # a ward of Thành phố Hồ Chí Minh
    write_json(path, doc)


def ward_name_does_not_match_code(data_dir: Path) -> None:
    path, doc = _hanoi(data_dir)
    doc["local"][0]["wards"][0]["name"] = "Phường Không Có"
    write_json(path, doc)


def local_code_outside_province(data_dir: Path) -> None:
    path, doc = _hanoi(data_dir)
    doc["local"][0]["code"] = "02001"
    write_json(path, doc)


def local_code_not_five_digits(data_dir: Path) -> None:
    path, doc = _hanoi(data_dir)
    doc["local"][0]["code"] = "0101"
    write_json(path, doc)


def local_code_duplicated(data_dir: Path) -> None:
    path, doc = _hanoi(data_dir)
    doc["local"][1]["code"] = doc["local"][0]["code"]
    write_json(path, doc)


def provincial_code_wrong(data_dir: Path) -> None:
    path, doc = _hanoi(data_dir)
    doc["provincial"]["code"] = "01999"
    write_json(path, doc)


def file_for_another_province(data_dir: Path) -> None:
    path, doc = _hanoi(data_dir)
    doc["province_code"] = "04"
    write_json(path, doc)


def province_file_missing(data_dir: Path) -> None:
    (data_dir / "agencies" / "96.json").unlink()


def stray_agency_file(data_dir: Path) -> None:
    (data_dir / "agencies" / "1.json").write_text("{}", encoding="utf-8")


def bad_email(data_dir: Path) -> None:
    path, doc = _hanoi(data_dir)
    doc["local"][0]["email"] = "not an address"
    write_json(path, doc)


def national_code_wrong(data_dir: Path) -> None:
    path = data_dir / "agencies" / "national.json"
    doc = read_json(path)
    doc["national"]["code"] = "00001"
    write_json(path, doc)


def ivan_code_duplicated(data_dir: Path) -> None:
    path = data_dir / "ivan_providers.json"
    doc = read_json(path)
    doc["providers"].append(dict(doc["providers"][0]))
    write_json(path, doc)


def ivan_code_not_five_digits(data_dir: Path) -> None:
    path = data_dir / "ivan_providers.json"
    doc = read_json(path)
    doc["providers"][0]["code"] = "1"
    write_json(path, doc)


def business_procedure_with_one_confirmation(data_dir: Path) -> None:
    path = data_dir / "procedures.json"
    doc = read_json(path)
    for item in doc["procedures"]:
        if item["code"] == "600":
            item["device_confirmations"] = 1
    write_json(path, doc)


def broken_json(data_dir: Path) -> None:
    (data_dir / "rejection_codes.json").write_text("{", encoding="utf-8")


@pytest.mark.parametrize(
    "corrupt",
    [
        ward_listed_twice,
        ward_left_out,
        ward_of_another_province,
        ward_name_does_not_match_code,
        local_code_outside_province,
        local_code_not_five_digits,
        local_code_duplicated,
        provincial_code_wrong,
        file_for_another_province,
        province_file_missing,
        stray_agency_file,
        bad_email,
        national_code_wrong,
        ivan_code_duplicated,
        ivan_code_not_five_digits,
        business_procedure_with_one_confirmation,
        broken_json,
    ],
)
def test_a_bad_file_is_refused(data_dir: Path, corrupt: Callable[[Path], None]) -> None:
    corrupt(data_dir)
    with pytest.raises(ReferenceDataError):
        read_reference_data(data_dir)


@pytest.mark.django_db
def test_a_refused_load_writes_nothing(data_dir: Path) -> None:
    path, doc = _hanoi(data_dir)
    doc["local"][0]["name"] = "Tên mới"
    doc["local"][0]["wards"].pop()  # leaves a ward unserved
    write_json(path, doc)
    before = snapshot()
    with pytest.raises(ReferenceDataError, match="chưa có BHXH cơ sở"):
        load_reference(data_dir=data_dir)
    assert snapshot() == before


def test_ward_names_in_agency_files_are_optional(data_dir: Path) -> None:
    path, doc = _hanoi(data_dir)
    for item in doc["local"]:
        item["wards"] = [{"code": ward["code"]} for ward in item["wards"]]
    write_json(path, doc)
    data = read_reference_data(data_dir)
    assert sum(1 for link in data.agency_wards.values() if link["agency_id"][:2] == "01") == 126
