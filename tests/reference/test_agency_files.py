"""The committed agency files follow the placeholder rules and are exactly what the generator
produces; the generator never overwrites an official list unless forced."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vietnam_provinces import Province as VnProvince
from vietnam_provinces import Ward as VnWard

from ebhxh.reference.datafiles import DATA_DIR, normalise_name
from ebhxh.reference.loader import read_reference_data
from tests.reference.helpers import read_json, write_json

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "generate_agency_files.py"
AGENCIES = DATA_DIR / "agencies"
PROVINCES = {f"{int(p.code):02d}": p for p in VnProvince.iter_all()}
PROVINCE_CODES = sorted(PROVINCES)


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_agency_files", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_one_file_per_province_plus_the_national_one() -> None:
    names = sorted(path.name for path in AGENCIES.glob("*.json"))
    assert names == sorted([f"{code}.json" for code in PROVINCE_CODES] + ["national.json"])


@pytest.mark.parametrize("province_code", PROVINCE_CODES)
def test_generated_file_follows_the_placeholder_rules(province_code: str) -> None:
    document = read_json(AGENCIES / f"{province_code}.json")
    assert document["province_code"] == province_code
    assert document["source"] == "generated"
    assert "giữ chỗ" in document["note"]
    assert "chính thức" in document["note"]

    province = PROVINCES[province_code]
    assert document["provincial"]["code"] == f"{province_code}000"
    assert document["provincial"]["name"] == f"Bảo hiểm xã hội {province.name}"

    wards = sorted(VnWard.iter_by_province(province.code), key=lambda ward: int(ward.code))
    listed = [ward["code"] for item in document["local"] for ward in item["wards"]]
    assert listed == [f"{int(ward.code):05d}" for ward in wards], "all wards, in code order"

    for number, item in enumerate(document["local"], start=1):
        assert item["code"] == f"{province_code}{number:03d}"
        assert 12 <= len(item["wards"]) <= 25
        first = item["wards"][0]["name"]
        short = re.sub(r"^(Phường|Xã|Đặc khu) ", "", first)
        assert item["name"] == f"Bảo hiểm xã hội cơ sở {short}"
    names = [item["name"] for item in document["local"]]
    assert len(names) == len(set(names))


def test_every_ward_of_the_country_is_served_exactly_once_in_the_files() -> None:
    data = read_reference_data()
    all_codes = {f"{int(ward.code):05d}" for ward in VnWard.iter_all()}
    assert set(data.agency_wards) == all_codes
    seen: list[str] = []
    for path in AGENCIES.glob("[0-9][0-9].json"):
        seen += [w["code"] for item in read_json(path)["local"] for w in item["wards"]]
    assert len(seen) == len(set(seen)) == len(all_codes)


def test_national_file() -> None:
    document = read_json(AGENCIES / "national.json")
    assert document["national"]["code"] == "00000"
    assert document["national"]["name"] == "Bảo hiểm xã hội Việt Nam"


def test_the_committed_files_are_what_the_generator_writes(
    generator: ModuleType, tmp_path: Path
) -> None:
    assert generator.main(["--output", str(tmp_path)]) == 0
    for code in PROVINCE_CODES:
        name = f"{code}.json"
        assert (tmp_path / name).read_text(encoding="utf-8") == (AGENCIES / name).read_text(
            encoding="utf-8"
        ), name
    assert generator.main(["--check"]) == 0


def test_check_reports_a_difference(generator: ModuleType, tmp_path: Path) -> None:
    generator.main(["--output", str(tmp_path)])
    path = tmp_path / "01.json"
    document = read_json(path)
    document["local"][0]["name"] = "Khác"
    write_json(path, document)
    assert generator.main(["--output", str(tmp_path), "--check"]) == 1
    assert read_json(path)["local"][0]["name"] == "Khác", "--check must not write"


def test_an_official_file_is_kept_unless_forced(generator: ModuleType, tmp_path: Path) -> None:
    generator.main(["--output", str(tmp_path)])
    path = tmp_path / "46.json"
    official = read_json(path)
    official["source"] = "official"
    official["local"][0]["name"] = "Bảo hiểm xã hội cơ sở khu vực chính thức"
    write_json(path, official)

    generator.main(["--output", str(tmp_path)])
    assert read_json(path) == official

    generator.main(["--output", str(tmp_path), "--force"])
    assert read_json(path)["source"] == "generated"


@given(total=st.integers(min_value=1, max_value=500), max_size=st.integers(1, 40))
def test_split_evenly_covers_everything_in_balanced_groups(
    generator: ModuleType, total: int, max_size: int
) -> None:
    sizes = generator.split_evenly(total, max_size)
    assert sum(sizes) == total
    assert max(sizes) <= max_size
    assert max(sizes) - min(sizes) <= 1
    assert len(sizes) == -(-total // max_size)


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Phường Hoàn Kiếm", "Hoàn Kiếm"),
        ("Xã Châu Thới", "Châu Thới"),
        ("Đặc khu Phú Quốc", "Phú Quốc"),
        ("Phường  Rạch Dừa", "Rạch Dừa"),
        ("Xã Phường Mới", "Phường Mới"),
    ],
)
def test_short_ward_name(generator: ModuleType, name: str, short: str) -> None:
    assert generator.short_ward_name(name) == short


def test_names_are_normalised() -> None:
    assert normalise_name("Phường  Tân\u00a0An ") == "Phường Tân An"
    decomposed = "Xa\u0303 Hòa"  # "Xã" written with a combining tilde
    assert normalise_name(decomposed) == "Xã Hòa"
