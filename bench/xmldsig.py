"""Signature throughput: ebhxh against raw RSA and python-xmlsec, measured in one run.

    .venv/bin/python bench/xmldsig.py [--seconds 2] [--rounds 3] [--employees 60]

Builds the demo PKI in a temporary folder, a báo tăng dossier (a signed D02-TS form inside a
Hoso envelope, ~20 KB), then measures single-thread operations per second, median of the
rounds, interleaved so machine noise hits every row alike:

verify
  raw RSA-2048 verify        cryptography's public_key.verify over the canonical SignedInfo
  xmlsec verify (cert key)   python-xmlsec as usually written: parse, key from the signer's
                             certificate loaded once, SignatureContext.verify  <- the baseline
  xmlsec verify (bare key)   the same with a bare public key, the cheapest xmlsec can go
  ebhxh verify, uncached     verify_xml with chain + CRL checks redone (validator cache cleared)
  ebhxh verify, cached       verify_xml with the certificate result cached (the gateway's case)
sign
  raw RSA-2048 sign, xmlsec sign (template, key loaded once), ebhxh sign_xml with a PKCS#12
  key, and with a SoftHSM2 token over PKCS#11 when SoftHSM2 is installed.

The target (issue 3): ebhxh cached verify >= 70 % of the xmlsec (cert key) verify rate.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import xmlsec
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from ebhxh.pki.demo import build_demo_pki
from ebhxh.signers.pkcs11 import Pkcs11Signer, default_module_path, load_into_token
from ebhxh.signers.softhsm import init_softhsm_token
from ebhxh.signers.software import Pkcs12Signer
from ebhxh.xmldsig import ENVELOPE, FORM, sign_xml, verify_xml

DS = "http://www.w3.org/2000/09/xmldsig#"
TARGET = 0.70


def d02_form(employees: int) -> bytes:
    rows = "".join(
        f"<LaoDong><STT>{i}</STT><HoTen>Nguyễn Văn Bình {i}</HoTen>"
        f"<MaSoBHXH>{7900000000 + i}</MaSoBHXH><SoCCCD>0010900{i:05d}</SoCCCD>"
        f"<NgaySinh>01/02/1990</NgaySinh><GioiTinh>Nam</GioiTinh>"
        f"<ChucVu>Nhân viên kế toán</ChucVu><MucLuong>{8_000_000 + i * 1000}</MucLuong>"
        f"<TuThang>11/2026</TuThang><PhuongAn>TM</PhuongAn></LaoDong>"
        for i in range(1, employees + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<ToKhai><MaToKhai>D02-TS</MaToKhai><KyKeKhai>11/2026</KyKeKhai>"
        f"<DanhSach>{rows}</DanhSach><Cky/></ToKhai>"
    ).encode()


def envelope(form_b64: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        "<Hoso><NoiDung>"
        "<ThongTinIVAN><MaIVAN>00110</MaIVAN><TenIVAN>CÔNG TY CỔ PHẦN MISA</TenIVAN></ThongTinIVAN>"
        "<ThongTinDonVi><TenDoiTuong>CÔNG TY CỔ PHẦN ĐẦU TƯ THƯƠNG MẠI HOÀ BÌNH</TenDoiTuong>"
        "<MaSoBHXH>TA0123A</MaSoBHXH><LoaiDoiTuong>1</LoaiDoiTuong><MaSoThue>0109123458</MaSoThue>"
        "<NguoiKy>Nguyễn Thị Hương</NguoiKy><DienThoai>0912345678</DienThoai>"
        "<CoQuanQuanLy>01001</CoQuanQuanLy></ThongTinDonVi>"
        "<ThongTinHoSo><TenThuTuc>Báo tăng, báo giảm, điều chỉnh đóng BHXH, BHYT, BHTN</TenThuTuc>"
        "<MaThuTuc>600</MaThuTuc><KyKeKhai>11/2026</KyKeKhai><NgayLap>21/11/2026</NgayLap>"
        "<SoLuongFile>1</SoLuongFile><ToKhais><FileToKhai><MaToKhai>D02-TS</MaToKhai>"
        "<MoTaToKhai>Danh sách lao động tham gia BHXH, BHYT, BHTN</MoTaToKhai>"
        "<TenFile>D02-TS.xml</TenFile><LoaiFile>xml</LoaiFile>"
        f"<DoDaiFile>{len(form_b64)}</DoDaiFile><NoiDungFile>{form_b64}</NoiDungFile>"
        "</FileToKhai></ToKhais></ThongTinHoSo></NoiDung><CKy_Dvi/></Hoso>"
    ).encode()


def xmlsec_template(document: bytes, cert_pem: bytes) -> bytes:
    """The same document with an unsigned xmlsec template at /Hoso/CKy_Dvi (for xmlsec sign)."""
    root = etree.fromstring(document)
    sig = xmlsec.template.create(
        root, xmlsec.constants.TransformInclC14N, xmlsec.constants.TransformRsaSha256
    )
    ref = xmlsec.template.add_reference(sig, xmlsec.constants.TransformSha256, uri="")
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(ref, xmlsec.constants.TransformInclC14N)
    key_info = xmlsec.template.ensure_key_info(sig)
    x509 = xmlsec.template.add_x509_data(key_info)
    cert_node = etree.SubElement(x509, f"{{{DS}}}X509Certificate")
    der = b"".join(line for line in cert_pem.splitlines() if not line.startswith(b"-----"))
    cert_node.text = der.decode()
    root.find("CKy_Dvi").append(sig)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def rate(operation: Callable[[], object], seconds: float) -> float:
    operation()  # warm caches the way a running server has them
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        operation()
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (median reported)")
    parser.add_argument("--employees", type=int, default=60, help="rows in the D02-TS form")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ebhxh-bench-"))
    pki = build_demo_pki(work / "pki")
    slug = "hoa-binh"
    entity = pki.entity(slug)
    p12 = pki.path(entity.files.pkcs12).read_bytes()
    signer = Pkcs12Signer.from_bytes(p12, entity.p12_password)
    certificate = pki.certificate(slug)
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    private_key = pki.private_key(slug)
    public_key = certificate.public_key()
    signing_time = datetime.now(UTC)

    form = sign_xml(d02_form(args.employees), signer, location=FORM, signing_time=signing_time)
    document = sign_xml(
        envelope(base64.b64encode(form).decode()), signer, location=ENVELOPE,
        signing_time=signing_time,
    )  # fmt: skip
    validator = pki.validator()
    verify_xml(document, checker=validator, location=ENVELOPE)  # must be valid before timing

    signed_info = etree.tostring(
        etree.fromstring(document).find(f".//{{{DS}}}SignedInfo"), method="c14n"
    )
    raw_signature = private_key.sign(signed_info, padding.PKCS1v15(), hashes.SHA256())
    cert_key = xmlsec.Key.from_memory(cert_pem, xmlsec.constants.KeyDataFormatCertPem)
    bare_key = xmlsec.Key.from_memory(
        public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        xmlsec.constants.KeyDataFormatPem,
    )
    sign_key = xmlsec.Key.from_memory(
        private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        xmlsec.constants.KeyDataFormatPem,
    )
    template = xmlsec_template(envelope(base64.b64encode(form).decode()), cert_pem)

    def xmlsec_verify(key: xmlsec.Key) -> Callable[[], None]:
        def run() -> None:
            root = etree.fromstring(document)
            xmlsec.tree.add_ids(root, ["Id"])
            ctx = xmlsec.SignatureContext()
            ctx.key = key
            ctx.verify(root.find(f"CKy_Dvi/{{{DS}}}Signature"))

        return run

    def xmlsec_sign() -> None:
        root = etree.fromstring(template)
        ctx = xmlsec.SignatureContext()
        ctx.key = sign_key
        ctx.sign(root.find(f"CKy_Dvi/{{{DS}}}Signature"))
        etree.tostring(root)

    def ebhxh_uncached() -> None:
        validator.clear_cache()
        verify_xml(document, checker=validator, location=ENVELOPE)

    unsigned = envelope(base64.b64encode(form).decode())
    operations: dict[str, Callable[[], object]] = {
        "verify: raw RSA-2048": lambda: public_key.verify(
            raw_signature, signed_info, padding.PKCS1v15(), hashes.SHA256()
        ),
        "verify: xmlsec (cert key)": xmlsec_verify(cert_key),
        "verify: xmlsec (bare key)": xmlsec_verify(bare_key),
        "verify: ebhxh full, uncached": ebhxh_uncached,
        "verify: ebhxh full, cached": lambda: verify_xml(
            document, checker=validator, location=ENVELOPE
        ),
        "sign: raw RSA-2048": lambda: private_key.sign(
            signed_info, padding.PKCS1v15(), hashes.SHA256()
        ),
        "sign: xmlsec (template)": xmlsec_sign,
        "sign: ebhxh, PKCS#12 key": lambda: sign_xml(
            unsigned, signer, location=ENVELOPE, signing_time=signing_time
        ),
    }
    token_signer = _softhsm_signer(work, p12, entity.p12_password)
    if token_signer is not None:
        operations["sign: ebhxh, PKCS#11 SoftHSM2"] = lambda: sign_xml(
            unsigned, token_signer, location=ENVELOPE, signing_time=signing_time
        )

    results: dict[str, list[float]] = {name: [] for name in operations}
    for _ in range(args.rounds):
        for name, operation in operations.items():
            results[name].append(rate(operation, args.seconds))
    if token_signer is not None:
        token_signer.close()
    medians = {name: statistics.median(values) for name, values in results.items()}

    print(f"ebhxh XMLDSig benchmark — {len(document):,} byte envelope with a signed D02-TS form")
    print(f"({args.employees} employees), RSA-2048, one thread, median of {args.rounds} rounds")
    libxmlsec = ".".join(map(str, xmlsec.get_libxmlsec_version()))
    python = sys.version.split()[0]
    print(
        f"of {args.seconds:g} s; Python {python}, libxmlsec1 {libxmlsec}, {os.cpu_count()} CPUs\n"
    )
    print(f"{'operation':34} {'ops/s':>10} {'spread':>16}")
    for name, median in medians.items():
        low, high = min(results[name]), max(results[name])
        print(f"{name:34} {median:10.0f} {low:7.0f}–{high:<8.0f}")
    baseline = medians["verify: xmlsec (cert key)"]
    cached = medians["verify: ebhxh full, cached"]
    ratio = cached / baseline
    print()
    verdict = "met" if ratio >= TARGET else "NOT met"
    bare = cached / medians["verify: xmlsec (bare key)"]
    uncached = medians["verify: ebhxh full, uncached"] / cached
    print(f"ebhxh cached full verify / xmlsec verify (cert key): {ratio:.2f}  ", end="")
    print(f"(target >= {TARGET:.2f}: {verdict})")
    print(f"ebhxh cached full verify / xmlsec verify (bare key): {bare:.2f}")
    print(f"ebhxh uncached / cached verify: {uncached:.2f}")
    return 0


def _softhsm_signer(work: Path, p12: bytes, password: str) -> Pkcs11Signer | None:
    """A SoftHSM2 token of the bench's own holding the same key, or None without SoftHSM2."""
    try:
        module = default_module_path()
    except Exception:
        return None
    conf_dir = work / "softhsm"
    (conf_dir / "tokens").mkdir(parents=True)
    conf = conf_dir / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {conf_dir / 'tokens'}\nobjectstore.backend = file\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    init_softhsm_token(token_label="bench", so_pin="87654321", pin="123456")
    load_into_token(
        module, token_label="bench", pin="123456", p12=p12, p12_password=password.encode(),
        label="bench",
    )  # fmt: skip
    return Pkcs11Signer.open(module, token_label="bench", pin="123456")


if __name__ == "__main__":
    raise SystemExit(main())
