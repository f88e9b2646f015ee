"""Signing in two steps, so a USB token, the browser helper or a remote-signing service can
produce the RSA signature in between, minutes later and in another process.

1. `prepare_signature` inserts a complete ds:Signature with an empty SignatureValue and
   returns the SHA-256 of its canonical SignedInfo (`PreparedSignature.digest`): the only thing
   a signer ever sees. The prepared document travels as bytes (`to_bytes` / `from_bytes`).
2. `assemble_signature` checks the signer's value against the certificate's key (SIG002 if
   wrong, before anything is sent), writes it in, and re-verifies the result with libxmlsec1.

`sign_xml` does both around a `DigestSigner`. The document is otherwise left as it was: same
XML declaration, no re-indenting; only the signature (and `CKy_Dvi`/`Cky` if absent) is added.
"""

from __future__ import annotations

import hashlib
import secrets
from base64 import b64encode
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from ebhxh.pki.errors import XmlSignatureError
from ebhxh.signers.ports import DigestSigner
from ebhxh.xmldsig.canonical import canonical_document, canonical_subtree
from ebhxh.xmldsig.crypto import verify_signature
from ebhxh.xmldsig.parser import (
    DEFAULT_LIMITS,
    DSIG_NS,
    ParseLimits,
    parse_xml,
    xml_prolog,
    xpath_of,
)
from ebhxh.xmldsig.profile import (
    C14N_1_0,
    ENVELOPED_SIGNATURE,
    RSA_SHA256,
    SHA256,
    SignatureLocation,
    ds,
)
from ebhxh.xmldsig.structure import (
    MAX_CERTIFICATES,
    SIGNATURE,
    SignatureParts,
    elements_with_id,
    find_signature,
    inspect_signature,
)
from ebhxh.xmldsig.verification import MIN_RSA_BITS, check_rsa_key

_OBJECT_ID_SUFFIX = "-signing-time"


@dataclass(frozen=True)
class PreparedSignature:
    """A document with a complete ds:Signature except its value, and the digest to sign."""

    document: bytes  # the prepared document; all that needs to travel between the two steps
    digest: bytes  # SHA-256 of the canonical SignedInfo: what `DigestSigner.sign_digest` gets
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    def to_bytes(self) -> bytes:
        """The prepared document; `from_bytes` rebuilds the rest from it."""
        return self.document

    @classmethod
    def from_bytes(cls, data: bytes, *, limits: ParseLimits = DEFAULT_LIMITS) -> PreparedSignature:
        """Re-read a prepared document (it may have travelled: parse and check it like any
        untrusted input) and recompute the digest from its SignedInfo."""
        return _read_prepared(data, limits)[0]


def _read_prepared(
    data: bytes, limits: ParseLimits
) -> tuple[PreparedSignature, Any, SignatureParts]:
    """Parse and inspect a prepared document once: the PreparedSignature, and the tree and
    parts it was read from (for `assemble_signature` to write the value into)."""
    tree = parse_xml(data, limits=limits)
    parts = inspect_signature(tree, find_signature(tree, None), expect_value=False)
    check_rsa_key(parts)
    prepared = PreparedSignature(
        document=bytes(data),
        digest=hashlib.sha256(canonical_subtree(parts.signed_info)).digest(),
        certificate=parts.certificate,
        chain=parts.chain,
    )
    return prepared, tree, parts


def _serialize(tree: Any, original: bytes) -> bytes:
    """The tree as UTF-8, with the original's BOM, XML declaration and trailing whitespace
    kept byte for byte (lxml would rewrite the declaration with single quotes)."""
    body = etree.tostring(tree, encoding="UTF-8", xml_declaration=False)
    trailing = original[len(original.rstrip()) :]
    return xml_prolog(original) + bytes(body) + trailing


def _reference(signed_info: Any, uri: str, transforms: tuple[str, ...], digest: bytes) -> None:
    reference = etree.SubElement(signed_info, ds("Reference"), URI=uri)
    if transforms:
        transforms_element = etree.SubElement(reference, ds("Transforms"))
        for algorithm in transforms:
            etree.SubElement(transforms_element, ds("Transform"), Algorithm=algorithm)
    etree.SubElement(reference, ds("DigestMethod"), Algorithm=SHA256)
    etree.SubElement(reference, ds("DigestValue")).text = b64encode(digest).decode("ascii")


def _new_id(tree: Any) -> str:
    """A random Signature Id that, with its Object's, is used nowhere in the document."""
    while True:
        candidate = f"sig-{secrets.token_hex(8)}"
        if not (
            elements_with_id(tree, candidate)
            or elements_with_id(tree, f"{candidate}{_OBJECT_ID_SUFFIX}")
        ):
            return candidate


