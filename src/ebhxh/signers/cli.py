"""`ebhxh token ...`: see the USB tokens and certificates a machine can sign with.

`token list` is what support asks a unit to run first ("which token, which certificate, is
the key there?"); `token init` and `token load` set up a SoftHSM2 token for development and
the demo. Exit status: 0 done, 1 refused (a SignerError, printed in Vietnamese), 2 wrong
usage. `--json` prints one object for scripts. PINs and passwords are never printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from ebhxh.cliparse import VietnameseArgumentParser as _Parser
from ebhxh.signers.errors import SignerError
from ebhxh.signers.pkcs11 import (
    MODULE_ENV,
    default_module_path,
    list_certificates,
    list_tokens,
    load_into_token,
)
from ebhxh.signers.secrets import MissingSecret, read_secret
from ebhxh.signers.softhsm import init_softhsm_token
from ebhxh.signers.types import TokenCertificate, TokenInfo

__all__ = ["run"]

PIN_ENV = "EBHXH_TOKEN_PIN"
SO_PIN_ENV = "EBHXH_TOKEN_SO_PIN"
P12_PASSWORD_ENV = "EBHXH_P12_PASSWORD"  # noqa: S105 - a variable name, not a password


class _UsageError(Exception):
    """Wrong arguments; argparse would otherwise exit the whole process."""


def _build_parser() -> _Parser:
    parser = _Parser(
        prog="ebhxh token",
        description="USB Token (PKCS#11) và chứng thư số dùng để ký hồ sơ BHXH điện tử.",
    )
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    init = commands.add_parser("init", help="tạo token SoftHSM2 (chỉ để phát triển, demo)")
    init.add_argument("--label", required=True, help="tên (nhãn) token mới")
    init.add_argument("--so-pin", help=f"SO PIN (hoặc biến {SO_PIN_ENV}, hoặc nhập khi được hỏi)")
    init.add_argument("--pin", help=f"mã PIN người dùng (hoặc biến {PIN_ENV})")
    init.add_argument(
        "--conf-dir", type=Path, help="thư mục riêng cho cấu hình và dữ liệu SoftHSM2"
    )
    init.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    load = commands.add_parser("load", help="nạp tệp .p12/.pfx vào token")
    _module_argument(load)
    load.add_argument("--token", required=True, help="tên (nhãn) token")
    load.add_argument("--pin", help=f"mã PIN của token (hoặc biến {PIN_ENV})")
    load.add_argument("--p12", required=True, type=Path, help="tệp .p12/.pfx")
    load.add_argument("--password", help=f"mật khẩu tệp .p12 (hoặc biến {P12_PASSWORD_ENV})")
    load.add_argument("--label", required=True, help="nhãn cho khoá và chứng thư số trên token")
    load.add_argument("--id", dest="key_id", help="mã ID (hex) cho khoá; mặc định lấy từ SKI")
    load.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    listing = commands.add_parser("list", help="liệt kê token và chứng thư số")
    _module_argument(listing)
    listing.add_argument("--token", help="chỉ token có tên (nhãn) này")
    listing.add_argument("--pin", help="mã PIN, để kiểm tra chứng thư số nào có khoá bí mật")
    listing.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    return parser


def _module_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--module",
        type=Path,
        help=f"thư viện PKCS#11 của token; mặc định {MODULE_ENV}, rồi SoftHSM2 trên máy",
    )


def run(argv: Sequence[str]) -> int:
    """Run `ebhxh token <argv>`; returns the exit status instead of exiting."""
    parser = _build_parser()
    try:
        args = parser.parse_or_status(argv)
        if isinstance(args, int):
            return args
        if args.command is None:
            raise _UsageError("Thiếu lệnh: dùng init, load hoặc list.")
    except _UsageError as exc:
        parser.print_usage(sys.stderr)
        print(str(exc), file=sys.stderr)
        return 2
    as_json = bool(args.json)
    try:
        if args.command == "init":
            return _init(args, as_json)
        if args.command == "load":
            return _load(args, as_json)
        return _list(args, as_json)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except SignerError as exc:
        _print_error(exc, as_json)
        return 1
    except OSError as exc:
        message = f"Không đọc được tệp: {exc.filename or exc}"
        if as_json:
            _emit({"ok": False, "error": {"code": "FILE", "message": message, "detail": ""}})
        else:
            print(message, file=sys.stderr)
        return 1


def _init(args: argparse.Namespace, as_json: bool) -> int:
    so_pin = _secret(args.so_pin, SO_PIN_ENV, "SO PIN của token mới: ")
    pin = _secret(args.pin, PIN_ENV, "Mã PIN của token mới: ")
    config = init_softhsm_token(
        token_label=args.label, so_pin=so_pin, pin=pin, conf_dir=args.conf_dir
    )
    if as_json:
        _emit({"ok": True, "token_label": args.label, "softhsm2_conf": str(config)})
        return 0
    print(f"Đã tạo token SoftHSM2 '{args.label}'.")
    print(f"  Tệp cấu hình SoftHSM2: {config}")
    if args.conf_dir is not None:
        print(f"  Đặt SOFTHSM2_CONF={config} để các lệnh sau dùng token này.")
    return 0


def _load(args: argparse.Namespace, as_json: bool) -> int:
    pin = _secret(args.pin, PIN_ENV, f"Mã PIN của token '{args.token}': ")
    password = _secret(args.password, P12_PASSWORD_ENV, "Mật khẩu tệp .p12: ", allow_empty=True)
    key_id = _key_id(args.key_id)
    loaded = load_into_token(
        args.module,
        token_label=args.token,
        pin=pin,
        p12=args.p12.read_bytes(),
        p12_password=password.encode("utf-8"),
        label=args.label,
        key_id=key_id,
    )
    if as_json:
        _emit({"ok": True, "certificate": _certificate_json(loaded)})
        return 0
    print(f"Đã nạp khoá bí mật và chứng thư số vào token '{loaded.token_label}'.")
    _print_certificate(loaded, sys.stdout)
    return 0


def _list(args: argparse.Namespace, as_json: bool) -> int:
    module = args.module if args.module is not None else default_module_path()
    tokens = list_tokens(module)
    if args.token is not None:
        tokens = [token for token in tokens if token.label == args.token]
        if not tokens:
            # Let the library build the TOKEN_NOT_FOUND error with what is present.
            list_certificates(module, token_label=args.token)
    if args.pin is not None and len(tokens) > 1:
        raise _UsageError("Máy có nhiều token: chọn token bằng --token khi nhập --pin.")
    listed = [
        (
            token,
            list_certificates(
                module, token_label=token.label, token_serial=token.serial, pin=args.pin
            ),
        )
        for token in tokens
    ]
    if as_json:
        _emit(
            {
                "ok": True,
                "module": str(module),
                "tokens": [
                    {**_token_json(token), "certificates": [_certificate_json(c) for c in certs]}
                    for token, certs in listed
                ],
            }
        )
        return 0
    print(f"Thư viện PKCS#11: {module}")
    if not listed:
        print("Không có USB Token nào. Cắm token vào máy rồi chạy lại lệnh.")
        return 0
    for token, certs in listed:
        _print_token(token, certs, checked_keys=args.pin is not None)
    return 0


def _print_token(token: TokenInfo, certs: list[TokenCertificate], *, checked_keys: bool) -> None:
    print(f"Token '{token.label}' – sê-ri {token.serial} – {token.manufacturer}, {token.model}")
    if token.pin_locked:
        print("  CẢNH BÁO: mã PIN đã bị khoá; liên hệ nhà cung cấp chữ ký số để mở khoá.")
    elif token.pin_final_try:
        print("  CẢNH BÁO: chỉ còn một lần nhập mã PIN trước khi token bị khoá.")
    elif token.pin_count_low:
        print("  Lưu ý: đã có lần nhập sai mã PIN kể từ lần đăng nhập đúng gần nhất.")
    if not certs:
        print("  Không có chứng thư số nào trên token.")
    for cert in certs:
        _print_certificate(cert, sys.stdout)
    if certs and not checked_keys:
        print("  (Thêm --pin để kiểm tra chứng thư số nào có khoá bí mật để ký.)")


def _print_certificate(cert: TokenCertificate, out: TextIO) -> None:
    keys = {True: "có", False: "KHÔNG có", None: "chưa kiểm tra (cần mã PIN)"}
    print(f"  Chứng thư số '{cert.label}' (mã ID {cert.id_hex or 'trống'})", file=out)
    print(f"    Chủ thể: {cert.subject_summary}", file=out)
    print(f"    Cấp bởi: {cert.issuer_summary}", file=out)
    print(f"    Số sê-ri: {cert.serial_number_hex}", file=out)
    print(
        f"    Hiệu lực: {cert.not_before:%d/%m/%Y %H:%M} – {cert.not_after:%d/%m/%Y %H:%M} (UTC)",
        file=out,
    )
    print(f"    SHA-256: {cert.fingerprint_sha256}", file=out)
    print(f"    Khoá bí mật: {keys[cert.has_private_key]}", file=out)


def _token_json(token: TokenInfo) -> dict[str, Any]:
    return {
        "slot_id": token.slot_id,
        "label": token.label,
        "serial": token.serial,
        "manufacturer": token.manufacturer,
        "model": token.model,
        "login_required": token.login_required,
        "pin_count_low": token.pin_count_low,
        "pin_final_try": token.pin_final_try,
        "pin_locked": token.pin_locked,
    }


def _certificate_json(cert: TokenCertificate) -> dict[str, Any]:
    return {
        "token_label": cert.token_label,
        "token_serial": cert.token_serial,
        "label": cert.label,
        "id": cert.id_hex,
        "subject": cert.subject,
        "subject_summary": cert.subject_summary,
        "issuer": cert.issuer_summary,
        "serial_number": cert.serial_number_hex,
        "fingerprint_sha256": cert.fingerprint_sha256,
        "not_before": cert.not_before.isoformat(),
        "not_after": cert.not_after.isoformat(),
        "has_private_key": cert.has_private_key,
    }


def _print_error(error: SignerError, as_json: bool) -> None:
    if as_json:
        payload = {"code": error.code.value, "message": error.message_vi, "detail": error.detail}
        _emit({"ok": False, "error": payload})
        return
    print(f"Lỗi [{error.code.value}]: {error.message_vi}", file=sys.stderr)
    if error.detail:
        print(f"  {error.detail.strip()}", file=sys.stderr)


def _emit(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, ensure_ascii=False))


def _secret(value: str | None, env_name: str, prompt: str, *, allow_empty: bool = False) -> str:
    try:
        return read_secret(value, env_name, prompt, allow_empty=allow_empty)
    except MissingSecret as exc:
        raise _UsageError(str(exc)) from exc


def _key_id(text: str | None) -> bytes | None:
    if text is None:
        return None
    try:
        key_id = bytes.fromhex(text.replace(":", ""))
    except ValueError as exc:
        raise _UsageError(f"Mã ID không phải chuỗi hex: {text}") from exc
    if not key_id:
        raise _UsageError("Mã ID không được để trống.")
    return key_id
