"""The libxmlsec1 layer: its own transform allow-list, error mapping and the key cache."""

from __future__ import annotations

from base64 import b64decode

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from ebhxh.pki.errors import XmlSignatureError
from ebhxh.xmldsig import ENVELOPE, crypto, parse_xml
from ebhxh.xmldsig.structure import ReferenceParts, SignatureParts, find_signature
from tests.xmldsig.support import (
    DS,
    TinyPki,
    signature_template,
    xmlsec_rsa_key,
    xmlsec_sign,
)

ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"


def test_libxmlsec1_refuses_transforms_outside_the_profile_on_its_own(pki: TinyPki) -> None:
    # Defence in depth: handed a signature the structural checks would have refused, the
    # transforms enabled in the SignatureContext still stop an XPath transform - a SIG005,
    # not a pass - although the signature itself is cryptographically valid.
    template = signature_template(transforms=(ENVELOPED, XPATH)).replace(
        f'<Transform Algorithm="{XPATH}"/>'.encode(),
        f'<Transform Algorithm="{XPATH}"><XPath>not(ancestor-or-self::A)</XPath>'
        "</Transform>".encode(),
    )
    document = xmlsec_sign(template, key=xmlsec_rsa_key(pki))
    tree = parse_xml(document)
    signature = find_signature(tree, ENVELOPE)
    signed_info, value_element = signature[0], signature[1]
    reference = signed_info.find(f"{{{DS}}}Reference")
    parts = SignatureParts(
        signature=signature,
        signed_info=signed_info,
        signature_value_element=value_element,
        signature_value=b64decode(value_element.text),
        document_reference=ReferenceParts(
            reference, "", b64decode(reference.findtext(f"{{{DS}}}DigestValue"))
        ),
        time_reference=None,
        time_object=None,
        signing_time=None,
        certificate_der=pki.leaf.public_bytes(Encoding.DER),
        chain_der=(),
        certificate_element=signature[2][0][0],
    )
    with pytest.raises(XmlSignatureError) as caught:
        crypto.verify_signature(tree, parts)
    assert caught.value.code == "SIG005"
    assert "libxmlsec1" in caught.value.detail


def test_key_cache_reuses_and_stays_bounded(pki: TinyPki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "KEY_CACHE_SIZE", 2)
    monkeypatch.setattr(crypto, "_keys", {})
    leaf, other, intermediate = (
        certificate.public_bytes(Encoding.DER)
        for certificate in (pki.leaf, pki.other, pki.intermediate)
    )
    first = crypto.xmlsec_key(leaf)
    assert crypto.xmlsec_key(leaf) is first
    crypto.xmlsec_key(other)
    crypto.xmlsec_key(intermediate)
    assert list(crypto._keys) == [other, intermediate]
