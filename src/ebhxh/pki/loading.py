"""Reading certificates and CRLs from files and folders, in PEM or DER, as operators keep them.

A trust store folder usually mixes `.pem`, `.crt`, `.cer` and `.der` files, some holding a
whole chain; CRLs arrive as `.crl` (DER, as CAs publish them) or PEM. These helpers accept
all of that so configuration can point at a folder instead of listing files.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes

CERTIFICATE_SUFFIXES: Final = frozenset({".pem", ".crt", ".cer", ".der"})
CRL_SUFFIXES: Final = frozenset({".crl", ".pem", ".der"})
_PEM_CERTIFICATE: Final = b"-----BEGIN CERTIFICATE-----"
_PEM_CRL: Final = b"-----BEGIN X509 CRL-----"

PathLike = str | Path


def fingerprint_sha256(certificate: x509.Certificate) -> str:
    """Lowercase hex SHA-256 of the DER certificate: the key of the validation cache."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def _files(paths: Iterable[PathLike], suffixes: frozenset[str]) -> list[Path]:
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"không tìm thấy tệp hoặc thư mục: {path}")
    return found


def parse_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in PEM text (one or many) or a single DER blob."""
    if _PEM_CERTIFICATE in data:
        return x509.load_pem_x509_certificates(data)
    if data.lstrip().startswith(b"-----BEGIN"):
        return []  # PEM of something else (a key, a CRL): not a certificate
    return [x509.load_der_x509_certificate(data)]


def parse_crls(data: bytes) -> list[x509.CertificateRevocationList]:
    """Every CRL in PEM text (one or many blocks) or a single DER blob."""
    if _PEM_CRL in data:
        crls = []
        for block in data.split(_PEM_CRL)[1:]:
            crls.append(x509.load_pem_x509_crl(_PEM_CRL + block))
        return crls
    if data.lstrip().startswith(b"-----BEGIN"):
        return []
    return [x509.load_der_x509_crl(data)]


def load_certificates(*paths: PathLike) -> list[x509.Certificate]:
    """Certificates from files or folders; a folder contributes its certificate-like files."""
    certificates: list[x509.Certificate] = []
    for path in _files(paths, CERTIFICATE_SUFFIXES):
        try:
            certificates.extend(parse_certificates(path.read_bytes()))
        except ValueError as error:
            raise ValueError(f"{path}: không đọc được chứng thư số ({error})") from error
    return certificates


def load_crls(*paths: PathLike) -> list[x509.CertificateRevocationList]:
    """CRLs from files or folders; a folder contributes its `.crl`, `.pem` and `.der` files."""
    crls: list[x509.CertificateRevocationList] = []
    for path in _files(paths, CRL_SUFFIXES):
        try:
            crls.extend(parse_crls(path.read_bytes()))
        except ValueError as error:
            raise ValueError(f"{path}: không đọc được danh sách thu hồi ({error})") from error
    return crls
