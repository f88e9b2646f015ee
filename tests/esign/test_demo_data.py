"""The demo's holder accounts: Sao Mai with two certificates, Nguyễn Thị Hương with one."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ebhxh.esign import demo_data, keystore
from ebhxh.esign.models import Credential, HolderAccount, KeyStorage
from ebhxh.pki.demo import DemoPki
from tests.pki.support import demo_dir_copy

pytestmark = pytest.mark.django_db


def test_demo_holders_are_loaded_once_with_sealed_keys(
    demo_pki: DemoPki, settings, tmp_path: Path
) -> None:
    settings.DEMO_PKI_DIR = tmp_path / "pki"
    demo_dir_copy(demo_pki, settings.DEMO_PKI_DIR)
    lines: list[str] = []
    demo_data.load(log=lines.append)
    demo_data.load(log=lines.append)  # idempotent
    assert HolderAccount.objects.count() == 2
    assert lines == [
        "eSign: đã tạo tài khoản ký số từ xa saomai / demo-saomai (PIN 123456); "
        "nguyen-thi-huong / demo-nguyen-thi-huong (PIN 123456)."
    ]

    saomai = HolderAccount.objects.get(username="saomai")
    fingerprints = list(saomai.credentials.values_list("fingerprint_sha256", flat=True))
    assert fingerprints == [
        demo_pki.entity("sao-mai-vnpt").fingerprint_sha256,
        demo_pki.entity("sao-mai-viettel").fingerprint_sha256,
    ]
    huong = HolderAccount.objects.get(username="nguyen-thi-huong")
    [credential] = huong.credentials.all()
    assert credential.fingerprint_sha256 == demo_pki.entity("nguyen-thi-huong").fingerprint_sha256
    for credential in Credential.objects.all():
        assert credential.key_storage == KeyStorage.ENCRYPTED
        assert b"PRIVATE KEY" not in bytes(credential.encrypted_key or b"")
        digest = hashlib.sha256(b"demo").digest()
        assert len(keystore.sign_digests(credential, [digest])[0]) == 256


def test_without_a_demo_pki_nothing_is_loaded(settings, tmp_path: Path) -> None:
    settings.DEMO_PKI_DIR = tmp_path / "missing"
    lines: list[str] = []
    demo_data.load(log=lines.append)
    assert not HolderAccount.objects.exists()
    assert "bỏ qua" in lines[0]
