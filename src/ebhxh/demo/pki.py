"""The demo's PKI: built once into var/, its CRLs refreshed on every start, served over HTTP.

The certificates name `http://127.0.0.1:8000/pki/<ca>/crl` and `/ocsp`; in the demo those
URLs really answer, from the files `ebhxh.pki.demo` wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.conf import settings

from ebhxh.pki.demo import DemoPki, build_demo_pki, load_if_complete, refresh_demo_crls
from ebhxh.pki.ocsp import OcspResponder


def pki_dir() -> Path:
    return Path(settings.DEMO_PKI_DIR)


def ensure_demo_pki(*, log: Callable[[str], None]) -> DemoPki:
    """Build the demo PKI if absent, and re-issue its CRLs so they are current today."""
    if load_if_complete(pki_dir()) is None:
        build_demo_pki(pki_dir())
        log(f"Đã tạo hạ tầng chứng thư số trình diễn tại {pki_dir()}")
    pki = refresh_demo_crls(pki_dir())
    demo_pki.cache_clear()
    ocsp_responder.cache_clear()
    return pki


@cache
def demo_pki() -> DemoPki | None:
    """The demo PKI as the web process sees it (None until `ebhxh demo` has built it)."""
    return load_if_complete(pki_dir())


@cache
def ocsp_responder(ca_slug: str) -> OcspResponder:
    """One responder per demo CA: loading the CA key from PEM per request would be wasteful."""
    pki = demo_pki()
    if pki is None:
        raise LookupError("no demo PKI")
    return pki.ocsp_responder(ca_slug)
