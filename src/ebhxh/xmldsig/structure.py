"""Reading a ds:Signature strictly, before any cryptography, into `SignatureParts`.

A verifier that lets libxmlsec1 decide what a signature covers can be tricked by wrapping
(a valid signature over some other node) and by exotic algorithms. Here the shape is pinned
down first: one signature, at the profile's location, a Reference URI="" over the whole
document, at most one more Reference to a ds:Object inside this same signature that holds only
the signing time, allowed algorithms only, and the signer certificate in KeyInfo. Shared by the
verifier and by the signer (which re-reads prepared documents with it).
"""

from __future__ import annotations

import binascii
import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from lxml import etree

from ebhxh.pki.errors import XmlSignatureError
from ebhxh.xmldsig.parser import xpath_of
from ebhxh.xmldsig.profile import (
    ALLOWED_DOCUMENT_TRANSFORMS,
    ALLOWED_OBJECT_TRANSFORMS,
    SignatureLocation,
    check_canonicalization_method,
    check_digest_method,
    check_signature_method,
    check_transforms,
    ds,
)

SIGNATURE = ds("Signature")
SIGNED_INFO = ds("SignedInfo")
SIGNATURE_VALUE = ds("SignatureValue")
KEY_INFO = ds("KeyInfo")
OBJECT = ds("Object")
CANONICALIZATION_METHOD = ds("CanonicalizationMethod")
SIGNATURE_METHOD = ds("SignatureMethod")
REFERENCE = ds("Reference")
TRANSFORMS = ds("Transforms")
TRANSFORM = ds("Transform")
DIGEST_METHOD = ds("DigestMethod")
DIGEST_VALUE = ds("DigestValue")
X509_DATA = ds("X509Data")
X509_CERTIFICATE = ds("X509Certificate")
KEY_VALUE = ds("KeyValue")
SIGNATURE_PROPERTIES = ds("SignatureProperties")
SIGNATURE_PROPERTY = ds("SignatureProperty")
# SigningTime is no XMLDSig element; ebhxh writes it in the ds namespace (it inherits the
# Signature's default namespace), other signers often leave it without one.
SIGNING_TIME_NAMES = frozenset({ds("SigningTime"), "SigningTime"})
# X509Data hints that some signing tools add next to the certificate; ignored, never trusted.
_IGNORED_X509_HINTS = frozenset({ds("X509SubjectName"), ds("X509IssuerSerial")})
# Signer certificate plus intermediates; real chains have two or three. The cap keeps a
# document from making the verifier parse thousands of certificates.
MAX_CERTIFICATES = 8
# Base64 characters (whitespace aside) of one X509Certificate: real ones are ~2-3 KB, and the
# cap keeps a document from making the verifier decode and parse megabytes per certificate.
MAX_CERTIFICATE_BASE64 = 16 * 1024
# Parsed certificates kept, keyed by the SHA-256 of their DER: a busy gateway sees the same
# few hundred signers. Filled before any signature is checked, so bounded (oldest out first).
CERTIFICATE_CACHE_SIZE = 512
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")
# Attributes that name an element for a same-document reference; an XPath over every attribute
# with the value, filtered by name in Python, is the cheapest way to find them all.
_ID_ATTRIBUTES = frozenset({"Id", "ID", "id", "{http://www.w3.org/XML/1998/namespace}id"})
_ATTRIBUTES_WITH_VALUE = etree.XPath("//@*[.=$value]")


@dataclass(frozen=True, slots=True)
class ReferenceParts:
    element: Any
    uri: str
    digest_value: bytes


