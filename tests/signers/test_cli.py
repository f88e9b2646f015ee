"""`ebhxh token ...` end to end on SoftHSM2: init, load, list; exit status and messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ebhxh.signers.cli import run
from tests.signers.conftest import P12_PASSWORD, PIN, SO_PIN, UNIT_TAX_CODE, SigningPki

Run = tuple[int, str, str]


def call(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    status = run(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def as_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status, out, _ = call(capsys, *argv, "--json")
    assert out.count("\n") == 1
    payload: dict[str, Any] = json.loads(out)
    return status, payload


@pytest.fixture
def p12_file(pki: SigningPki, tmp_path: Path) -> Path:
    path = tmp_path / "don-vi.p12"
    path.write_bytes(pki.p12(pki.unit))
    return path


def test_init_load_list(
    capsys: pytest.CaptureFixture[str],
    softhsm_conf: Path,
    module_path: Path,
    p12_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf_dir = tmp_path / "hsm"
    status, out, err = call(
        capsys,
        "init",
        "--label",
        "DEMO",
        "--so-pin",
        SO_PIN,
        "--pin",
        PIN,
        "--conf-dir",
        str(conf_dir),
    )
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == "Đã tạo token SoftHSM2 'DEMO'."
    assert f"SOFTHSM2_CONF={conf_dir / 'softhsm2.conf'}" in out
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf_dir / "softhsm2.conf"))

    module = str(module_path)
    status, out, err = call(
        capsys,
        "load", "--module", module, "--token", "DEMO", "--pin", PIN,
        "--p12", str(p12_file), "--password", P12_PASSWORD.decode(), "--label", "Đơn vị",
    )  # fmt: skip
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == "Đã nạp khoá bí mật và chứng thư số vào token 'DEMO'."
    assert f"UID=MST:{UNIT_TAX_CODE}" in out
    assert "Khoá bí mật: có" in out

    status, out, err = call(capsys, "list", "--module", module)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"Thư viện PKCS#11: {module}"
    assert lines[1].startswith("Token 'DEMO' – sê-ri ")
    assert "  Chứng thư số 'Đơn vị' (mã ID " in out
    assert "Khoá bí mật: chưa kiểm tra (cần mã PIN)" in out
    assert "(Thêm --pin để kiểm tra chứng thư số nào có khoá bí mật để ký.)" in out

    status, out, _ = call(capsys, "list", "--module", module, "--token", "DEMO", "--pin", PIN)
    assert status == 0
    assert out.count("Khoá bí mật: có") == 1
    assert out.count("Khoá bí mật: KHÔNG có") == 2  # the CA certificates
    assert PIN not in out.replace("Token 'DEMO'", "")

    status, payload = as_json(capsys, "list", "--module", module, "--pin", PIN)
    assert status == 0 and payload["ok"] is True
    (token,) = payload["tokens"]
    assert token["label"] == "DEMO" and token["pin_locked"] is False
    signing = [c for c in token["certificates"] if c["has_private_key"]]
    assert [c["label"] for c in signing] == ["Đơn vị"]
    assert len(signing[0]["fingerprint_sha256"]) == 64
    assert signing[0]["not_after"].endswith("+00:00")


def test_default_module_from_the_environment(
    capsys: pytest.CaptureFixture[str],
    empty_token: str,
    module_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EBHXH_PKCS11_MODULE", str(module_path))
    status, out, _ = call(capsys, "list")
    assert status == 0
    assert f"Token '{empty_token}'" in out
    assert "Không có chứng thư số nào trên token." in out


def test_pins_from_the_environment(
    capsys: pytest.CaptureFixture[str],
    empty_token: str,
    module_path: Path,
    p12_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EBHXH_TOKEN_PIN", PIN)
    monkeypatch.setenv("EBHXH_P12_PASSWORD", P12_PASSWORD.decode())
    status, _, err = call(
        capsys,
        "load", "--module", str(module_path), "--token", empty_token,
        "--p12", str(p12_file), "--label", "env",
    )  # fmt: skip
    assert (status, err) == (0, "")


def test_wrong_pin_is_explained(
    capsys: pytest.CaptureFixture[str], empty_token: str, module_path: Path, p12_file: Path
) -> None:
    status, out, err = call(
        capsys,
        "load", "--module", str(module_path), "--token", empty_token, "--pin", "999999",
        "--p12", str(p12_file), "--password", P12_PASSWORD.decode(), "--label", "x",
    )  # fmt: skip
    assert status == 1 and out == ""
    assert err.splitlines()[0] == (
        "Lỗi [TOKEN_PIN_INCORRECT]: Mã PIN không đúng. Kiểm tra lại mã PIN của USB Token; "
        "nhập sai nhiều lần sẽ khoá token."
    )
    assert "999999" not in err


def test_errors_as_json(
    capsys: pytest.CaptureFixture[str], empty_token: str, module_path: Path
) -> None:
    status, payload = as_json(capsys, "list", "--module", str(module_path), "--token", "KHAC")
    assert status == 1
    assert payload["ok"] is False
    assert payload["error"]["code"] == "TOKEN_NOT_FOUND"
    assert payload["error"]["message"].startswith("Không tìm thấy USB Token.")
    assert empty_token in payload["error"]["detail"]


def test_missing_module(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = call(capsys, "list", "--module", str(tmp_path / "khong-co.so"))
    assert status == 1
    assert err.startswith("Lỗi [TOKEN_MODULE_NOT_FOUND]: Không tìm thấy thư viện PKCS#11")


def test_no_token_plugged_in(
    capsys: pytest.CaptureFixture[str], softhsm_conf: Path, module_path: Path
) -> None:
    status, out, _ = call(capsys, "list", "--module", str(module_path))
    assert status == 0
    assert out.splitlines()[-1] == "Không có USB Token nào. Cắm token vào máy rồi chạy lại lệnh."


def test_missing_p12_file(
    capsys: pytest.CaptureFixture[str], empty_token: str, module_path: Path, tmp_path: Path
) -> None:
    status, _, err = call(
        capsys,
        "load", "--module", str(module_path), "--token", empty_token, "--pin", PIN,
        "--p12", str(tmp_path / "khong-co.p12"), "--password", "x", "--label", "x",
    )  # fmt: skip
    assert status == 1
    assert err.startswith("Không đọc được tệp: ")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["xoa"],
        ["init", "--so-pin", SO_PIN],  # no --label
        ["load", "--token", "T", "--pin", PIN, "--p12", "f", "--label", "x", "--id", "zz"],
        ["load", "--token", "T", "--pin", PIN, "--p12", "f", "--label", "x", "--id", ""],
    ],
)
def test_wrong_usage_exits_2(
    capsys: pytest.CaptureFixture[str],
    softhsm_conf: Path,
    module_path: Path,
    argv: list[str],
    tmp_path: Path,
) -> None:
    status, out, err = call(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err


def test_pin_required_without_a_terminal(
    capsys: pytest.CaptureFixture[str], softhsm_conf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EBHXH_TOKEN_PIN", raising=False)
    monkeypatch.delenv("EBHXH_TOKEN_SO_PIN", raising=False)
    status, _, err = call(capsys, "init", "--label", "X")
    assert status == 2
    assert "EBHXH_TOKEN_SO_PIN" in err
