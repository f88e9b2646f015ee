import pytest

from ebhxh.demo.token import HOLDERS, TOKEN_LABEL, TOKEN_PIN, ensure_demo_token
from ebhxh.signers.pkcs11 import Pkcs11Signer, default_module_path, list_certificates


@pytest.fixture
def demo_var(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    # Registered with monkeypatch so the value ensure_demo_token sets is undone afterwards.
    monkeypatch.setenv("SOFTHSM2_CONF", str(tmp_path / "not-yet.conf"))
    monkeypatch.delenv("EBHXH_PKCS11_MODULE", raising=False)
    return tmp_path


def test_demo_token_holds_the_demo_keys_once(demo_pki, demo_var, monkeypatch):
    lines: list[str] = []
    config = ensure_demo_token(demo_pki, log=lines.append)
    assert config is not None and config.is_relative_to(demo_var)
    monkeypatch.setenv("SOFTHSM2_CONF", str(config))
    certificates = list_certificates(default_module_path(), token_label=TOKEN_LABEL)
    expected = {demo_pki.entity(slug).fingerprint_sha256 for slug in HOLDERS}
    assert expected <= {c.fingerprint_sha256 for c in certificates}
    ensure_demo_token(demo_pki, log=lines.append)  # a second start adds nothing
    again = list_certificates(default_module_path(), token_label=TOKEN_LABEL)
    assert len(again) == len(certificates)
    assert sum("Đã tạo USB Token" in line for line in lines) == 1


def test_demo_token_signs_with_the_published_pin(demo_pki, demo_var, monkeypatch):
    config = ensure_demo_token(demo_pki, log=lambda line: None)
    monkeypatch.setenv("SOFTHSM2_CONF", str(config))
    hoa_binh = next(
        c
        for c in list_certificates(default_module_path(), token_label=TOKEN_LABEL)
        if c.fingerprint_sha256 == demo_pki.entity("hoa-binh").fingerprint_sha256
    )
    with Pkcs11Signer.open(
        None, token_label=TOKEN_LABEL, pin=TOKEN_PIN, certificate_id=hoa_binh.id_hex
    ) as signer:
        assert len(signer.sign_digest(b"\x01" * 32)) == 256
