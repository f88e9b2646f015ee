"""The cryptographic check with libxmlsec1 (python-xmlsec), and telling its failures apart.

libxmlsec1 is the authority on whether a signature verifies, but python-xmlsec reports every
failure as one `VerificationError`. To give the user the right code the references' digests are
recomputed here when (and only when) libxmlsec1 says no: a digest that differs means the
content changed after signing (SIG003); all digests matching means the SignatureValue does not
verify under the KeyInfo certificate (SIG002) - a tampered value or a swapped certificate.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import xmlsec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ebhxh.pki.errors import XmlSignatureError
from ebhxh.xmldsig.canonical import canonical_document, canonical_subtree, remove_keeping_tail
from ebhxh.xmldsig.parser import xpath_of
from ebhxh.xmldsig.structure import SignatureParts, load_certificate

_REFERENCE_TRANSFORMS = (
    xmlsec.constants.TransformEnveloped,
    xmlsec.constants.TransformInclC14N,
    xmlsec.constants.TransformSha256,
)
_SIGNATURE_TRANSFORMS = (
    xmlsec.constants.TransformInclC14N,
    xmlsec.constants.TransformRsaSha256,
)

KEY_CACHE_SIZE = 256
_keys: dict[bytes, Any] = {}
_keys_lock = threading.Lock()


def xmlsec_key(certificate_der: bytes) -> Any:
    """The certificate's public key as an xmlsec.Key, cached by the certificate's DER (bounded,
    oldest out first). Only the bare key is loaded: a key with X509 data attached costs ~50 µs
    to copy into every SignatureContext, and the certificate is validated elsewhere anyway."""
    key = _keys.get(certificate_der)
    if key is None:
        spki = (
            load_certificate(certificate_der)
            .public_key()
            .public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        )
        key = xmlsec.Key.from_memory(spki, xmlsec.constants.KeyDataFormatDer)
        with _keys_lock:
            while len(_keys) >= KEY_CACHE_SIZE:
                del _keys[next(iter(_keys))]
            _keys[certificate_der] = key
    return key


def _digest_mismatch(tree: Any, parts: SignatureParts) -> tuple[str, str] | None:
    """(what, xpath) of the first Reference whose recomputed digest differs, else None.
    Removes the signature from the tree: call it only on a tree that is being refused."""
    time_check: tuple[str, str] | None = None
    if parts.time_reference is not None and parts.time_object is not None:
        # The Object is canonicalised in its context, so before the signature is removed.
        time_digest = hashlib.sha256(canonical_subtree(parts.time_object)).digest()
        if time_digest != parts.time_reference.digest_value:
            time_check = ("the signing time", xpath_of(parts.time_reference.element))
    document_xpath = xpath_of(parts.document_reference.element)
    remove_keeping_tail(parts.signature)
    if hashlib.sha256(canonical_document(tree)).digest() != parts.document_reference.digest_value:
        return "the document", document_xpath
    return time_check


def verify_signature(tree: Any, parts: SignatureParts) -> None:
    """Run libxmlsec1 over the signature with the KeyInfo certificate's key and only the
    profile's transforms enabled; SIG003 / SIG002 / SIG005 on failure (see module doc).
    After a failed verification the tree has lost its signature (it is being refused)."""
    context = xmlsec.SignatureContext()
    context.key = xmlsec_key(parts.certificate_der)
    for transform in _REFERENCE_TRANSFORMS:
        context.enable_reference_transform(transform)
    for transform in _SIGNATURE_TRANSFORMS:
        context.enable_signature_transform(transform)
    if parts.time_object is not None:
        context.register_id(parts.time_object, "Id")
    try:
        context.verify(parts.signature)
    except xmlsec.VerificationError:
        value_xpath = xpath_of(parts.signature_value_element)
        mismatch = _digest_mismatch(tree, parts)
        if mismatch is not None:
            what, xpath = mismatch
            raise XmlSignatureError(
                "SIG003", f"the digest of {what} does not match", xpath=xpath
            ) from None
        raise XmlSignatureError(
            "SIG002",
            "the SignatureValue does not verify under the KeyInfo certificate",
            xpath=value_xpath,
        ) from None
    except xmlsec.Error as exc:
        raise XmlSignatureError(
            "SIG005",
            f"libxmlsec1 could not process the signature: {exc}",
            xpath=xpath_of(parts.signature),
        ) from None
