"""Refusals with a code from the rejection catalogue (ebhxh.reference.rejections).

Every failure of a certificate or a signature has its own code, so the gateway can answer
with it and the I-VAN can show the user the catalogue's Vietnamese message.
"""

from __future__ import annotations

from ebhxh.reference.rejections import get_rejection


class RejectionError(Exception):
    """A refusal: `code` from the catalogue, Vietnamese `message`, optional `xpath` and detail."""

    def __init__(self, code: str, detail: str = "", *, xpath: str | None = None) -> None:
        self.code = code
        self.detail = detail
        self.xpath = xpath
        self.message = get_rejection(code).message_vi
        super().__init__(f"{code}: {self.message}" + (f" ({detail})" if detail else ""))


class CertificateError(RejectionError):
    """CRT* (chain, validity, revocation, key usage) and IDN* (identity binding) refusals."""


class XmlSignatureError(RejectionError):
    """SIG* (signature) and SCH* (document) refusals."""
