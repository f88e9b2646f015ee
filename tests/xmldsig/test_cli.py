"""`ebhxh xml sign|verify` end to end: demo PKI, a PKCS#12 file and a SoftHSM2 token."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from ebhxh.pki.demo import DemoPki
from ebhxh.signers.pkcs11 import default_module_path, load_into_token
from ebhxh.signers.softhsm import init_softhsm_token
from ebhxh.xmldsig.cli import run

HOSO = """<?xml version="1.0" encoding="UTF-8"?>
<Hoso><NoiDung><ThongTinDonVi><TenDoiTuong>CÔNG TY CỔ PHẦN ĐẦU TƯ THƯƠNG MẠI HOÀ BÌNH</TenDoiTuong>
<MaSoThue>0109123458</MaSoThue></ThongTinDonVi><ThongTinHoSo><MaThuTuc>600</MaThuTuc>
</ThongTinHoSo></NoiDung></Hoso>
""".encode()


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "hoso.xml").write_bytes(HOSO)
    return tmp_path


def trust_args(pki: DemoPki) -> list[str]:
    return ["--trust", str(pki.path("certs/root-ca.pem")), "--crl", str(pki.path("crl"))]


def sign_with_p12(pki: DemoPki, slug: str, source: Path, target: Path) -> int:
    entity = pki.entity(slug)
    p12 = str(pki.path(entity.files.pkcs12))
    return run(["sign", "--p12", p12, "--password", entity.p12_password, str(source), str(target)])


def test_sign_with_p12_then_verify_names_the_signer(demo_pki, files, capsys):
    assert sign_with_p12(demo_pki, "hoa-binh", files / "hoso.xml", files / "signed.xml") == 0
    capsys.readouterr()
    assert run(["verify", *trust_args(demo_pki), str(files / "signed.xml")]) == 0
    out = capsys.readouterr().out
    assert "Chữ ký hợp lệ." in out
    assert "Mã số thuế: 0109123458" in out and "Thời điểm ký:" in out
    assert run(["verify", *trust_args(demo_pki), "--json", str(files / "signed.xml")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["valid"] and result["tax_code"] == "0109123458" and result["signing_time"]


def test_individual_signer_shows_the_personal_id(demo_pki, files, capsys):
    assert sign_with_p12(demo_pki, "nguyen-thi-huong", files / "hoso.xml", files / "s.xml") == 0
    capsys.readouterr()
    assert run(["verify", *trust_args(demo_pki), str(files / "s.xml")]) == 0
    assert "Số định danh cá nhân: 001190012345" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda b: b.replace("HOÀ BÌNH".encode(), "HOÀ BÌNH 2".encode(), 1), "SIG003"),
        (lambda b: re.sub(rb"(<(?:ds:)?SignatureValue>)(.{8})", rb"\1AAAAAAAA", b), "SIG002"),
    ],
)
def test_verify_refusal_exits_1_with_code_and_xpath(demo_pki, files, capsys, mutate, code):
    sign_with_p12(demo_pki, "hoa-binh", files / "hoso.xml", files / "signed.xml")
    (files / "bad.xml").write_bytes(mutate((files / "signed.xml").read_bytes()))
    capsys.readouterr()
    assert run(["verify", *trust_args(demo_pki), "--json", str(files / "bad.xml")]) == 1
    result = json.loads(capsys.readouterr().out)
    assert not result["valid"] and result["code"].startswith(code) and result["message"]


def test_revoked_certificate_is_refused_with_crt004(demo_pki, files, capsys):
    assert sign_with_p12(demo_pki, "phu-thinh", files / "hoso.xml", files / "signed.xml") == 0
    capsys.readouterr()
    assert run(["verify", *trust_args(demo_pki), str(files / "signed.xml")]) == 1
    assert "CRT004" in capsys.readouterr().err


def test_untrusted_root_and_missing_crl(demo_pki, files, tmp_path, capsys):
    sign_with_p12(demo_pki, "hoa-binh", files / "hoso.xml", files / "signed.xml")
    other = tmp_path / "other-root.pem"
    # VNPT-CA did not issue the signer's certificate (MISA-CA did): no path to this anchor.
    other.write_bytes(demo_pki.path("certs/vnpt-ca.pem").read_bytes())
    capsys.readouterr()
    assert run(["verify", "--trust", str(other), str(files / "signed.xml")]) == 1
    assert "CRT001" in capsys.readouterr().err
    root = str(demo_pki.path("certs/root-ca.pem"))
    assert run(["verify", "--trust", root, str(files / "signed.xml")]) == 1
    assert "CRT005" in capsys.readouterr().err


def test_usage_errors_exit_2(demo_pki, files, capsys):
    assert run(["sign", str(files / "hoso.xml"), str(files / "o.xml")]) == 2
    assert "--p12" in capsys.readouterr().err
    assert run(["verify", str(files / "hoso.xml")]) == 2
    assert run(["verify", "--trust", "/nonexistent.pem", str(files / "hoso.xml")]) == 2


def test_wrong_p12_password_exits_1(demo_pki, files, capsys):
    p12 = str(demo_pki.path(demo_pki.entity("hoa-binh").files.pkcs12))
    args = ["sign", "--p12", p12, "--password", "sai", str(files / "hoso.xml"), str(files / "o")]
    assert run(args) == 1
    assert "P12_PASSWORD_INCORRECT" in capsys.readouterr().err
    assert not (files / "o").exists()


@pytest.fixture
def token_with_demo_key(demo_pki, softhsm_conf) -> str:
    init_softhsm_token(token_label="hoa-binh-token", so_pin="87654321", pin="123456")
    entity = demo_pki.entity("hoa-binh")
    load_into_token(
        None,
        token_label="hoa-binh-token",
        pin="123456",
        p12=demo_pki.path(entity.files.pkcs12).read_bytes(),
        p12_password=entity.p12_password.encode(),
        label="Hoà Bình",
    )
    return "hoa-binh-token"


def test_sign_on_a_pkcs11_token_verifies_here_and_with_xmlsec1(
    demo_pki, files, token_with_demo_key, capsys
):
    module = str(default_module_path())
    args = ["sign", "--pkcs11-module", module, "--token", token_with_demo_key, "--pin", "123456"]
    assert run([*args, str(files / "hoso.xml"), str(files / "signed.xml")]) == 0
    capsys.readouterr()
    assert run(["verify", *trust_args(demo_pki), str(files / "signed.xml")]) == 0
    assert "0109123458" in capsys.readouterr().out
    xmlsec1 = subprocess.run(
        [
            "xmlsec1", "--verify",
            "--trusted-pem", str(demo_pki.path("certs/root-ca.pem")),
            "--untrusted-pem", str(demo_pki.path("certs/misa-ca.pem")),
            "--id-attr:Id", "Object",
            str(files / "signed.xml"),
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert xmlsec1.returncode == 0, xmlsec1.stderr
    assert "OK" in xmlsec1.stderr


def test_wrong_pin_is_explained(demo_pki, files, token_with_demo_key, capsys):
    module = str(default_module_path())
    args = ["sign", "--pkcs11-module", module, "--token", token_with_demo_key, "--pin", "000000"]
    assert run([*args, str(files / "hoso.xml"), str(files / "signed.xml")]) == 1
    assert "TOKEN_PIN_INCORRECT" in capsys.readouterr().err


def test_missing_p12_and_unwritable_output_are_explained(demo_pki, files, capsys):
    args = ["sign", "--p12", str(files / "absent.p12"), "--password", "x"]
    assert run([*args, str(files / "hoso.xml"), str(files / "o.xml")]) == 2
    assert "Không đọc được tệp" in capsys.readouterr().err
    entity = demo_pki.entity("hoa-binh")
    p12 = str(demo_pki.path(entity.files.pkcs12))
    target = files / "no-such-dir" / "o.xml"
    sign = ["sign", "--p12", p12, "--password", entity.p12_password]
    assert run([*sign, str(files / "hoso.xml"), str(target)]) == 2
    assert "Không ghi được tệp" in capsys.readouterr().err
