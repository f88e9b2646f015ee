"""Which certificates the portal trusts for Mẫu 01 signatures, chosen by settings.

Production lists its trust anchors (the national root CA), the licensed CAs' certificates
and their CRLs in `PORTAL_TRUST_ANCHORS`, `PORTAL_TRUST_INTERMEDIATES` and `PORTAL_TRUST_CRLS`
(files or folders). The demo and the tests, with none listed, trust the demo PKI in
`DEMO_PKI_DIR`. One validator per configuration and process, so its certificate cache
lasts; a new CRL file is picked up when the files' modification times change.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings

from ebhxh.core.errors import DomainError
from ebhxh.pki.demo import MANIFEST_NAME, load_if_complete
from ebhxh.pki.types import CertificateChecker
from ebhxh.pki.validation import CertificateValidator


class TrustNotConfigured(DomainError):
    code = "PORTAL_TRUST_NOT_CONFIGURED"


def _stamp(paths: tuple[str, ...]) -> tuple[float, ...]:
    stamps = []
    for name in paths:
        path = Path(name)
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        stamps += [item.stat().st_mtime for item in files if item.exists()]
    return tuple(stamps)


@lru_cache(maxsize=4)
def _configured(
    anchors: tuple[str, ...],
    intermediates: tuple[str, ...],
    crls: tuple[str, ...],
    ocsp: bool,
    stamp: tuple[float, ...],
) -> CertificateValidator:
    return CertificateValidator.from_files(
        anchors=anchors, intermediates=intermediates, crls=crls, ocsp_enabled=ocsp
    )


@lru_cache(maxsize=4)
def _demo(directory: str, stamp: tuple[float, ...]) -> CertificateValidator | None:
    pki = load_if_complete(Path(directory))
    return pki.validator() if pki is not None else None


def certificate_checker() -> CertificateChecker:
    """The validator for signatures on the portal; TrustNotConfigured when there is none."""
    anchors = tuple(settings.PORTAL_TRUST_ANCHORS)
    if anchors:
        intermediates = tuple(settings.PORTAL_TRUST_INTERMEDIATES)
        crls = tuple(settings.PORTAL_TRUST_CRLS)
        return _configured(
            anchors,
            intermediates,
            crls,
            bool(settings.PORTAL_TRUST_OCSP),
            _stamp(anchors + intermediates + crls),
        )
    if settings.DEMO:
        directory = Path(settings.DEMO_PKI_DIR)
        manifest = directory / MANIFEST_NAME
        stamp = (manifest.stat().st_mtime,) if manifest.exists() else ()
        validator = _demo(str(directory), stamp)
        if validator is not None:
            return validator
    raise TrustNotConfigured(
        "Cổng dịch vụ công chưa được cấu hình danh sách chứng thư số tin cậy "
        "(PORTAL_TRUST_ANCHORS); chưa thể nhận tờ khai ký số. Vui lòng thử lại sau."
    )
