"""Generate the placeholder BHXH cơ sở files, one per province, from the 2025 ward list.

The official list of local agencies (BHXH cơ sở) and the wards each serves is not published
in a machine-readable form, so ebhxh ships a stand-in that keeps every rule of the real tree:
every ward of the country is served by exactly one local agency of its own province. Each
province's wards, in code order, are cut into consecutive groups of at most 20 (sizes
balanced, so 13-20 wards with today's list); a group becomes "Bảo hiểm xã hội cơ sở <name of
its first ward without Phường/Xã/Đặc khu>", coded <PP><NNN> from 001.

Files whose "source" is not "generated" hold an official list and are left alone unless
--force is given. --check compares instead of writing (exit 1 on any difference), for CI.

    .venv/bin/python scripts/generate_agency_files.py [--output DIR] [--check] [--force]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

from vietnam_provinces import Province, Ward

from ebhxh.reference.datafiles import normalise_name

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = REPO_ROOT / "src" / "ebhxh" / "reference" / "data" / "agencies"
MAX_WARDS_PER_AGENCY = 20
WARD_PREFIXES = ("Phường ", "Xã ", "Đặc khu ")
GENERATED = "generated"
NOTE = (
    "Danh sách BHXH cơ sở tạm thời, sinh tự động bởi scripts/generate_agency_files.py từ danh "
    "sách phường, xã của gói vietnam-provinces; chỉ là bản giữ chỗ, cần thay bằng danh sách "
    "chính thức của BHXH Việt Nam (xem docs/reference-data.md)."
)
# json.dumps puts each key of a ward on its own line; one ward per line reads better.
_WARD_OBJECT = re.compile(r'\{\n\s+"code": ("[^"\n]*"),\n\s+"name": ("[^"\n]*")\n\s+\}')


def split_evenly(total: int, max_size: int) -> list[int]:
    """Sizes of the fewest consecutive groups of at most `max_size` covering `total` items,
    as equal as possible, larger groups first."""
    if total <= 0:
        return []
    groups = math.ceil(total / max_size)
    base, extra = divmod(total, groups)
    return [base + 1] * extra + [base] * (groups - extra)


def short_ward_name(name: str) -> str:
    """The ward's name without its division word: "Phường Hoàn Kiếm" -> "Hoàn Kiếm"."""
    name = normalise_name(name)
    for prefix in WARD_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def province_document(province: Province) -> dict[str, Any]:
    """The agencies file of one province: its provincial agency and placeholder locals."""
    province_code = f"{int(province.code):02d}"
    wards = sorted(Ward.iter_by_province(province.code), key=lambda ward: int(ward.code))
    locals_: list[dict[str, Any]] = []
    start = 0
    for number, size in enumerate(split_evenly(len(wards), MAX_WARDS_PER_AGENCY), start=1):
        group = wards[start : start + size]
        start += size
        locals_.append(
            {
                "code": f"{province_code}{number:03d}",
                "name": f"Bảo hiểm xã hội cơ sở {short_ward_name(group[0].name)}",
                "address": "",
                "email": "",
                "phone": "",
                "wards": [
                    {"code": f"{int(ward.code):05d}", "name": normalise_name(ward.name)}
                    for ward in group
                ],
            }
        )
    return {
        "province_code": province_code,
        "source": GENERATED,
        "note": NOTE,
        "provincial": {
            "code": f"{province_code}000",
            "name": f"Bảo hiểm xã hội {normalise_name(province.name)}",
            "address": "",
            "email": "",
            "phone": "",
        },
        "local": locals_,
    }


def render(document: dict[str, Any]) -> str:
    """Stable JSON text: two-space indent, UTF-8 letters kept, one ward per line."""
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return _WARD_OBJECT.sub(r'{"code": \1, "name": \2}', text) + "\n"


def _is_generated(path: Path) -> bool:
    try:
        existing = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return True
    return not isinstance(existing, dict) or existing.get("source") == GENERATED


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--force", action="store_true", help="overwrite official files too")
    args = parser.parse_args(argv)

    output: Path = args.output
    output.mkdir(parents=True, exist_ok=True)
    differing: list[str] = []
    for province in Province.iter_all():
        path = output / f"{int(province.code):02d}.json"
        if path.exists() and not args.force and not _is_generated(path):
            print(f"giữ nguyên {path.name}: danh sách chính thức (source khác 'generated')")
            continue
        text = render(province_document(province))
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        differing.append(path.name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check:
        for name in differing:
            print(f"khác với bản sinh: {name}")
        return 1 if differing else 0
    print(f"đã ghi {len(differing)} tệp vào {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
