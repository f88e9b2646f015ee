"""Builders for small employee sheets written to tmp_path."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

HEADER = ("STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Mã số BHXH")
FULL_HEADER = (*HEADER, "Số điện thoại", "Mức lương")


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def write_csv(
    path: Path, rows: Sequence[Sequence[object]], *, bom: bool = False, delimiter: str = ","
) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path