@dataclass(frozen=True, slots=True)
class SignatureParts:
    """What a strict reading of one ds:Signature found; element fields point into the tree."""

    signature: Any
    signed_info: Any
    signature_value_element: Any
    signature_value: bytes  # empty in a prepared (not yet signed) document
    document_reference: ReferenceParts  # URI=""
    time_reference: ReferenceParts | None  # URI="#<Object Id>"
    time_object: Any | None
    signing_time: datetime | None
    certificate_der: bytes  # the signer's certificate (first X509Certificate)
    chain_der: tuple[bytes, ...]  # the other X509Certificate elements, in document order
    certificate_element: Any  # the X509Certificate element of the signer's certificate
    signing_time_element: Any | None = None  # the SigningTime element, with `signing_time`

    @property
    def certificate(self) -> x509.Certificate:
        return load_certificate(self.certificate_der)

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return tuple(load_certificate(der) for der in self.chain_der)


_certificate_cache: OrderedDict[bytes, tuple[bytes, x509.Certificate]] = OrderedDict()
_certificate_cache_lock = threading.Lock()


def _cached_certificate(der: bytes) -> tuple[bytes, x509.Certificate]:
    """(DER, parsed certificate), cached by the DER's SHA-256; ValueError if it does not parse.
    The DER handed back is the cached object, so later lookups keyed by it hash it once."""
    key = hashlib.sha256(der).digest()
    with _certificate_cache_lock:
        known = _certificate_cache.get(key)
        if known is not None:
            _certificate_cache.move_to_end(key)
            return known
    entry = (der, x509.load_der_x509_certificate(der))
    with _certificate_cache_lock:
        _certificate_cache[key] = entry
        _certificate_cache.move_to_end(key)
        while len(_certificate_cache) > CERTIFICATE_CACHE_SIZE:
            _certificate_cache.popitem(last=False)
    return entry


def load_certificate(der: bytes) -> x509.Certificate:
    """Parsed certificate, cached by the SHA-256 of its DER (bounded)."""
    return _cached_certificate(der)[1]


class CertificateTooLargeError(ValueError):
    """An X509Certificate longer than MAX_CERTIFICATE_BASE64 base64 characters."""


def _certificate_der(text: str) -> bytes:
    """DER of an X509Certificate element's text, checked to parse. Whitespace is dropped
    first, so line-wrapped and unwrapped spellings of one certificate share a cache entry;
    the length is checked before anything is decoded or cached."""
    compact = "".join(text.split())
    if len(compact) > MAX_CERTIFICATE_BASE64:
        raise CertificateTooLargeError(
            f"X509Certificate holds {len(compact)} base64 characters, "
            f"at most {MAX_CERTIFICATE_BASE64} are accepted"
        )
    return _cached_certificate(binascii.a2b_base64(compact, strict_mode=True))[0]


def elements_with_id(tree: Any, value: str) -> list[Any]:
    """Elements whose Id, ID, id or xml:id is `value`, in document order."""
    return [
        holder.getparent()
        for holder in _ATTRIBUTES_WITH_VALUE(tree, value=value)
        if holder.attrname in _ID_ATTRIBUTES
    ]


def _elements(parent: Any) -> list[Any]:
    """Element children only: comments between signature elements are not structure."""
    return list(parent.iterchildren(etree.Element))


def _b64(text: str | None) -> bytes:
    """Strict base64 (whitespace allowed, as XMLDSig wraps lines); raises binascii.Error."""
    return binascii.a2b_base64("".join((text or "").split()), strict_mode=True)


def find_signature(tree: Any, location: SignatureLocation | None) -> Any:
    """The document's only ds:Signature; SIG001 when there is none, SIG005 when there are
    several or it is not at `location` (None: anywhere, for documents ebhxh prepared)."""
    root = tree.getroot()
    signatures = list(root.iter(SIGNATURE))
    if not signatures:
        raise XmlSignatureError(
            "SIG001",
            "no ds:Signature in the document",
            xpath=f"{location.describe()}/ds:Signature" if location is not None else None,
        )
    if len(signatures) > 1:
        raise XmlSignatureError(
            "SIG005",
            f"{len(signatures)} ds:Signature elements; exactly one is allowed",
            xpath=xpath_of(signatures[1]),
        )
    signature = signatures[0]
    if location is not None:
        parent = signature.getparent()
        if not location.is_parent(parent, root):
            raise XmlSignatureError(
                "SIG005",
                f"the signature must be at {location.describe()}/ds:Signature",
                xpath=xpath_of(signature),
            )
    return signature


