"""Property: whatever text a unit types, what was signed is exactly what verification returns.

This exercises the canonicalisation both sides rely on (ebhxh's own, for the digest it hands the
signer, and libxmlsec1's, when verifying) with awkward characters: CR, tabs, `&`, `<`, `]]>`,
quotes, Vietnamese diacritics, astral-plane characters.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from ebhxh.xmldsig import ENVELOPE, sign_xml, verify_xml
from tests.xmldsig.support import KeySigner, PinnedCertificateChecker, TinyPki

xml_text = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc", "Cn")),
        st.sampled_from("\t\n\r&<>\"']]>ơệĐ"),
    ),
    max_size=40,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=xml_text, attribute=xml_text, tail=xml_text)
def test_signed_content_round_trips(text: str, attribute: str, tail: str, pki: TinyPki) -> None:
    root = etree.Element("Hoso")
    content = etree.SubElement(root, "NoiDung", GhiChu=attribute)
    content.text = text
    content.tail = tail
    original = etree.tostring(root, encoding="UTF-8", xml_declaration=True)

    signed = sign_xml(original, KeySigner(pki.leaf_key, pki.leaf), location=ENVELOPE)
    verified = verify_xml(signed, checker=PinnedCertificateChecker(pki.leaf), location=ENVELOPE)

    returned = verified.root.find("NoiDung")
    assert (returned.text or "") == text
    assert returned.get("GhiChu") == attribute
    assert (returned.tail or "") == tail