def prepare_signature(
    xml: bytes,
    *,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    location: SignatureLocation,
    signing_time: datetime | None = None,
    limits: ParseLimits = DEFAULT_LIMITS,
) -> PreparedSignature:
    """Insert an unsigned ds:Signature at `location` and compute the digest to sign.

    SignedInfo: C14N 1.0, RSA-SHA256, Reference URI="" (enveloped-signature + C14N, SHA-256
    of the document without the signature) and, with `signing_time`, a second Reference to a
    signed ds:Object holding SignatureProperties/SignatureProperty/SigningTime. KeyInfo holds
    the certificate, then `chain`.
    """
    if signing_time is not None and signing_time.utcoffset() is None:
        raise ValueError("prepare_signature: signing_time must be an aware datetime")
    if len(chain) >= MAX_CERTIFICATES:
        raise ValueError(f"prepare_signature: at most {MAX_CERTIFICATES - 1} chain certificates")
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise XmlSignatureError(
            "SIG004", f"the signer's key must be RSA of at least {MIN_RSA_BITS} bits"
        )
    tree = parse_xml(xml, limits=limits)
    root = tree.getroot()
    existing = next(root.iter(SIGNATURE), None)
    if existing is not None:
        raise XmlSignatureError(
            "SIG005", "the document already carries a ds:Signature", xpath=xpath_of(existing)
        )
    parent = location.find_or_create(root)
    document_digest = hashlib.sha256(canonical_document(tree)).digest()

    signature_id = _new_id(tree)
    signature = etree.SubElement(parent, ds("Signature"), Id=signature_id, nsmap={None: DSIG_NS})
    signed_info = etree.SubElement(signature, ds("SignedInfo"))
    etree.SubElement(signed_info, ds("CanonicalizationMethod"), Algorithm=C14N_1_0)
    etree.SubElement(signed_info, ds("SignatureMethod"), Algorithm=RSA_SHA256)
    _reference(signed_info, "", (ENVELOPED_SIGNATURE, C14N_1_0), document_digest)
    etree.SubElement(signature, ds("SignatureValue"))
    x509_data = etree.SubElement(etree.SubElement(signature, ds("KeyInfo")), ds("X509Data"))
    for cert in (certificate, *chain):
        der = cert.public_bytes(Encoding.DER)
        etree.SubElement(x509_data, ds("X509Certificate")).text = b64encode(der).decode("ascii")
    if signing_time is not None:
        object_id = f"{signature_id}{_OBJECT_ID_SUFFIX}"
        time_object = etree.SubElement(signature, ds("Object"), Id=object_id)
        signature_property = etree.SubElement(
            etree.SubElement(time_object, ds("SignatureProperties")),
            ds("SignatureProperty"),
            Target=f"#{signature_id}",
        )
        etree.SubElement(signature_property, ds("SigningTime")).text = signing_time.isoformat()
        object_digest = hashlib.sha256(canonical_subtree(time_object)).digest()
        _reference(signed_info, f"#{object_id}", (C14N_1_0,), object_digest)

    return PreparedSignature(
        document=_serialize(tree, xml),
        digest=hashlib.sha256(canonical_subtree(signed_info)).digest(),
        certificate=certificate,
        chain=tuple(chain),
    )


def assemble_signature(
    prepared: PreparedSignature | bytes,
    signature_value: bytes,
    *,
    limits: ParseLimits = DEFAULT_LIMITS,
    self_check: bool = True,
) -> bytes:
    """Write the signer's RSA PKCS#1 v1.5 value into the prepared document.

    The value must verify over `prepared.digest` under the certificate's key (SIG002
    otherwise). With `self_check` (the default) the assembled document is then parsed and
    verified by libxmlsec1 once more, so a document that leaves here verifies (certificate
    validation aside). `self_check=False` skips that second pass: only for a caller that
    signs documents it built itself, at volume (the agency's receipts), never for a prepared
    document that travelled.
    """
    if isinstance(prepared, PreparedSignature):
        tree = parse_xml(prepared.document, limits=limits)
        parts = inspect_signature(tree, find_signature(tree, None), expect_value=False)
    else:  # parsed and inspected once, for the PreparedSignature and for the assembly
        prepared, tree, parts = _read_prepared(prepared, limits)
    value_xpath = xpath_of(parts.signature_value_element)
    if parts.certificate_der != prepared.certificate.public_bytes(Encoding.DER):
        raise XmlSignatureError(
            "SIG002",
            "the prepared document names another certificate than the signer's",
            xpath=xpath_of(parts.certificate_element),
        )
    public_key = prepared.certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise XmlSignatureError(
            "SIG004", "the signer's certificate key is not RSA", xpath=value_xpath
        )
    try:
        public_key.verify(
            signature_value, prepared.digest, padding.PKCS1v15(), Prehashed(hashes.SHA256())
        )
    except InvalidSignature:
        raise XmlSignatureError(
            "SIG002",
            "the signature value does not verify under the signer's certificate",
            xpath=value_xpath,
        ) from None

    parts.signature_value_element.text = b64encode(signature_value).decode("ascii")
    signed = _serialize(tree, prepared.document)

    if self_check:
        check = parse_xml(signed, limits=limits)
        verify_signature(check, inspect_signature(check, find_signature(check, None)))
    return signed


def sign_xml(
    xml: bytes,
    signer: DigestSigner,
    *,
    location: SignatureLocation,
    signing_time: datetime | None = None,
    limits: ParseLimits = DEFAULT_LIMITS,
    self_check: bool = True,
) -> bytes:
    """Prepare, have `signer` sign the digest, assemble: the one-process path. `self_check`
    as for `assemble_signature`."""
    prepared = prepare_signature(
        xml,
        certificate=signer.certificate,
        chain=signer.chain,
        location=location,
        signing_time=signing_time,
        limits=limits,
    )
    return assemble_signature(
        prepared, signer.sign_digest(prepared.digest), limits=limits, self_check=self_check
    )
