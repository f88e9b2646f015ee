"""init_softhsm_token: a development token in a private or the configured SoftHSM2 store."""

from __future__ import annotations

from pathlib import Path

import pytest

from ebhxh.signers.errors import SignerError, SignerErrorCode
from ebhxh.signers.pkcs11 import list_tokens
from ebhxh.signers.softhsm import init_softhsm_token, softhsm_config_path
from tests.signers.conftest import PIN, SO_PIN, TOKEN_LABEL


def test_init_in_the_configured_store(softhsm_conf: Path, module_path: Path) -> None:
    assert init_softhsm_token(token_label=TOKEN_LABEL, so_pin=SO_PIN, pin=PIN) == softhsm_conf
    assert softhsm_config_path() == softhsm_conf
    assert [token.label for token in list_tokens(module_path)] == [TOKEN_LABEL]


def test_init_in_a_directory_of_its_own(
    softhsm_conf: Path, module_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf_dir = tmp_path / "demo-hsm"
    config = init_softhsm_token(token_label="DEMO", so_pin=SO_PIN, pin=PIN, conf_dir=conf_dir)
    assert config == conf_dir / "softhsm2.conf"
    assert f"directories.tokendir = {conf_dir / 'tokens'}" in config.read_text()
    assert list_tokens(module_path) == []  # the process still points at its own store
    monkeypatch.setenv("SOFTHSM2_CONF", str(config))
    assert [token.label for token in list_tokens(module_path)] == ["DEMO"]
    # A second token in the same directory keeps the first one.
    init_softhsm_token(token_label="DEMO-2", so_pin=SO_PIN, pin=PIN, conf_dir=conf_dir)
    assert sorted(token.label for token in list_tokens(module_path)) == ["DEMO", "DEMO-2"]


def test_a_label_already_present_is_refused(softhsm_conf: Path) -> None:
    init_softhsm_token(token_label=TOKEN_LABEL, so_pin=SO_PIN, pin=PIN)
    with pytest.raises(SignerError) as caught:
        init_softhsm_token(token_label=TOKEN_LABEL, so_pin=SO_PIN, pin=PIN)
    assert caught.value.code is SignerErrorCode.TOKEN_LABEL_IN_USE


@pytest.mark.parametrize(
    ("label", "so_pin", "pin"),
    [
        ("OK", "123", PIN),  # softhsm2-util would stop and prompt for a longer SO PIN
        ("OK", SO_PIN, "12"),
        ("", SO_PIN, PIN),
        ("X" * 33, SO_PIN, PIN),
    ],
)
def test_arguments_softhsm_would_refuse(
    softhsm_conf: Path, label: str, so_pin: str, pin: str
) -> None:
    with pytest.raises(SignerError) as caught:
        init_softhsm_token(token_label=label, so_pin=so_pin, pin=pin)
    assert caught.value.code is SignerErrorCode.TOKEN_INIT_FAILED


def test_broken_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOFTHSM2_CONF", str(tmp_path / "khong-co.conf"))
    with pytest.raises(SignerError) as caught:
        init_softhsm_token(token_label=TOKEN_LABEL, so_pin=SO_PIN, pin=PIN)
    assert caught.value.code is SignerErrorCode.TOKEN_INIT_FAILED
    assert "softhsm2-util" in caught.value.detail


def test_softhsm_not_installed(softhsm_conf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(SignerError) as caught:
        init_softhsm_token(token_label=TOKEN_LABEL, so_pin=SO_PIN, pin=PIN)
    assert caught.value.code is SignerErrorCode.TOKEN_INIT_FAILED
    assert "softhsm2" in caught.value.detail
