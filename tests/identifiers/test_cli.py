"""`ebhxh check ...`: exit status, Vietnamese output and the JSON shape."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ebhxh.identifiers.cli import run
from tests.identifiers.sheets import FULL_HEADER, HEADER, write_csv, write_xlsx

JSON_KEYS = {"valid", "kind", "value", "normalized", "code", "message", "details"}


def output(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    status = run(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def as_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict[str, Any]]:
    status, out, _ = output(capsys, [*argv, "--json"])
    assert out.count("\n") == 1
    payload = json.loads(out)
    return status, payload


def test_valid_tax_code_prints_the_facts(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = output(capsys, ["mst", " 0100109106-001 "])
    assert status == 0
    assert out.splitlines() == [
        "Mã số thuế hợp lệ.",
        "  Mã số thuế: 0100109106-001",
        "  Loại: đơn vị phụ thuộc số 001 của mã số thuế 0100109106",
    ]
    assert err == ""


def test_invalid_tax_code_prints_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = output(capsys, ["mst", "0100109107"])
    assert status == 1
    assert out == (
        "Không hợp lệ: MST_CHECK_DIGIT — Mã số thuế 0100109107 sai chữ số kiểm tra: chữ số cuối "
        "phải là 6. Kiểm tra lại mã số thuế trên giấy đăng ký kinh doanh.\n"
    )


def test_json_for_a_valid_value(capsys: pytest.CaptureFixture[str]) -> None:
    status, payload = as_json(capsys, ["mst", "0100109106"])
    assert status == 0
    assert payload == {
        "valid": True,
        "kind": "mst",
        "value": "0100109106",
        "normalized": "0100109106",
        "code": None,
        "message": "Mã số thuế hợp lệ.",
        "details": {"parent": "0100109106", "branch": None, "check_digit": 6},
    }


def test_json_for_an_invalid_value_keeps_vietnamese_unescaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = output(capsys, ["cccd", "999099012345", "--json"])
    assert status == 1
    assert "Kiểm tra lại số trên thẻ căn cước" in out  # ensure_ascii=False
    payload = json.loads(out)
    assert set(payload) == JSON_KEYS
    assert payload["valid"] is False
    assert payload["normalized"] is None
    assert payload["code"] == "CCCD_PROVINCE"
    assert payload["details"]["province_code"] == "999"


@pytest.mark.parametrize(
    ("argv", "normalized", "details"),
    [
        (
            ["cccd", "079305001234"],
            "079305001234",
            {
                "province_code": "079",
                "province_name": "Hồ Chí Minh",
                "gender": "female",
                "birth_year": 2005,
                "serial": "001234",
            },
        ),
        (["bhxh", "0123456789"], "0123456789", {}),
        (
            ["unit-code", "tzh490l"],
            "TZH490L",
            {
                "kind": "legacy",
                "enterprise_number": None,
                "target_group": None,
                "target_group_name": None,
                "business_type": None,
            },
        ),
        (
            ["unit-code", "0123456789SNB12"],
            "0123456789SNB12",
            {
                "kind": "2025",
                "enterprise_number": "0123456789",
                "target_group": "SN",
                "target_group_name": "đơn vị sự nghiệp",
                "business_type": "B12",
            },
        ),
        (
            ["phone", "+84 98.765.4321"],
            "0987654321",
            {
                "national": "0987654321",
                "e164": "+84987654321",
                "operator": "Viettel",
                "prefix": "098",
            },
        ),
    ],
)
def test_json_for_every_kind(
    capsys: pytest.CaptureFixture[str], argv: list[str], normalized: str, details: dict[str, Any]
) -> None:
    status, payload = as_json(capsys, argv)
    assert status == 0
    assert set(payload) == JSON_KEYS
    assert payload["kind"] == argv[0]
    assert payload["value"] == argv[1]
    assert payload["normalized"] == normalized
    assert payload["details"] == details


@pytest.mark.parametrize(
    ("argv", "lines"),
    [
        (
            ["cccd", "001099012345"],
            ["Nơi đăng ký khai sinh: 001 – Hà Nội", "Giới tính: nam", "Năm sinh: 1999"],
        ),
        (["bhxh", "0123456789"], ["Mã số BHXH: 0123456789"]),
        (
            ["unit-code", "0123456789DNA03"],
            ["Nhóm đối tượng: DN – doanh nghiệp", "Mã loại hình: A03"],
        ),
        (["unit-code", "TZH490L"], ["Dạng: mã cũ (7 ký tự)"]),
        (["phone", "0084 912 345 678"], ["Dạng quốc tế: +84912345678", "Nhà mạng: Vinaphone"]),
    ],
)
def test_text_facts_for_every_kind(
    capsys: pytest.CaptureFixture[str], argv: list[str], lines: list[str]
) -> None:
    status, out, _ = output(capsys, argv)
    assert status == 0
    printed = [line.strip() for line in out.splitlines()]
    for line in lines:
        assert line in printed


def test_cccd_is_checked_against_birth_date_and_gender(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = output(
        capsys, ["cccd", "001099012345", "--birth-date", "15/03/1999", "--gender", "nam"]
    )
    assert (status, out.splitlines()[0]) == (0, "Số CCCD hợp lệ.")
    status, payload = as_json(capsys, ["cccd", "001099012345", "--birth-date", "15/03/1998"])
    assert (status, payload["code"]) == (1, "CCCD_BIRTH_YEAR_MISMATCH")
    status, payload = as_json(capsys, ["cccd", "001099012345", "--gender", "nữ"])
    assert (status, payload["code"]) == (1, "CCCD_GENDER_MISMATCH")
    status, payload = as_json(capsys, ["cccd", "001099012345", "--gender", "NU"])
    assert (status, payload["code"]) == (1, "CCCD_GENDER_MISMATCH")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        ([], "thiếu tham số bắt buộc"),
        (["mst"], "thiếu tham số bắt buộc: GIÁ_TRỊ"),
        (["cmnd", "1"], "lựa chọn không hợp lệ"),
        (["mst", "0100109106", "--gender", "nam"], "tham số không nhận ra"),
        (["bhxh", "0123456789", "--birth-date", "01/01/1990"], "tham số không nhận ra"),
        (["cccd", "001099012345", "--birth-date", "1999-03-15"], "dd/mm/yyyy"),
        (["cccd", "001099012345", "--birth-date", "31/02/1999"], "không hợp lệ"),
        (["cccd", "001099012345", "--gender", "khác"], "Nam hoặc Nữ"),
    ],
)
def test_usage_errors_exit_2_in_vietnamese(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    status, out, err = output(capsys, argv)
    assert status == 2
    assert out == ""
    assert "Cách dùng: ebhxh check" in err
    assert "lỗi:" in err
    assert fragment in err


@pytest.mark.parametrize("argv", [["-h"], ["cccd", "--help"], ["employees", "-h"]])
def test_help_is_vietnamese(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    status, out, _ = output(capsys, argv)
    assert status == 0
    assert out.startswith("Cách dùng: ebhxh check")
    assert "hiện hướng dẫn này rồi thoát" in out


def test_top_level_command_dispatches_here(capsys: pytest.CaptureFixture[str]) -> None:
    from ebhxh.cli import main

    assert main(["check", "phone", "0912345678"]) == 0
    assert "Nhà mạng: Vinaphone" in capsys.readouterr().out


# check employees


def test_valid_employee_sheet(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "lao-dong.xlsx",
        [
            FULL_HEADER,
            (
                1,
                "Nguyễn Văn An",
                date(1990, 3, 15),
                "Nam",
                "001090012345",
                "0123456789",
                "0912345678",
                5_000_000,
            ),
            (2, "Trần Thị Bình", "02/11/2001", "nữ", "079301000123", "", None, None),
        ],
    )
    status, out, _ = output(capsys, ["employees", str(path)])
    assert status == 0
    assert out == "Đã kiểm tra 2 dòng: 2 dòng hợp lệ, 0 lỗi.\n"


def test_employee_sheet_errors_are_listed_then_summarised(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "lao-dong.csv",
        [
            HEADER,
            (1, "Nguyễn Văn An", "15/03/1990", "Nam", "001090012345", "0123456789"),
            (2, "Trần Thị Bình", "02/11/2001", "Nam", "079301000123", "7912345678"),
            (3, "Nguyễn Văn An", "15/03/1990", "Nam", "001090012345", "0123456780"),
        ],
        bom=True,
    )
    status, out, _ = output(capsys, ["employees", str(path)])
    assert status == 1
    lines = out.splitlines()
    assert lines[0].startswith(
        "Dòng 3, cột E (Số CCCD): CCCD_GENDER_MISMATCH — Số CCCD 079301000123"
    )
    assert lines[1].startswith(
        "Dòng 4, cột E (Số CCCD): SHEET_DUPLICATE_CCCD — Số CCCD 001090012345 trùng với dòng 2"
    )
    assert lines[-1] == "Đã kiểm tra 3 dòng: 1 dòng hợp lệ, 2 lỗi."


def test_employee_sheet_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx", [HEADER, (1, "", "15/03/1990", "Nam", "001090012345", "")]
    )
    status, out, _ = output(capsys, ["employees", str(path), "--json"])
    assert status == 1
    payload = json.loads(out)
    assert payload == {
        "valid": False,
        "kind": "employees",
        "value": str(path),
        "rows_checked": 1,
        "valid_rows": 0,
        "error_count": 1,
        "message": "Đã kiểm tra 1 dòng: 0 dòng hợp lệ, 1 lỗi.",
        "errors": [
            {
                "row": 2,
                "column": "B",
                "column_header": "Họ và tên",
                "code": "SHEET_NAME_EMPTY",
                "message": payload["errors"][0]["message"],
            }
        ],
    }
    assert payload["errors"][0]["message"].startswith("Chưa nhập họ và tên.")


def test_missing_required_column_is_one_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "a.csv", [HEADER[:3], (1, "An", "15/03/1990")])
    status, out, _ = output(capsys, ["employees", str(path)])
    assert status == 1
    assert out.splitlines() == [
        "Dòng 1: SHEET_MISSING_COLUMN — Bảng thiếu cột bắt buộc: Giới tính, Số CCCD, Mã số BHXH. "
        "Thêm cột với đúng tiêu đề ở dòng 1 rồi kiểm tra lại.",
        "Đã kiểm tra 0 dòng: 0 dòng hợp lệ, 1 lỗi.",
    ]


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, _ = output(capsys, ["employees", str(tmp_path / "none.xlsx")])
    assert status == 1
    assert out.startswith("Tệp: SHEET_FILE_NOT_FOUND — Không tìm thấy tệp")
