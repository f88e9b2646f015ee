"""The demo's USB token: a SoftHSM2 token holding demo keys, for the signer agent.

A newcomer has no USB token; SoftHSM2 is a real PKCS#11 token in software, so the demo's
browser signing goes through exactly the path a real token would.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from ebhxh.pki.demo import DemoPki
from ebhxh.signers.errors import SignerError
from ebhxh.signers.pkcs11 import list_certificates, list_tokens, load_into_token
from ebhxh.signers.softhsm import (
    CONFIG_ENV,
    find_softhsm_module,
    init_softhsm_token,
    write_softhsm_config,
)

# Published demo PINs of a software token holding demo keys only, shown in the banner.
TOKEN_LABEL = "EBHXH-DEMO"  # noqa: S105 - a label
TOKEN_PIN = "123456"  # noqa: S105
TOKEN_SO_PIN = "87654321"  # noqa: S105
# Holders whose keys the demo token carries: organisations (one with two certificates, as
# seed 002 describes) and an individual.
HOLDERS = ("hoa-binh", "sao-mai-vnpt", "sao-mai-viettel", "sao-mai-lb", "nguyen-thi-huong")


def token_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo" / "softhsm"


def ensure_demo_token(pki: DemoPki, *, log: Callable[[str], None]) -> Path | None:
    """Create the demo token and load the demo holders' keys once; the SoftHSM2 config path,
    or None when SoftHSM2 is not installed (the demo then runs without a token)."""
    module = find_softhsm_module()
    if module is None:
        log("Không có SoftHSM2: bản trình diễn chạy không có USB Token giả lập.")
        return None
    config = write_softhsm_config(token_dir())
    os.environ[CONFIG_ENV] = str(config)
    if not any(token.label == TOKEN_LABEL for token in list_tokens(module)):
        init_softhsm_token(token_label=TOKEN_LABEL, so_pin=TOKEN_SO_PIN, pin=TOKEN_PIN)
        log(f"Đã tạo USB Token trình diễn {TOKEN_LABEL} (PIN {TOKEN_PIN}).")
    present = {c.fingerprint_sha256 for c in list_certificates(module, token_label=TOKEN_LABEL)}
    for slug in HOLDERS:
        entity = pki.entity(slug)
        if entity.fingerprint_sha256 in present:
            continue
        try:
            load_into_token(
                module,
                token_label=TOKEN_LABEL,
                pin=TOKEN_PIN,
                p12=pki.path(entity.files.pkcs12).read_bytes(),
                p12_password=entity.p12_password.encode(),
                label=entity.common_name[:60],
            )
        except SignerError as exc:
            log(f"Không nạp được chứng thư {slug} vào token: {exc}")
    return config
