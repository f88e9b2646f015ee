"""Trust anchors and CRLs from the files and folders operators keep them in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from ebhxh.pki.demo import DemoPki
from ebhxh.pki.loading import load_certificates, load_crls, parse_certificates, parse_crls
from ebhxh.pki.validation import CertificateValidator
from tests.pki.support import Clock


def test_certificates_from_pem_bundles_der_files_and_folders(
    demo_pki: DemoPki, tmp_path: Path
) -> None:
    root = demo_pki.certificate("root-ca")
    folder = tmp_path / "trust"
    folder.mkdir()
    (folder / "root.der").write_bytes(root.public_bytes(serialization.Encoding.DER))
    shutil.copy(demo_pki.path(demo_pki.intermediates_pem), folder / "cas.pem")
    shutil.copy(demo_pki.path(demo_pki.entity("root-ca").files.private_key_pem), folder / "key.pem")
    (folder / "notes.txt").write_text("ignored")
    # Name order: cas.pem (three CAs), key.pem (no certificate), root.der; notes.txt skipped.
    assert load_certificates(folder) == [*demo_pki.intermediates(), root]
    single = load_certificates(demo_pki.path(demo_pki.entity("hoa-binh").files.certificate_der))
    assert single == [demo_pki.certificate("hoa-binh")]


def test_crls_from_der_pem_and_folders(demo_pki: DemoPki) -> None:
    folder = demo_pki.path("crl")
    loaded = load_crls(folder)
    assert len(loaded) == 2 * len(demo_pki.crls)  # each CRL as DER and as PEM
    assert {crl.fingerprint(crl.signature_hash_algorithm) for crl in loaded} == {  # type: ignore[arg-type]
        crl.fingerprint(crl.signature_hash_algorithm)  # type: ignore[arg-type]
        for crl in demo_pki.crl_list()
    }
    two_in_one = b"".join(
        crl.public_bytes(serialization.Encoding.PEM) for crl in demo_pki.crl_list()[:2]
    )
    assert len(parse_crls(two_in_one)) == 2
    assert parse_crls(b"-----BEGIN CERTIFICATE-----\n") == []
    assert parse_certificates(b"-----BEGIN X509 CRL-----\n") == []


def test_unreadable_or_missing_files_are_reported_with_their_name(tmp_path: Path) -> None:
    broken = tmp_path / "broken.der"
    broken.write_bytes(b"\x30\x03\x02\x01")
    with pytest.raises(ValueError, match=r"broken\.der"):
        load_certificates(broken)
    with pytest.raises(ValueError, match=r"broken\.der"):
        load_crls(broken)
    with pytest.raises(FileNotFoundError):
        load_certificates(tmp_path / "absent.pem")


def test_validator_from_files(demo_pki: DemoPki, clock: Clock) -> None:
    validator = CertificateValidator.from_files(
        anchors=[demo_pki.path(demo_pki.anchors_pem)],
        intermediates=[demo_pki.path(demo_pki.intermediates_pem)],
        crls=[demo_pki.path("crl")],
        now=clock,
    )
    validator.validate(demo_pki.certificate("ivan-viettel"))
