"""Interoperability with OpenSC's pkcs11-tool, standing in for a CA's token utilities.

A vendor tool writes the key and certificate its own way; the signer must still find and
use them. And what `load_into_token` writes must look normal to other PKCS#11 software.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from ebhxh.signers.pkcs11 import Pkcs11Signer
from ebhxh.signers.types import TokenCertificate
from tests.signers.conftest import PIN, TOKEN_LABEL, SigningPki
from tests.signers.test_software import DIGEST, verify


def pkcs11_tool(module_path: Path, *args: str) -> str:
    tool = shutil.which("pkcs11-tool")
    assert tool is not None, "pkcs11-tool is required: apt-get install opensc"
    result = subprocess.run(
        [tool, "--module", str(module_path), "--token-label", TOKEN_LABEL, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return result.stdout


def test_signs_with_objects_written_by_another_tool(
    empty_token: str, module_path: Path, pki: SigningPki, tmp_path: Path
) -> None:
    key = tmp_path / "key.der"
    key.write_bytes(pki.person.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))
    cert = tmp_path / "cert.der"
    cert.write_bytes(pki.person.certificate.public_bytes(Encoding.DER))
    for path, kind in ((key, "privkey"), (cert, "cert")):
        pkcs11_tool(
            module_path,
            "--login", "--pin", PIN, "--write-object", str(path), "--type", kind,
            "--id", "0a0b", "--label", "vendor",
        )  # fmt: skip
    with Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN) as signer:
        assert signer.token_certificate.id_hex == "0a0b"
        verify(signer.sign_digest(DIGEST), pki.person.certificate.public_key())


def test_loaded_objects_look_normal_to_another_tool(
    unit_on_token: TokenCertificate, module_path: Path, pki: SigningPki
) -> None:
    listing = pkcs11_tool(module_path, "--login", "--pin", PIN, "--list-objects")
    assert listing.count(f"ID:         {unit_on_token.id_hex}") == 3  # private, public, cert
    assert "Private Key Object; RSA" in listing
    assert "Public Key Object; RSA 2048 bits" in listing
    key_block = listing.split("Private Key Object; RSA")[1].split("Object;")[0]
    assert "Usage:      sign\n" in key_block
    assert "Access:     sensitive" in key_block
    # CKA_SERIAL_NUMBER is a DER INTEGER that the tool decodes back to the serial.
    serial = format(pki.unit.certificate.serial_number, "X")
    assert any(
        line.strip().removeprefix("serial:").strip().lstrip("0") == serial.lstrip("0")
        for line in listing.splitlines()
        if line.strip().startswith("serial:")
    ), listing


def test_another_tool_can_sign_with_the_loaded_key(
    unit_on_token: TokenCertificate, module_path: Path, pki: SigningPki, tmp_path: Path
) -> None:
    data = tmp_path / "data.bin"
    data.write_bytes(b"<SignedInfo/>")
    signature = tmp_path / "sig.bin"
    pkcs11_tool(
        module_path,
        "--login", "--pin", PIN, "--sign", "--mechanism", "SHA256-RSA-PKCS",
        "--id", unit_on_token.id_hex, "--input-file", str(data), "--output-file", str(signature),
    )  # fmt: skip
    digest = hashlib.sha256(b"<SignedInfo/>").digest()
    verify(signature.read_bytes(), pki.unit.certificate.public_key(), digest)
