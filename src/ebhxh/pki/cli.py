"""`ebhxh pki ...`: make the demo PKI from a terminal, without Django.

`ebhxh pki demo --out DIR [--force]` writes the demo PKI (or keeps a complete one already
there) and prints what the folder holds, in Vietnamese, so a newcomer knows which
certificate to pick and which PKCS#12 password opens it. Exit status: 0 done, 1 the folder
cannot be written, 2 wrong usage.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ebhxh.cliparse import VietnameseArgumentParser as _Parser
from ebhxh.pki.demo import MANIFEST_NAME, DemoEntity, DemoPki, build_demo_pki, load_if_complete

ROLE_LABELS = {
    "root": "CA gốc",
    "ca": "CA",
    "organisation": "Tổ chức",
    "individual": "Cá nhân",
    "ivan": "I-VAN",
    "agency": "Cơ quan BHXH",
}


def _build_parser() -> _Parser:
    parser = _Parser(prog="ebhxh pki", description="Công cụ chứng thư số của ebhxh.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="LỆNH")
    demo = commands.add_parser(
        "demo",
        help="tạo bộ PKI mẫu (CA gốc, CA, chứng thư tổ chức, cá nhân, I-VAN, cơ quan BHXH)",
        description="Tạo bộ PKI mẫu; thư mục đã có bộ đầy đủ thì giữ nguyên.",
    )
    demo.add_argument("--out", required=True, type=Path, metavar="THƯ_MỤC", help="nơi ghi")
    demo.add_argument("--force", action="store_true", help="tạo lại dù thư mục đã có bộ PKI")
    return parser


def _holder_id(entity: DemoEntity) -> str:
    if entity.tax_code:
        return f"MST {entity.tax_code}"
    if entity.citizen_id:
        return f"CCCD {entity.citizen_id}"
    return ""


def print_summary(pki: DemoPki, *, created: bool, out: TextIO) -> None:
    """The table of entities: role, slug, name, identifier, issuer, expiry, password."""
    verb = "Đã tạo" if created else "Giữ nguyên"
    print(f"{verb} bộ PKI mẫu (DEMO) tại {pki.directory}", file=out)
    header = ("Vai trò", "Mã", "Tên", "Định danh", "CA cấp", "Hết hạn", "Mật khẩu PKCS#12")
    rows = [header]
    for entity in pki.entities:
        name = entity.common_name + (" [ĐÃ THU HỒI]" if entity.revoked else "")
        if entity.ivan_code:
            name += f" [I-VAN {entity.ivan_code}]"
        rows.append(
            (
                ROLE_LABELS[entity.role],
                entity.slug,
                name,
                _holder_id(entity),
                entity.issuer if entity.issuer != entity.slug else "(tự ký)",
                entity.not_after.strftime("%d/%m/%Y"),
                entity.p12_password,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    for index, row in enumerate(rows):
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print(line.rstrip(), file=out)
        if index == 0:
            print("  ".join("-" * width for width in widths), file=out)
    print(
        f"Danh mục: {pki.directory / MANIFEST_NAME}; CA tin cậy: {pki.path(pki.anchors_pem)}; "
        f"CRL hết hạn {min(crl.next_update for crl in pki.crls).strftime('%d/%m/%Y')}.",
        file=out,
    )


def run(argv: Sequence[str], *, out: TextIO | None = None) -> int:
    """Entry point for `ebhxh pki ARGS`."""
    stream = out if out is not None else sys.stdout
    args = _build_parser().parse_or_status(argv)
    if isinstance(args, int):
        return args
    existed = not args.force and load_if_complete(args.out) is not None
    try:
        pki = build_demo_pki(args.out, force=args.force)
    except OSError as error:
        print(
            f"ebhxh pki: lỗi: không ghi được bộ PKI mẫu vào {args.out} ({error})", file=sys.stderr
        )
        return 1
    print_summary(pki, created=not existed, out=stream)
    return 0
