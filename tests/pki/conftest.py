"""Certificate fixtures; the builders live in tests/pki/support.py so other folders share them."""

from tests.pki.support import clock, demo_pki, demo_validator, ocsp_server, pki_now

__all__ = ["clock", "demo_pki", "demo_validator", "ocsp_server", "pki_now"]
