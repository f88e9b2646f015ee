"""`ebhxh xml sign|verify`: sign a dossier or form, or check one, from the command line.

Verification exits 0 and names the signer (subject, MST or personal ID, signing time) or
exits 1 with the rejection code, its Vietnamese reason and the XPath at fault, so scripts
and people read the same answer the gateway would give.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ebhxh.cliparse import VietnameseArgumentParser as _Parser
from ebhxh.pki.errors import RejectionError
from ebhxh.pki.validation import CertificateValidator
from ebhxh.signers.errors import SignerError
from ebhxh.signers.pkcs11 import Pkcs11Signer
from ebhxh.signers.ports import DigestSigner
from ebhxh.signers.secrets import MissingSecret, read_secret
from ebhxh.signers.software import Pkcs12Signer
from ebhxh.vntime import VIETNAM_TZ
from ebhxh.xmldsig.profile import ENVELOPE, FORM, SignatureLocation
from ebhxh.xmldsig.signing import sign_xml
from ebhxh.xmldsig.verification import VerifiedDocument, verify_xml

PIN_ENV = "EBHXH_TOKEN_PIN"
P12_PASSWORD_ENV = "EBHXH_P12_PASSWORD"  # noqa: S105 - the variable name, not a password


class _UsageError(Exception):
    pass


def _parser() -> _Parser:
    parser = _Parser(prog="ebhxh xml", description="Ký số và kiểm tra chữ ký XML (XMLDSig).")
    sub = parser.add_subparsers(dest="action", required=True, parser_class=_Parser)

    sign = sub.add_parser("sign", help="ký một tệp XML")
    sign.add_argument("input", type=Path, help="tệp XML cần ký")
    sign.add_argument("output", type=Path, help="tệp XML đã ký")
    key = sign.add_argument_group("chữ ký số")
    key.add_argument("--p12", type=Path, help="tệp PKCS#12 (.p12/.pfx) chứa khoá và chứng thư")
    key.add_argument("--password", help=f"mật khẩu tệp .p12 (hoặc biến {P12_PASSWORD_ENV})")
    key.add_argument("--pkcs11-module", type=Path, help="thư viện PKCS#11 của USB Token")
    key.add_argument("--token", help="nhãn token")
    key.add_argument("--pin", help=f"mã PIN (hoặc biến {PIN_ENV}, hoặc nhập khi được hỏi)")
    key.add_argument("--cert-id", help="CKA_ID (hex) của chứng thư khi token có nhiều chứng thư")
    key.add_argument("--cert-label", help="nhãn của chứng thư trên token")
    sign.add_argument(
        "--no-signing-time", action="store_true", help="không ghi thời điểm ký vào chữ ký"
    )
    _location_arguments(sign)

    verify = sub.add_parser("verify", help="kiểm tra chữ ký của một tệp XML")
    verify.add_argument("input", type=Path, help="tệp XML đã ký")
    verify.add_argument(
        "--trust", type=Path, action="append", required=True, help="chứng thư gốc tin cậy (PEM/DER)"
    )
    verify.add_argument(
        "--intermediate", type=Path, action="append", default=[], help="chứng thư CA trung gian"
    )
    verify.add_argument("--crl", type=Path, action="append", default=[], help="danh sách thu hồi")
    verify.add_argument("--ocsp", action="store_true", help="hỏi OCSP khi chứng thư có địa chỉ")
    verify.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    _location_arguments(verify)
    return parser


def _location_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--form", action="store_true", help="chữ ký của tờ khai (thẻ Cky) thay vì hồ sơ (CKy_Dvi)"
    )
    group.add_argument("--signature-parent", help="tên thẻ chứa chữ ký, nếu khác CKy_Dvi/Cky")


def _location(args: argparse.Namespace) -> SignatureLocation:
    if args.signature_parent:
        return SignatureLocation(parent=args.signature_parent)
    return FORM if args.form else ENVELOPE


def run(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_or_status(argv)
        if isinstance(args, int):
            return args
        if args.action == "sign":
            return _sign(args)
        return _verify(args)
    except _UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except MissingSecret as exc:
        print(exc, file=sys.stderr)
        return 2


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _UsageError(f"Không đọc được tệp {path}: {exc.strerror or exc}") from exc


def _signer(args: argparse.Namespace) -> DigestSigner:
    if bool(args.p12) == bool(args.pkcs11_module):
        raise _UsageError("Chọn đúng một cách ký: --p12 TỆP hoặc --pkcs11-module THƯ_VIỆN.")
    if args.p12:
        password = read_secret(
            args.password, P12_PASSWORD_ENV, "Mật khẩu tệp .p12: ", allow_empty=True
        )
        return Pkcs12Signer.from_bytes(_read(args.p12), password)
    pin = read_secret(args.pin, PIN_ENV, "Mã PIN của USB Token: ")
    return Pkcs11Signer.open(
        args.pkcs11_module,
        token_label=args.token,
        pin=pin,
        certificate_id=args.cert_id,
        certificate_label=args.cert_label,
    )


def _sign(args: argparse.Namespace) -> int:
    document = _read(args.input)
    try:
        signer = _signer(args)
        try:
            signing_time = None if args.no_signing_time else datetime.now(VIETNAM_TZ)
            signed = sign_xml(document, signer, location=_location(args), signing_time=signing_time)
        finally:
            close = getattr(signer, "close", None)
            if close is not None:
                close()
    except SignerError as exc:
        print(f"Không ký được: {exc.code} — {exc.message_vi}", file=sys.stderr)
        return 1
    except RejectionError as exc:
        print(_rejection_text(exc), file=sys.stderr)
        return 1
    try:
        args.output.write_bytes(signed)
    except OSError as exc:
        raise _UsageError(f"Không ghi được tệp {args.output}: {exc.strerror or exc}") from exc
    subject = signer.certificate.subject.rfc4514_string()
    print(f"Đã ký {args.input} → {args.output}\n  Người ký: {subject}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    document = _read(args.input)
    try:
        checker = CertificateValidator.from_files(
            anchors=args.trust, intermediates=args.intermediate, crls=args.crl,
            ocsp_enabled=args.ocsp,
        )  # fmt: skip
    except (OSError, ValueError) as exc:
        raise _UsageError(f"Không đọc được chứng thư/CRL: {exc}") from exc
    try:
        verified = verify_xml(document, checker=checker, location=_location(args))
    except RejectionError as exc:
        if args.json:
            print(json.dumps(_rejection_json(exc), ensure_ascii=False))
        else:
            print(_rejection_text(exc), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(_verified_json(verified), ensure_ascii=False))
    else:
        print(_verified_text(verified))
    return 0


def _rejection_text(exc: RejectionError) -> str:
    lines = [f"Không hợp lệ: {exc.code} — {exc.message}"]
    if exc.xpath:
        lines.append(f"  Vị trí: {exc.xpath}")
    if exc.detail:
        lines.append(f"  Chi tiết: {exc.detail}")
    return "\n".join(lines)


def _rejection_json(exc: RejectionError) -> dict[str, Any]:
    return {
        "valid": False,
        "code": exc.code,
        "message": exc.message,
        "xpath": exc.xpath,
        "detail": exc.detail,
    }


def _verified_json(verified: VerifiedDocument) -> dict[str, Any]:
    identity = verified.validated.identity
    return {
        "valid": True,
        "subject": identity.subject,
        "common_name": identity.common_name,
        "tax_code": identity.tax_code,
        "citizen_id": identity.citizen_id,
        "signing_time": verified.signing_time.isoformat() if verified.signing_time else None,
        "certificate_sha256": verified.validated.fingerprint_sha256,
        "issuer": verified.validated.certificate.issuer.rfc4514_string(),
        "received_sha256": verified.received_sha256,
    }


def _verified_text(verified: VerifiedDocument) -> str:
    identity = verified.validated.identity
    lines = ["Chữ ký hợp lệ.", f"  Người ký: {identity.common_name}"]
    if identity.tax_code:
        lines.append(f"  Mã số thuế: {identity.tax_code}")
    if identity.citizen_id:
        lines.append(f"  Số định danh cá nhân: {identity.citizen_id}")
    if verified.signing_time:
        lines.append(
            f"  Thời điểm ký: {verified.signing_time.astimezone(VIETNAM_TZ):%H:%M:%S %d/%m/%Y}"
        )
    else:
        lines.append("  Thời điểm ký: không ghi trong chữ ký (đã kiểm tra tại thời điểm hiện tại)")
    lines.append(f"  Chứng thư: {identity.subject}")
    lines.append(f"  Cấp bởi: {verified.validated.certificate.issuer.rfc4514_string()}")
    return "\n".join(lines)
