"""The signature profile of DESIGN.md §2: the algorithm allow-list and where a signature sits.

The allow-list is deliberately minimal. Anything not listed is refused with SIG004 before any
cryptography runs, so weak algorithms (SHA-1, MD5), keyed MACs (HMAC, where the "key" would come
from the attacker) and Turing-complete transforms (XSLT, XPath) never reach libxmlsec1.

Decisions (see docs/xmldsig.md):
- Canonicalization is inclusive C14N 1.0 without comments only. C14N *with* comments is
  refused: it would make comments signed content while verifiers hand out comment-free
  content. Exclusive C14N is refused too: the BHXH profile is inclusive C14N, and exclusive
  C14N can leave namespace declarations the content depends on outside the signature.
- The whole-document reference has transforms exactly [enveloped-signature] or
  [enveloped-signature, C14N 1.0]; the signing-time reference has none or [C14N 1.0].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from ebhxh.pki.errors import XmlSignatureError
from ebhxh.xmldsig.parser import DSIG_NS, xpath_of

C14N_1_0 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_1_0_WITH_COMMENTS = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
EXCLUSIVE_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
ENVELOPED_SIGNATURE = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

ALLOWED_CANONICALIZATION_METHODS = frozenset({C14N_1_0})
ALLOWED_SIGNATURE_METHODS = frozenset({RSA_SHA256})
ALLOWED_DIGEST_METHODS = frozenset({SHA256})
# Transforms of the Reference URI="" (whole document) and of the signing-time Reference.
ALLOWED_DOCUMENT_TRANSFORMS = ((ENVELOPED_SIGNATURE,), (ENVELOPED_SIGNATURE, C14N_1_0))
ALLOWED_OBJECT_TRANSFORMS = ((), (C14N_1_0,))


def ds(local_name: str) -> str:
    """Clark name of an XMLDSig element."""
    return f"{{{DSIG_NS}}}{local_name}"


def _require(uri: str | None, allowed: frozenset[str], what: str, node: Any) -> None:
    if uri not in allowed:
        raise XmlSignatureError("SIG004", f"{what} {uri!r} is not allowed", xpath=xpath_of(node))


def check_canonicalization_method(uri: str | None, node: Any) -> None:
    """SIG004 unless inclusive C14N 1.0 without comments."""
    _require(uri, ALLOWED_CANONICALIZATION_METHODS, "CanonicalizationMethod", node)


def check_signature_method(uri: str | None, node: Any) -> None:
    """SIG004 unless RSA-SHA256 (no SHA-1, no MD5, no HMAC)."""
    _require(uri, ALLOWED_SIGNATURE_METHODS, "SignatureMethod", node)


def check_digest_method(uri: str | None, node: Any) -> None:
    """SIG004 unless SHA-256."""
    _require(uri, ALLOWED_DIGEST_METHODS, "DigestMethod", node)


def check_transforms(
    uris: tuple[str | None, ...], allowed: tuple[tuple[str, ...], ...], node: Any
) -> None:
    """SIG004 unless the Reference's transform list is exactly one of the allowed lists."""
    if uris not in allowed:
        shown = ", ".join(str(uri) for uri in uris) or "none"
        raise XmlSignatureError(
            "SIG004", f"Transforms [{shown}] are not allowed", xpath=xpath_of(node)
        )


@dataclass(frozen=True, slots=True)
class SignatureLocation:
    """Where the ds:Signature sits: inside the `parent` element, which must be a direct child
    of the document root (whose name must be `root` when given).

    Names without a namespace match in the root's own namespace, so a form whose root declares
    a default namespace still finds its `Cky`; Clark names (`{uri}local`) match exactly.
    """

    parent: str
    root: str | None = None

    def _qualify(self, name: str, root: Any) -> str:
        if name.startswith("{"):
            return name
        namespace = etree.QName(root).namespace
        return f"{{{namespace}}}{name}" if namespace else name

    def root_matches(self, root: Any) -> bool:
        """True when the document root is the one this location expects."""
        return self.root is None or root.tag == self._qualify(self.root, root)

    def is_parent(self, element: Any, root: Any) -> bool:
        """True when `element` is a valid parent for the signature in the document `root`."""
        return (
            self.root_matches(root)
            and element.getparent() is root
            and element.tag == self._qualify(self.parent, root)
        )

    def find_or_create(self, root: Any) -> Any:
        """The parent element for a new signature: the first matching child of the root,
        appended as the root's last child when absent. SCH005 when the root is wrong."""
        if not self.root_matches(root):
            raise XmlSignatureError(
                "SCH005",
                f"the document root must be {self.root}",
                xpath="/" + (self.root or ""),
            )
        tag = self._qualify(self.parent, root)
        existing = root.find(tag)
        if existing is not None:
            return existing
        return etree.SubElement(root, tag)

    def describe(self) -> str:
        """XPath-like text for messages, e.g. `/Hoso/CKy_Dvi`."""
        return f"/{self.root or '*'}/{self.parent}"


ENVELOPE = SignatureLocation(parent="CKy_Dvi", root="Hoso")
"""The unit's signature of a dossier envelope: `/Hoso/CKy_Dvi/ds:Signature`."""

FORM = SignatureLocation(parent="Cky")
"""The signature of a form (tờ khai) carried inside an envelope: `/<form root>/Cky/ds:Signature`."""
