"""`ebhxh check ...`: check one identifier, or a whole employee sheet, from a terminal.

It needs no Django and no database, so it starts fast and a unit can run it on its own PC
before filing. Exit status: 0 valid, 1 invalid, 2 wrong usage; `--json` prints one object
for scripts.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ebhxh.cliparse import VietnameseArgumentParser as _Parser
from ebhxh.identifiers.citizen_id import CitizenId, parse_citizen_id
from ebhxh.identifiers.employee_sheet import SheetReport, check_employee_file
from ebhxh.identifiers.errors import IdentifierError
from ebhxh.identifiers.gender import GENDER_LABELS, Gender, parse_gender
from ebhxh.identifiers.insurance_number import InsuranceNumber, parse_insurance_number
from ebhxh.identifiers.phone import PhoneNumber, parse_phone
from ebhxh.identifiers.tax_code import TaxCode, parse_tax_code
from ebhxh.identifiers.text import parse_vn_date
from ebhxh.identifiers.unit_code import UnitCode, parse_unit_code

Facts = list[tuple[str, str]]
Details = dict[str, Any]


@dataclass(frozen=True)
class _Kind:
    label: str
    help: str
    describe: Callable[[Any], tuple[str, Facts, Details]]
    # value and the parsed options (only CCCD reads --birth-date and --gender)
    parse: Callable[[str, argparse.Namespace], object]


def _describe_tax_code(code: TaxCode) -> tuple[str, Facts, Details]:
    kind = (
        f"đơn vị phụ thuộc số {code.branch} của mã số thuế {code.parent}"
        if code.branch
        else "đơn vị chính"
    )
    facts = [("Mã số thuế", code.value), ("Loại", kind)]
    details = {"parent": code.parent, "branch": code.branch, "check_digit": code.check_digit}
    return code.value, facts, details


def _describe_citizen_id(citizen_id: CitizenId) -> tuple[str, Facts, Details]:
    facts = [
        ("Số CCCD", citizen_id.value),
        ("Nơi đăng ký khai sinh", f"{citizen_id.province_code} – {citizen_id.province_name}"),
        ("Giới tính", GENDER_LABELS[citizen_id.gender].vi),
        ("Năm sinh", str(citizen_id.birth_year)),
    ]
    details = {
        "province_code": citizen_id.province_code,
        "province_name": citizen_id.province_name,
        "gender": citizen_id.gender,
        "birth_year": citizen_id.birth_year,
        "serial": citizen_id.serial,
    }
    return citizen_id.value, facts, details


def _describe_insurance_number(number: InsuranceNumber) -> tuple[str, Facts, Details]:
    return number.value, [("Mã số BHXH", number.value)], {}


def _describe_unit_code(code: UnitCode) -> tuple[str, Facts, Details]:
    facts = [("Mã đơn vị", code.value)]
    if code.kind == "legacy":
        facts.append(("Dạng", "mã cũ (7 ký tự)"))
    else:
        facts += [
            ("Dạng", "mã theo cấu trúc 2025 (15 ký tự)"),
            ("Số đăng ký của đơn vị", str(code.enterprise_number)),
            ("Nhóm đối tượng", f"{code.target_group} – {code.target_group_name}"),
            ("Mã loại hình", str(code.business_type)),
        ]
    details = {
        "kind": code.kind,
        "enterprise_number": code.enterprise_number,
        "target_group": code.target_group,
        "target_group_name": code.target_group_name,
        "business_type": code.business_type,
    }
    return code.value, facts, details


def _describe_phone(phone: PhoneNumber) -> tuple[str, Facts, Details]:
    facts = [
        ("Số điện thoại", phone.national),
        ("Dạng quốc tế", phone.e164),
        ("Nhà mạng", phone.operator),
    ]
    details = {
        "national": phone.national,
        "e164": phone.e164,
        "operator": phone.operator,
        "prefix": phone.prefix,
    }
    return phone.national, facts, details


KINDS: dict[str, _Kind] = {
    "mst": _Kind(
        "Mã số thuế",
        "kiểm tra mã số thuế (10 chữ số, hoặc 0123456789-001 với đơn vị phụ thuộc)",
        _describe_tax_code,
        lambda value, _: parse_tax_code(value),
    ),
    "cccd": _Kind(
        "Số CCCD",
        "kiểm tra số căn cước công dân (12 chữ số)",
        _describe_citizen_id,
        lambda value, args: parse_citizen_id(value, birth_date=args.birth_date, gender=args.gender),
    ),
    "bhxh": _Kind(
        "Mã số BHXH",
        "kiểm tra mã số BHXH (10 chữ số)",
        _describe_insurance_number,
        lambda value, _: parse_insurance_number(value),
    ),
    "unit-code": _Kind(
        "Mã đơn vị",
        "kiểm tra mã đơn vị do cơ quan BHXH cấp (TZH490L hoặc 0123456789DNA03)",
        _describe_unit_code,
        lambda value, _: parse_unit_code(value),
    ),
    "phone": _Kind(
        "Số điện thoại",
        "kiểm tra số điện thoại di động Việt Nam",
        _describe_phone,
        lambda value, _: parse_phone(value),
    ),
}


# argparse's own messages are English; these are the ones a user can trigger here.
def _birth_date(text: str) -> date:
    parsed = parse_vn_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(
            f"ngày sinh '{text}' không hợp lệ: ghi ngày có thật dạng dd/mm/yyyy, ví dụ 31/01/1990"
        )
    return parsed


def _gender(text: str) -> Gender:
    try:
        return parse_gender(text)
    except IdentifierError as error:
        raise argparse.ArgumentTypeError(error.message) from error


def _build_parser() -> _Parser:
    parser = _Parser(
        prog="ebhxh check",
        description=(
            "Kiểm tra mã số thuế, số CCCD, mã số BHXH, mã đơn vị, số điện thoại di động, hoặc cả "
            "bảng kê lao động. Mã thoát: 0 hợp lệ, 1 không hợp lệ, 2 sai cách dùng."
        ),
    )
    commands = parser.add_subparsers(
        dest="kind", required=True, title="loại kiểm tra", metavar="LOẠI"
    )
    for name, kind in KINDS.items():
        command = commands.add_parser(name, help=kind.help, description=kind.help)
        command.add_argument("value", metavar="GIÁ_TRỊ", help="giá trị cần kiểm tra")
        if name == "cccd":
            command.add_argument(
                "--birth-date",
                type=_birth_date,
                metavar="dd/mm/yyyy",
                help="ngày sinh đã khai, để đối chiếu với năm sinh trong số CCCD",
            )
            command.add_argument(
                "--gender",
                type=_gender,
                metavar="nam|nữ",
                help="giới tính đã khai, để đối chiếu với chữ số thứ 4 của số CCCD",
            )
        _add_json(command)
    sheet_help = "kiểm tra bảng kê lao động (.xlsx hoặc .csv) trước khi nộp hồ sơ báo tăng"
    employees = commands.add_parser("employees", help=sheet_help, description=sheet_help)
    employees.add_argument(
        "file",
        metavar="TỆP",
        help="tệp .xlsx hoặc .csv (UTF-8); dòng 1 là tiêu đề: Họ và tên, Ngày sinh, Giới tính, "
        "Số CCCD, Mã số BHXH, và tùy chọn Số điện thoại, Mức lương",
    )
    _add_json(employees)
    return parser


def _add_json(command: argparse.ArgumentParser) -> None:
    command.add_argument("--json", action="store_true", help="in kết quả dạng một đối tượng JSON")


def run(argv: Sequence[str]) -> int:
    """Entry point for `ebhxh check`; returns the exit status instead of exiting."""
    args = _build_parser().parse_or_status(argv)
    if isinstance(args, int):
        return args
    if args.kind == "employees":
        return _run_employees(args.file, as_json=args.json)
    return _run_identifier(args)


def _run_identifier(args: argparse.Namespace) -> int:
    kind = KINDS[args.kind]
    value: str = args.value
    try:
        parsed = _parse(args)
    except IdentifierError as error:
        if args.json:
            _print_json(
                {
                    "valid": False,
                    "kind": args.kind,
                    "value": value,
                    "normalized": None,
                    "code": error.code,
                    "message": error.message,
                    "details": error.details,
                }
            )
        else:
            print(f"Không hợp lệ: {error.code} — {error.message}")
        return 1
    normalized, facts, details = kind.describe(parsed)
    if args.json:
        _print_json(
            {
                "valid": True,
                "kind": args.kind,
                "value": value,
                "normalized": normalized,
                "code": None,
                "message": f"{kind.label} hợp lệ.",
                "details": details,
            }
        )
    else:
        print(f"{kind.label} hợp lệ.")
        for label, fact in facts:
            print(f"  {label}: {fact}")
    return 0


def _parse(args: argparse.Namespace) -> object:
    return KINDS[args.kind].parse(args.value, args)


def _run_employees(file: str, *, as_json: bool) -> int:
    report = check_employee_file(file)
    if as_json:
        _print_json(_report_json(file, report))
    else:
        for issue in report.issues:
            print(issue)
        print(report.summary)
    return 0 if report.ok else 1


def _report_json(file: str, report: SheetReport) -> dict[str, Any]:
    return {
        "valid": report.ok,
        "kind": "employees",
        "value": file,
        "rows_checked": report.rows_checked,
        "valid_rows": report.valid_rows,
        "error_count": len(report.issues),
        "message": report.summary,
        "errors": [
            {
                "row": issue.row,
                "column": issue.column,
                "column_header": issue.column_header,
                "code": issue.code,
                "message": issue.message,
            }
            for issue in report.issues
        ],
    }


def _print_json(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, ensure_ascii=False))