def _shape(signature: Any, *, expect_value: bool) -> tuple[Any, Any, bytes, Any, list[Any]]:
    children = _elements(signature)
    tags = [child.tag for child in children]
    if not tags or tags[0] != SIGNED_INFO:
        raise XmlSignatureError(
            "SIG005", "ds:Signature must start with ds:SignedInfo", xpath=xpath_of(signature)
        )
    if len(tags) < 2 or tags[1] != SIGNATURE_VALUE:
        raise XmlSignatureError("SIG001", "ds:SignatureValue is missing", xpath=xpath_of(signature))
    value_element = children[1]
    text = "".join((value_element.text or "").split())
    if expect_value and not text:
        raise XmlSignatureError(
            "SIG001", "ds:SignatureValue is empty", xpath=xpath_of(value_element)
        )
    if not expect_value and text:
        raise XmlSignatureError(
            "SIG005", "the document is already signed", xpath=xpath_of(value_element)
        )
    try:
        value = _b64(text)
    except (binascii.Error, ValueError):
        raise XmlSignatureError(
            "SIG002", "ds:SignatureValue is not base64", xpath=xpath_of(value_element)
        ) from None
    if len(tags) < 3 or tags[2] != KEY_INFO:
        raise XmlSignatureError(
            "SIG004",
            "ds:KeyInfo with the signer's X509Certificate is required",
            xpath=xpath_of(signature),
        )
    objects = children[3:]
    for extra in objects:
        if extra.tag != OBJECT:
            raise XmlSignatureError(
                "SIG005", "unexpected element in ds:Signature", xpath=xpath_of(extra)
            )
    return children[0], value_element, value, children[2], objects


def _signed_info_shape(signed_info: Any) -> tuple[Any, Any, list[Any]]:
    children = _elements(signed_info)
    tags = [child.tag for child in children]
    if (
        len(tags) < 3
        or tags[0] != CANONICALIZATION_METHOD
        or tags[1] != SIGNATURE_METHOD
        or any(tag != REFERENCE for tag in tags[2:])
    ):
        raise XmlSignatureError(
            "SIG005",
            "ds:SignedInfo must hold CanonicalizationMethod, SignatureMethod and References",
            xpath=xpath_of(signed_info),
        )
    references = children[2:]
    if len(references) > 2:
        raise XmlSignatureError(
            "SIG005",
            "at most two References (the document and the signing time) are allowed",
            xpath=xpath_of(references[2]),
        )
    return children[0], children[1], references


def _coverage(references: list[Any]) -> tuple[Any, Any | None]:
    """The URI="" reference and the optional "#id" one; anything else is SIG005."""
    whole = [ref for ref in references if ref.get("URI") == ""]
    others = [ref for ref in references if ref.get("URI") != ""]
    if len(whole) != 1:
        culprit = whole[1] if whole else references[0]
        raise XmlSignatureError(
            "SIG005",
            'exactly one Reference must have URI="" (the whole document)',
            xpath=xpath_of(culprit),
        )
    if not others:
        return whole[0], None
    uri = others[0].get("URI")
    if uri is None or not uri.startswith("#") or not _NCNAME.match(uri[1:]):
        raise XmlSignatureError(
            "SIG005",
            f'Reference URI {uri!r}: only "" and "#<signing-time Object Id>" are allowed',
            xpath=xpath_of(others[0]),
        )
    return whole[0], others[0]


