"""`ebhxh pki demo`: builds or keeps the demo PKI and says so in Vietnamese."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from ebhxh.pki.cli import run
from ebhxh.pki.demo import DemoPki


def test_demo_command_keeps_a_complete_pki_and_prints_the_table(
    demo_pki: DemoPki, tmp_path: Path
) -> None:
    target = tmp_path / "pki"
    shutil.copytree(demo_pki.directory, target)
    out = io.StringIO()
    assert run(["demo", "--out", str(target)], out=out) == 0
    text = out.getvalue()
    assert text.startswith(f"Giữ nguyên bộ PKI mẫu (DEMO) tại {target}")
    lines = text.splitlines()
    assert lines[1].split()[:2] == ["Vai", "trò"]
    assert "Mật khẩu PKCS#12" in lines[1]
    body = "\n".join(lines[3:])
    assert "CÔNG TY CỔ PHẦN ĐẦU TƯ THƯƠNG MẠI HOÀ BÌNH (DEMO)" in body
    assert "MST 0109123458" in body and "demo-hoa-binh" in body
    assert "CCCD 001190012345" in body
    assert "[ĐÃ THU HỒI]" in body and "[I-VAN 00110]" in body
    assert "Cơ quan BHXH" in body and "(tự ký)" in body
    assert len(lines) == 3 + len(demo_pki.entities) + 1
    assert lines[-1].startswith("Danh mục:")
    assert DemoPki.load(target).entities == demo_pki.entities  # left as it was


def test_demo_command_creates_and_forces(tmp_path: Path) -> None:
    target = tmp_path / "new"
    out = io.StringIO()
    assert run(["demo", "--out", str(target), "--force"], out=out) == 0
    assert out.getvalue().startswith("Đã tạo bộ PKI mẫu (DEMO)")
    assert DemoPki.load(target).is_complete()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "thiếu tham số bắt buộc"),
        (["demo"], "thiếu tham số bắt buộc: --out"),
        (["crl"], "lựa chọn không hợp lệ"),
    ],
)
def test_wrong_usage_exits_2_with_a_vietnamese_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("Cách dùng: ebhxh pki")


def test_unwritable_target_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert run(["demo", "--out", str(blocker / "pki")]) == 1
    assert "không ghi được bộ PKI mẫu" in capsys.readouterr().err


def test_help_is_vietnamese(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["demo", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Cách dùng: ebhxh pki demo" in out
    assert "hiện hướng dẫn này rồi thoát" in out and "tạo lại" in out
