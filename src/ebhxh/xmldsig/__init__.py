"""XMLDSig with the profile of DESIGN.md §2: enveloped, URI="", C14N, RSA-SHA256, X509 KeyInfo."""

from ebhxh.xmldsig.parser import DEFAULT_LIMITS, ParseLimits, parse_xml
from ebhxh.xmldsig.profile import ENVELOPE, FORM, SignatureLocation
from ebhxh.xmldsig.signing import (
    PreparedSignature,
    assemble_signature,
    prepare_signature,
    sign_xml,
)
from ebhxh.xmldsig.verification import VerifiedDocument, verify_xml

__all__ = [
    "DEFAULT_LIMITS",
    "ENVELOPE",
    "FORM",
    "ParseLimits",
    "PreparedSignature",
    "SignatureLocation",
    "VerifiedDocument",
    "assemble_signature",
    "parse_xml",
    "prepare_signature",
    "sign_xml",
    "verify_xml",
]