def _reference_algorithms(reference: Any, allowed_transforms: tuple[tuple[str, ...], ...]) -> bytes:
    children = _elements(reference)
    tags = [child.tag for child in children]
    transform_elements: list[Any] = []
    transforms_holder = reference
    if tags and tags[0] == TRANSFORMS:
        transforms_holder = children[0]
        transform_elements = _elements(transforms_holder)
        for transform in transform_elements:
            if transform.tag != TRANSFORM:
                raise XmlSignatureError(
                    "SIG005", "unexpected element in ds:Transforms", xpath=xpath_of(transform)
                )
        children, tags = children[1:], tags[1:]
    if tags != [DIGEST_METHOD, DIGEST_VALUE]:
        raise XmlSignatureError(
            "SIG005",
            "ds:Reference must hold Transforms?, DigestMethod, DigestValue",
            xpath=xpath_of(reference),
        )
    check_transforms(
        tuple(transform.get("Algorithm") for transform in transform_elements),
        allowed_transforms,
        transforms_holder,
    )
    for transform in transform_elements:
        if len(transform) and _elements(transform):
            raise XmlSignatureError(
                "SIG004", "transform parameters are not allowed", xpath=xpath_of(transform)
            )
    digest_method, digest_value = children
    check_digest_method(digest_method.get("Algorithm"), digest_method)
    if len(digest_method) and _elements(digest_method):
        raise XmlSignatureError(
            "SIG004", "DigestMethod parameters are not allowed", xpath=xpath_of(digest_method)
        )
    try:
        value = _b64(digest_value.text)
    except (binascii.Error, ValueError):
        value = b""
    if len(value) != 32:
        raise XmlSignatureError(
            "SIG003", "DigestValue is not a base64 SHA-256 digest", xpath=xpath_of(digest_value)
        )
    return value


def _method_algorithms(c14n_method: Any, signature_method: Any) -> None:
    check_canonicalization_method(c14n_method.get("Algorithm"), c14n_method)
    check_signature_method(signature_method.get("Algorithm"), signature_method)
    for method in (c14n_method, signature_method):
        if len(method) and _elements(method):
            raise XmlSignatureError(
                "SIG004", "algorithm parameters are not allowed", xpath=xpath_of(method)
            )


def _single(parent: Any, tags: frozenset[str] | str, what: str) -> Any:
    children = _elements(parent)
    wanted = {tags} if isinstance(tags, str) else tags
    if len(children) != 1 or children[0].tag not in wanted:
        raise XmlSignatureError(
            "SIG005", f"{what} must hold exactly one element", xpath=xpath_of(parent)
        )
    return children[0]


def _time_object(
    tree: Any, signature: Any, objects: list[Any], time_reference: Any | None
) -> tuple[Any | None, Any | None]:
    """The ds:Object the second Reference points at, and its SigningTime element."""
    if time_reference is None:
        if objects:
            raise XmlSignatureError(
                "SIG005", "ds:Object is not covered by the signature", xpath=xpath_of(objects[0])
            )
        return None, None
    target_id = time_reference.get("URI")[1:]
    if len(objects) != 1 or objects[0].get("Id") != target_id:
        raise XmlSignatureError(
            "SIG005",
            "the second Reference must point to the ds:Object of this signature",
            xpath=xpath_of(time_reference),
        )
    time_object = objects[0]
    decoys = [
        element for element in elements_with_id(tree, target_id) if element is not time_object
    ]
    if decoys:
        raise XmlSignatureError(
            "SIG005",
            f"Id {target_id!r} is also used outside the signed ds:Object",
            xpath=xpath_of(decoys[0]),
        )
    properties = _single(time_object, SIGNATURE_PROPERTIES, "ds:Object")
    signature_property = _single(properties, SIGNATURE_PROPERTY, "ds:SignatureProperties")
    signature_id = signature.get("Id")
    if not signature_id or signature_property.get("Target") != f"#{signature_id}":
        raise XmlSignatureError(
            "SIG005",
            "ds:SignatureProperty Target must name this ds:Signature's Id",
            xpath=xpath_of(signature_property),
        )
    signing_time = _single(signature_property, SIGNING_TIME_NAMES, "ds:SignatureProperty")
    return time_object, signing_time


