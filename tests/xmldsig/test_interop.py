"""Interoperability with libxmlsec1's own command-line tool, both ways, as real processes.

What ebhxh signs must verify with `xmlsec1 --verify` against the CA, and what `xmlsec1 --sign`
makes from a template that follows the profile must verify with `verify_xml`.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from ebhxh.xmldsig import ENVELOPE, sign_xml, verify_xml
from tests.xmldsig.support import (
    DS,
    VIETNAM,
    KeySigner,
    PinnedCertificateChecker,
    TinyPki,
    envelope,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="xmlsec1 is not installed"),
]

ID_ATTRIBUTE = ["--id-attr:Id", f"{DS}:Object"]
SIGNING_TIME = datetime(2025, 6, 1, 9, 30, tzinfo=VIETNAM)

TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<Hoso>
  <NoiDung>
    <ThongTinDonVi><TenDoiTuong>Công ty TNHH Thử Nghiệm</TenDoiTuong></ThongTinDonVi>
    <ThongTinHoSo><MaThuTuc>600</MaThuTuc></ThongTinHoSo>
  </NoiDung>
  <CKy_Dvi><Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="sig-cli"><SignedInfo>\
<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>\
<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>\
<Reference URI=""><Transforms>\
<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>\
<Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/></Transforms>\
<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference>\
{time_reference}</SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo>{time_object}\
</Signature></CKy_Dvi>
</Hoso>
"""
TIME_REFERENCE = """<Reference URI="#sig-cli-time">\
<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference>"""
TIME_OBJECT = """<Object Id="sig-cli-time"><SignatureProperties>\
<SignatureProperty Target="#sig-cli"><SigningTime>2025-06-01T09:30:00+07:00</SigningTime>\
</SignatureProperty></SignatureProperties></Object>"""


def xmlsec1(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["xmlsec1", *map(str, arguments)], capture_output=True, text=True, timeout=30
    )


@pytest.mark.parametrize("signing_time", [None, SIGNING_TIME], ids=["no-time", "signing-time"])
def test_xmlsec1_verifies_what_ebhxh_signs(
    signing_time: datetime | None, pki: TinyPki, signer: KeySigner, tmp_path: Path
) -> None:
    files = pki.write_pem_files(tmp_path)
    signed = sign_xml(envelope(), signer, location=ENVELOPE, signing_time=signing_time)
    document = tmp_path / "signed.xml"
    document.write_bytes(signed)

    result = xmlsec1("--verify", "--trusted-pem", files["ca"], *ID_ATTRIBUTE, document)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout + result.stderr
    by_certificate = xmlsec1(
        "--verify", "--pubkey-cert-pem", files["cert"], *ID_ATTRIBUTE, document
    )
    assert by_certificate.returncode == 0, by_certificate.stderr

    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(signed.replace(b"<MaThuTuc>600", b"<MaThuTuc>601"))
    result = xmlsec1("--verify", "--trusted-pem", files["ca"], *ID_ATTRIBUTE, tampered)
    assert result.returncode != 0


@pytest.mark.parametrize("with_time", [False, True], ids=["no-time", "signing-time"])
def test_ebhxh_verifies_what_xmlsec1_signs(
    with_time: bool, pki: TinyPki, checker: PinnedCertificateChecker, tmp_path: Path
) -> None:
    files = pki.write_pem_files(tmp_path)
    template = tmp_path / "template.xml"
    template.write_text(
        TEMPLATE.format(
            time_reference=TIME_REFERENCE if with_time else "",
            time_object=TIME_OBJECT if with_time else "",
        ),
        encoding="utf-8",
    )
    output = tmp_path / "signed.xml"
    result = xmlsec1(
        "--sign",
        "--privkey-pem",
        f"{files['key']},{files['cert']}",
        *ID_ATTRIBUTE,
        "--output",
        output,
        template,
    )
    assert result.returncode == 0, result.stderr

    verified = verify_xml(output.read_bytes(), checker=checker, location=ENVELOPE)
    assert verified.root.findtext("NoiDung/ThongTinHoSo/MaThuTuc") == "600"
    assert verified.signing_time == (SIGNING_TIME if with_time else None)
    assert checker.calls[0].certificate == pki.leaf
