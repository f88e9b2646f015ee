"""`ebhxh load_reference`: the operator's way to reload after replacing a data file."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ebhxh.audit.models import AuditRecord
from ebhxh.audit.verification import verify_chain
from ebhxh.reference import procedures, rejections
from ebhxh.reference.datafiles import DATA_DIR_ENV
from ebhxh.reference.models import Agency
from ebhxh.reference.rejections import get_rejection
from tests.reference.helpers import read_json, write_json

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("load_reference", *args, stdout=out)
    return out.getvalue()


def _rename_first_hanoi_agency(data_dir: Path, name: str) -> str:
    path = data_dir / "agencies" / "01.json"
    document = read_json(path)
    document["local"][0]["name"] = name
    write_json(path, document)
    return str(document["local"][0]["code"])


def test_reload_of_unchanged_data_reports_nothing_to_do() -> None:
    output = _run()
    assert "phường, xã: thêm 0, cập nhật 0, gỡ/ngừng 0, giữ nguyên 3321" in output
    assert "Danh mục đã khớp với tệp dữ liệu." in output


@pytest.fixture
def operator_dir(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The operator's data directory, configured for every process as the docs say."""
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir))
    procedures._catalogue.cache_clear()
    rejections._catalogue.cache_clear()
    yield data_dir
    procedures._catalogue.cache_clear()
    rejections._catalogue.cache_clear()


def test_reload_from_an_operator_directory(operator_dir: Path) -> None:
    data_dir = operator_dir
    code = _rename_first_hanoi_agency(data_dir, "Bảo hiểm xã hội cơ sở Đổi Tên")
    output = _run("--data-dir", str(data_dir))
    assert "cơ quan BHXH: thêm 0, cập nhật 1" in output
    assert Agency.objects.get(code=code).name == "Bảo hiểm xã hội cơ sở Đổi Tên"
    record = AuditRecord.objects.get(action="reference.reloaded")
    assert record.actor == "operator:cli"
    assert record.data["Agency"]["updated"] == 1
    assert verify_chain().ok


def test_reload_without_changes_or_as_dry_run_is_not_audited(data_dir: Path) -> None:
    _run()
    _rename_first_hanoi_agency(data_dir, "Bảo hiểm xã hội cơ sở Chạy Thử")
    _run("--data-dir", str(data_dir), "--dry-run")
    assert not AuditRecord.objects.filter(action="reference.reloaded").exists()


def test_dry_run_reports_but_does_not_save(data_dir: Path) -> None:
    code = _rename_first_hanoi_agency(data_dir, "Bảo hiểm xã hội cơ sở Chạy Thử")
    before = Agency.objects.get(code=code).name
    output = _run("--data-dir", str(data_dir), "--dry-run")
    assert "cơ quan BHXH: thêm 0, cập nhật 1" in output
    assert "Chạy thử" in output
    assert Agency.objects.get(code=code).name == before


def test_reload_from_an_unconfigured_directory_is_refused(data_dir: Path) -> None:
    """Loading files the running catalogues do not read would split the truth in two."""
    _rename_first_hanoi_agency(data_dir, "Bảo hiểm xã hội cơ sở Lệch")
    with pytest.raises(CommandError, match=DATA_DIR_ENV):
        _run("--data-dir", str(data_dir))
    assert not Agency.objects.filter(name="Bảo hiểm xã hội cơ sở Lệch").exists()


def test_runtime_catalogues_read_the_configured_directory(operator_dir: Path) -> None:
    path = operator_dir / "rejection_codes.json"
    document = read_json(path)
    for entry in document["rejections"]:
        if entry["code"] == "CE007":
            entry["message_vi"] = "Thông báo CE007 do đơn vị vận hành sửa."
    write_json(path, document)
    rejections._catalogue.cache_clear()
    assert get_rejection("CE007").message_vi == "Thông báo CE007 do đơn vị vận hành sửa."


def test_bad_data_is_a_command_error(operator_dir: Path) -> None:
    data_dir = operator_dir
    (data_dir / "agencies" / "01.json").write_text("[]", encoding="utf-8")
    with pytest.raises(CommandError, match=r"01\.json"):
        _run("--data-dir", str(data_dir))


def test_missing_directory_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Không có thư mục"):
        _run("--data-dir", str(tmp_path / "absent"))