def _certificates(key_info: Any) -> tuple[Any, bytes, tuple[bytes, ...]]:
    children = _elements(key_info)
    x509_data = [child for child in children if child.tag == X509_DATA]
    for child in children:
        if child.tag not in (X509_DATA, KEY_VALUE):
            raise XmlSignatureError(
                "SIG004",
                f"{etree.QName(child).localname} in KeyInfo is not accepted: "
                "the key must come from X509Data/X509Certificate",
                xpath=xpath_of(child),
            )
    if len(x509_data) != 1:
        raise XmlSignatureError(
            "SIG004", "KeyInfo must hold exactly one X509Data", xpath=xpath_of(key_info)
        )
    entries = [child for child in _elements(x509_data[0]) if child.tag not in _IGNORED_X509_HINTS]
    for child in entries:
        if child.tag != X509_CERTIFICATE:
            raise XmlSignatureError(
                "SIG004",
                f"{etree.QName(child).localname} in X509Data is not accepted",
                xpath=xpath_of(child),
            )
    if not entries:
        raise XmlSignatureError(
            "SIG004", "X509Data holds no X509Certificate", xpath=xpath_of(x509_data[0])
        )
    if len(entries) > MAX_CERTIFICATES:
        raise XmlSignatureError(
            "SIG004",
            f"{len(entries)} certificates in X509Data, at most {MAX_CERTIFICATES} are accepted",
            xpath=xpath_of(x509_data[0]),
        )
    ders: list[bytes] = []
    for child in entries:
        try:
            ders.append(_certificate_der(child.text or ""))
        except CertificateTooLargeError as error:
            raise XmlSignatureError("SCH007", str(error), xpath=xpath_of(child)) from None
        except (binascii.Error, ValueError):
            raise XmlSignatureError(
                "SCH007", "X509Certificate is not a base64 DER certificate", xpath=xpath_of(child)
            ) from None
    return entries[0], ders[0], tuple(ders[1:])


def parse_signing_time(element: Any) -> datetime:
    """ISO 8601 with an offset (`2025-06-01T09:30:00+07:00`); SCH007 otherwise."""
    text = (element.text or "").strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        raise XmlSignatureError(
            "SCH007",
            f"SigningTime {text!r} is not an ISO 8601 time with an offset",
            xpath=xpath_of(element),
        )
    return moment


def inspect_signature(tree: Any, signature: Any, *, expect_value: bool = True) -> SignatureParts:
    """Check the signature's shape (SIG001/SIG005), what it covers (SIG005), its algorithms
    (SIG004), the Object it signs (SIG005), KeyInfo (SIG004) and SigningTime (SCH007), in
    that order, and return its parts. No cryptography happens here."""
    signed_info, value_element, value, key_info, objects = _shape(
        signature, expect_value=expect_value
    )
    c14n_method, signature_method, references = _signed_info_shape(signed_info)
    whole, time_ref = _coverage(references)
    _method_algorithms(c14n_method, signature_method)
    whole_digest = _reference_algorithms(whole, ALLOWED_DOCUMENT_TRANSFORMS)
    time_digest = (
        _reference_algorithms(time_ref, ALLOWED_OBJECT_TRANSFORMS) if time_ref is not None else b""
    )
    time_object, time_element = _time_object(tree, signature, objects, time_ref)
    certificate_element, certificate_der, chain_der = _certificates(key_info)
    return SignatureParts(
        signature=signature,
        signed_info=signed_info,
        signature_value_element=value_element,
        signature_value=value,
        document_reference=ReferenceParts(whole, "", whole_digest),
        time_reference=(
            ReferenceParts(time_ref, time_ref.get("URI"), time_digest)
            if time_ref is not None
            else None
        ),
        time_object=time_object,
        signing_time=parse_signing_time(time_element) if time_element is not None else None,
        certificate_der=certificate_der,
        chain_der=chain_der,
        certificate_element=certificate_element,
        signing_time_element=time_element,
    )
