"""Verification: what a good signature yields, and every attack with the code it gets."""

from __future__ import annotations

import re
from base64 import b64decode, b64encode
from datetime import UTC, datetime

import pytest
import xmlsec
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from ebhxh.pki.errors import CertificateError, XmlSignatureError
from ebhxh.xmldsig import ENVELOPE, FORM, ParseLimits, SignatureLocation, sign_xml, verify_xml
from ebhxh.xmldsig.canonical import canonical_document
from tests.xmldsig.support import (
    BILLION_LAUGHS,
    DS,
    VIETNAM,
    XXE,
    KeySigner,
    PinnedCertificateChecker,
    TinyPki,
    envelope,
    form,
    signature_template,
    xmlsec_accepts,
    xmlsec_public_key,
    xmlsec_rsa_key,
    xmlsec_sign,
)

SIGNING_TIME = datetime(2025, 6, 1, 9, 30, tzinfo=VIETNAM)
SIGNATURE = "/Hoso/CKy_Dvi/ds:Signature"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
RSA_MD5 = "http://www.w3.org/2001/04/xmldsig-more#rsa-md5"
HMAC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
XPATH_TRANSFORM = "http://www.w3.org/TR/1999/REC-xpath-19991116"
XSLT_TRANSFORM = "http://www.w3.org/TR/1999/REC-xslt-19991116"
RSA_KEY_VALUE = (
    b"<KeyValue><RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent>"
    b"</RSAKeyValue></KeyValue>"
)


@pytest.fixture
def signed(signer: KeySigner) -> bytes:
    return sign_xml(envelope(), signer, location=ENVELOPE)


@pytest.fixture
def signed_with_time(signer: KeySigner) -> bytes:
    return sign_xml(envelope(), signer, location=ENVELOPE, signing_time=SIGNING_TIME)


def refused(
    document: bytes,
    checker: PinnedCertificateChecker,
    *,
    location: SignatureLocation = ENVELOPE,
    limits: ParseLimits | None = None,
) -> XmlSignatureError:
    with pytest.raises(XmlSignatureError) as caught:
        verify_xml(document, checker=checker, location=location, limits=limits or ParseLimits())
    assert not checker.calls, "the certificate must not be looked at for a refused signature"
    return caught.value


def text_of(document: bytes, local_name: str) -> str:
    match = re.search(rf"<{local_name}[^>]*>([^<]*)</{local_name}>".encode(), document)
    assert match is not None
    return match.group(1).decode()


def replace_text(document: bytes, local_name: str, new: str) -> bytes:
    old = text_of(document, local_name)
    return document.replace(f">{old}</{local_name}>".encode(), f">{new}</{local_name}>".encode(), 1)


# What a good signature yields -------------------------------------------------------------


def test_returns_only_the_canonical_signed_content(
    signed: bytes, checker: PinnedCertificateChecker
) -> None:
    verified = verify_xml(signed, checker=checker, location=ENVELOPE)
    original = etree.fromstring(envelope()).getroottree()
    assert verified.content == canonical_document(original).replace(
        b"<CKy_Dvi/>", b"<CKy_Dvi></CKy_Dvi>"
    )
    assert etree.tostring(verified.root, method="c14n") == verified.content
    assert verified.root.findtext("NoiDung/ThongTinHoSo/MaThuTuc") == "600"
    assert verified.validated.fingerprint_sha256


def test_certificate_is_validated_at_the_trusted_time_never_the_claimed_one(
    signed: bytes, signed_with_time: bytes, pki: TinyPki
) -> None:
    checker = PinnedCertificateChecker(pki.leaf)
    received = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
    verified = verify_xml(signed_with_time, checker=checker, location=ENVELOPE, at=received)
    assert checker.calls[-1].at == received  # not SIGNING_TIME, which the signer chose
    assert verified.signing_time == SIGNING_TIME  # returned, for information
    verify_xml(signed, checker=checker, location=ENVELOPE, at=received)
    assert checker.calls[-1].at == received
    before = datetime.now(UTC)
    verify_xml(signed_with_time, checker=checker, location=ENVELOPE)
    now = checker.calls[-1].at
    assert now is not None and before <= now <= datetime.now(UTC)
    with pytest.raises(ValueError):
        verify_xml(signed, checker=checker, location=ENVELOPE, at=datetime(2025, 6, 2))


def test_intermediates_from_key_info_reach_the_checker(
    pki: TinyPki, checker: PinnedCertificateChecker
) -> None:
    signer = KeySigner(pki.leaf_key, pki.leaf, chain=(pki.intermediate,))
    verify_xml(sign_xml(form(), signer, location=FORM), checker=checker, location=FORM)
    assert checker.calls[0].certificate == pki.leaf
    assert checker.calls[0].intermediates == (pki.intermediate,)


def test_a_valid_signature_by_an_untrusted_certificate_is_the_checkers_refusal(
    pki: TinyPki, checker: PinnedCertificateChecker
) -> None:
    forged = sign_xml(envelope(), KeySigner(pki.other_key, pki.other), location=ENVELOPE)
    with pytest.raises(CertificateError) as caught:
        verify_xml(forged, checker=checker, location=ENVELOPE)
    assert caught.value.code == "CRT001"


def test_a_comment_inserted_after_signing_still_verifies_but_never_reaches_the_caller(
    signed: bytes, checker: PinnedCertificateChecker
) -> None:
    # C14N without comments: comments are not signed content. The caller gets the canonical
    # content, so a comment cannot split a text node (the SAML "comment truncation" trick).
    tampered = signed.replace(b"<MaSoThue>0100109106", b"<MaSoThue>0100<!-- x -->109106")
    tampered = tampered.replace(b"<NoiDung>", b"<NoiDung><!-- chen them -->")
    assert etree.fromstring(tampered).findtext("NoiDung/ThongTinDonVi/MaSoThue") == "0100"
    verified = verify_xml(tampered, checker=checker, location=ENVELOPE)
    assert b"<!--" not in verified.content
    assert verified.root.findtext("NoiDung/ThongTinDonVi/MaSoThue") == "0100109106"


def test_key_value_next_to_the_certificate_is_ignored(
    signed: bytes, pki: TinyPki, checker: PinnedCertificateChecker
) -> None:
    key_value = RSA_KEY_VALUE
    document = signed.replace(b"<KeyInfo>", b"<KeyInfo>" + key_value)
    assert (
        verify_xml(document, checker=checker, location=ENVELOPE).validated.certificate == pki.leaf
    )


def test_a_foreign_signature_following_the_profile_verifies(
    pki: TinyPki, checker: PinnedCertificateChecker
) -> None:
    document = xmlsec_sign(signature_template(), key=xmlsec_rsa_key(pki))
    verified = verify_xml(document, checker=checker, location=ENVELOPE)
    assert verified.root.findtext("NoiDung/A") == "1"


# Changed after signing --------------------------------------------------------------------


def test_content_changed_after_signing(signed: bytes, checker: PinnedCertificateChecker) -> None:
    for tampered in (
        signed.replace(b"<MaThuTuc>600", b"<MaThuTuc>601"),
        signed.replace(b"<NoiDung>\n", b"<NoiDung> \n"),  # whitespace is content too
        signed.replace(b"</Hoso>", b"<Them/></Hoso>"),
        signed.replace(b"<CKy_Dvi>", b"<CKy_Dvi>x"),
    ):
        error = refused(tampered, checker)
        assert (error.code, error.xpath) == ("SIG003", f"{SIGNATURE}/ds:SignedInfo/ds:Reference")


def test_signing_time_changed_after_signing(
    signed_with_time: bytes, checker: PinnedCertificateChecker
) -> None:
    tampered = signed_with_time.replace(b"2025-06-01T09:30:00", b"2025-05-01T09:30:00")
    error = refused(tampered, checker)
    assert (error.code, error.xpath) == ("SIG003", f"{SIGNATURE}/ds:SignedInfo/ds:Reference[2]")


def test_digest_value_changed(signed: bytes, checker: PinnedCertificateChecker) -> None:
    digest = text_of(signed, "DigestValue")
    forged = b64encode(bytes(32)).decode()
    assert refused(signed.replace(digest.encode(), forged.encode()), checker).code == "SIG003"
    short = b64encode(b"x").decode()
    assert refused(signed.replace(digest.encode(), short.encode()), checker).code == "SIG003"


def test_signature_value_tampered(signed: bytes, checker: PinnedCertificateChecker) -> None:
    value = bytearray(b64decode(text_of(signed, "SignatureValue")))
    value[10] ^= 0x01
    tampered = replace_text(signed, "SignatureValue", b64encode(bytes(value)).decode())
    error = refused(tampered, checker)
    assert (error.code, error.xpath) == ("SIG002", f"{SIGNATURE}/ds:SignatureValue")
    assert refused(replace_text(signed, "SignatureValue", "!!not base64!!"), checker).code == (
        "SIG002"
    )


def test_certificate_swapped_in_key_info(
    signed: bytes, pki: TinyPki, checker: PinnedCertificateChecker
) -> None:
    other = b64encode(pki.other.public_bytes(Encoding.DER)).decode()
    error = refused(replace_text(signed, "X509Certificate", other), checker)
    assert (error.code, error.xpath) == ("SIG002", f"{SIGNATURE}/ds:SignatureValue")


# Algorithms outside the profile: refused even when the signature is cryptographically valid --


@pytest.mark.parametrize(
    ("template", "xpath"),
    [
        (
            signature_template(signature_method=RSA_SHA1),
            f"{SIGNATURE}/ds:SignedInfo/ds:SignatureMethod",
        ),
        (
            signature_template(digest_method=SHA1),
            f"{SIGNATURE}/ds:SignedInfo/ds:Reference/ds:DigestMethod",
        ),
        (
            signature_template(transforms=(ENVELOPED,)).replace(
                b"</Transforms>",
                f'<Transform Algorithm="{XPATH_TRANSFORM}"><XPath>not(ancestor-or-self::A)'
                f"</XPath></Transform></Transforms>".encode(),
            ),
            f"{SIGNATURE}/ds:SignedInfo/ds:Reference/ds:Transforms",
        ),
    ],
    ids=["rsa-sha1", "sha1-digest", "xpath-transform"],
)
def test_valid_signatures_with_disallowed_algorithms(
    template: bytes, xpath: str, pki: TinyPki, checker: PinnedCertificateChecker
) -> None:
    document = xmlsec_sign(template, key=xmlsec_rsa_key(pki))
    assert xmlsec_accepts(document, key=xmlsec_public_key(pki))
    error = refused(document, checker)
    assert (error.code, error.xpath) == ("SIG004", xpath)


def test_hmac_signature_method(checker: PinnedCertificateChecker) -> None:
    # With HMAC the "key" would be whatever the verifier is told; a classic downgrade.
    key = xmlsec.Key.from_binary_data(xmlsec.constants.KeyDataHmac, b"secret shared with nobody")
    document = xmlsec_sign(signature_template(signature_method=HMAC_SHA256, key_info=""), key=key)
    assert xmlsec_accepts(document, key=key)
    assert refused(document, checker).code == "SIG004"


@pytest.mark.parametrize(
    "change",
    [
        {"signature_method": RSA_MD5},
        {"c14n": "http://www.w3.org/2001/10/xml-exc-c14n#"},
        {"c14n": C14N + "#WithComments"},
        {"transforms": (ENVELOPED, XSLT_TRANSFORM)},
        {"transforms": (ENVELOPED, C14N + "#WithComments")},
        {"transforms": (ENVELOPED, "http://www.w3.org/2001/10/xml-exc-c14n#")},
        {"transforms": (C14N, ENVELOPED)},
        {"transforms": (C14N,)},
        {"transforms": ()},
        {"transforms": (ENVELOPED, C14N, C14N)},
    ],
    ids=[
        "rsa-md5",
        "exclusive-c14n",
        "c14n-with-comments",
        "xslt",
        "with-comments-transform",
        "exclusive-transform",
        "reordered",
        "not-enveloped",
        "no-transforms",
        "repeated",
    ],
)
def test_disallowed_algorithms_are_refused_before_any_cryptography(
    change: dict[str, object], pki: TinyPki, checker: PinnedCertificateChecker
) -> None:
    template = signature_template(**change)  # type: ignore[arg-type]
    certificate = b64encode(pki.leaf.public_bytes(Encoding.DER)).decode()
    document = template.replace(
        b"<DigestValue/>", b"<DigestValue>" + b64encode(bytes(32)) + b"</DigestValue>"
    )
    document = document.replace(b"<SignatureValue/>", b"<SignatureValue>AAAA</SignatureValue>")
    document = document.replace(
        b"<X509Data/>",
        f"<X509Data><X509Certificate>{certificate}</X509Certificate></X509Data>".encode(),
    )
    assert refused(document, checker).code == "SIG004"


def test_algorithm_parameters_are_refused(signed: bytes, checker: PinnedCertificateChecker) -> None:
    document = signed.replace(
        f'<SignatureMethod Algorithm="{"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"}"/>'.encode(),
        b'<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256">'
        b"<HMACOutputLength>8</HMACOutputLength></SignatureMethod>",
    )
    assert refused(document, checker).code == "SIG004"


def test_keys_other_than_rsa_2048_are_refused(
    signed: bytes, pki: TinyPki, checker: PinnedCertificateChecker
) -> None:
    ec = b64encode(pki.ec_leaf.public_bytes(Encoding.DER)).decode()
    assert refused(replace_text(signed, "X509Certificate", ec), checker).code == "SIG004"
    weak_key = xmlsec_rsa_key(pki, pki.weak_key, pki.weak_leaf)
    weak = xmlsec_sign(signature_template(), key=weak_key)  # ebhxh itself refuses to sign
    assert refused(weak, checker).code == "SIG004"


def test_at_most_eight_certificates(signed: bytes, checker: PinnedCertificateChecker) -> None:
    certificate = re.search(rb"<X509Certificate>.*?</X509Certificate>", signed)
    assert certificate is not None
    many = signed.replace(certificate.group(0), certificate.group(0) * 9)
    error = refused(many, checker)
    assert (error.code, error.xpath) == ("SIG004", f"{SIGNATURE}/ds:KeyInfo/ds:X509Data")


@pytest.mark.parametrize(
    ("key_info", "code"),
    [
        (b"<KeyName>unit-key</KeyName>", "SIG004"),
        (b'<RetrievalMethod URI="http://evil.example/cert.der"/>', "SIG004"),
        (RSA_KEY_VALUE, "SIG004"),
        (b"<X509Data><X509SKI>AAAA</X509SKI></X509Data>", "SIG004"),
        (b"<X509Data/>", "SIG004"),
        (b"<X509Data><X509Certificate>bm90IGEgY2VydA==</X509Certificate></X509Data>", "SCH007"),
    ],
    ids=["key-name", "retrieval-method", "key-value-only", "ski-only", "empty", "not-a-cert"],
)
def test_key_info_must_carry_the_certificate(
    key_info: bytes, code: str, signed: bytes, checker: PinnedCertificateChecker
) -> None:
    document = re.sub(rb"<KeyInfo>.*</KeyInfo>", b"<KeyInfo>" + key_info + b"</KeyInfo>", signed)
    assert refused(document, checker).code == code


def test_missing_key_info(signed: bytes, checker: PinnedCertificateChecker) -> None:
    document = re.sub(rb"<KeyInfo>.*</KeyInfo>", b"", signed)
    assert refused(document, checker).code == "SIG004"


# References that do not cover the whole document -------------------------------------------


def test_reference_to_an_id_instead_of_the_whole_document(
    pki: TinyPki, checker: PinnedCertificateChecker
) -> None:
    template = signature_template(
        content='<NoiDung Id="nd"><A>1</A></NoiDung><Them>unsigned</Them>',
        uri="#nd",
        transforms=(C14N,),
    )
    document = xmlsec_sign(template, key=xmlsec_rsa_key(pki), id_elements=("NoiDung",))
    assert xmlsec_accepts(document, key=xmlsec_public_key(pki), id_elements=("NoiDung",))
    error = refused(document, checker)
    assert (error.code, error.xpath) == ("SIG005", f"{SIGNATURE}/ds:SignedInfo/ds:Reference")


@pytest.mark.parametrize(
    "uri", ["#xpointer(/)", "http://evil.example/hoso.xml", "file:///etc/passwd", "#"]
)
def test_other_reference_uris(
    uri: str, signed_with_time: bytes, checker: PinnedCertificateChecker
) -> None:
    document = re.sub(rb'URI="#[^"]+"', f'URI="{uri}"'.encode(), signed_with_time)
    assert refused(document, checker).code == "SIG005"


def test_reference_count_and_duplicates(
    signed: bytes, signed_with_time: bytes, checker: PinnedCertificateChecker
) -> None:
    twice = re.sub(rb"(<Reference URI=\"\">.*?</Reference>)", rb"\1\1", signed)
    assert refused(twice, checker).code == "SIG005"
    third = re.sub(rb"(<Reference URI=\"#.*?</Reference>)", rb"\1\1", signed_with_time)
    assert refused(third, checker).code == "SIG005"
    without = re.sub(rb"<Reference URI=\"\">.*?</Reference>", b"", signed)
    assert refused(without, checker).code == "SIG005"


# Signature wrapping -------------------------------------------------------------------------


def test_signed_original_moved_under_a_new_element(
    signed: bytes, checker: PinnedCertificateChecker
) -> None:
    original = signed.split(b"?>\n", 1)[1]
    inside = (
        b"<Hoso><NoiDung><MaThuTuc>999</MaThuTuc></NoiDung><CKy_Dvi/><Goc>"
        + original
        + b"</Goc></Hoso>"
    )
    error = refused(inside, checker)
    assert (error.code, error.xpath) == ("SIG005", "/Hoso/Goc/Hoso/CKy_Dvi/ds:Signature")
    outside = b"<Boc><Hoso><NoiDung/></Hoso>" + original + b"</Boc>"
    assert refused(outside, checker).code == "SIG005"


def test_an_injected_second_signature(
    signed: bytes, pki: TinyPki, checker: PinnedCertificateChecker
) -> None:
    other = sign_xml(envelope(files=0), KeySigner(pki.other_key, pki.other), location=ENVELOPE)
    second = etree.tostring(next(etree.fromstring(other).iter(f"{{{DS}}}Signature")))
    for document in (
        signed.replace(b"<NoiDung>", b"<NoiDung>" + second),
        signed.replace(b"</CKy_Dvi>", second + b"</CKy_Dvi>"),
    ):
        assert refused(document, checker).code == "SIG005"


def test_signature_outside_its_location(signed: bytes, checker: PinnedCertificateChecker) -> None:
    signature = re.search(rb"<Signature .*</Signature>", signed, re.S)
    assert signature is not None
    empty = signed.replace(signature.group(0), b"")
    for document in (
        empty.replace(b"</Hoso>", signature.group(0) + b"</Hoso>"),
        empty.replace(b"<NoiDung>", b"<NoiDung>" + signature.group(0)),
        empty.replace(
            b"<CKy_Dvi></CKy_Dvi>", b"<CKy_Dvi><X>" + signature.group(0) + b"</X></CKy_Dvi>"
        ),
    ):
        assert refused(document, checker).code == "SIG005"
    assert refused(signed, checker, location=FORM).code == "SIG005"


@pytest.mark.parametrize("attribute", [b"Id", b"ID", b"id", b"xml:id"])
def test_duplicate_id_of_the_signed_object(
    attribute: bytes, signed_with_time: bytes, checker: PinnedCertificateChecker
) -> None:
    object_id = re.search(rb'<Object Id="([^"]+)"', signed_with_time)
    assert object_id is not None
    decoy = b"<ThongTin " + attribute + b'="' + object_id.group(1) + b'">2020</ThongTin>'
    document = signed_with_time.replace(b"<NoiDung>", b"<NoiDung>" + decoy)
    error = refused(document, checker)
    assert (error.code, error.xpath) == ("SIG005", "/Hoso/NoiDung/ThongTin")


def test_signing_time_reference_must_point_into_this_signature(
    signed_with_time: bytes, checker: PinnedCertificateChecker
) -> None:
    moved = signed_with_time.replace(b"<NoiDung>", b'<NoiDung Id="nd">')
    moved = re.sub(rb'URI="#[^"]+"', b'URI="#nd"', moved)
    assert refused(moved, checker).code == "SIG005"


def test_unsigned_or_unexpected_objects(
    signed: bytes, signed_with_time: bytes, checker: PinnedCertificateChecker
) -> None:
    extra = b'<Object Id="x"><KetQua>Da duyet</KetQua></Object>'
    assert (
        refused(signed.replace(b"</Signature>", extra + b"</Signature>"), checker).code == "SIG005"
    )
    assert (
        refused(signed_with_time.replace(b"</Signature>", extra + b"</Signature>"), checker).code
        == "SIG005"
    )
    wrong_target = re.sub(rb'Target="#[^"]+"', b'Target="#other"', signed_with_time)
    assert refused(wrong_target, checker).code == "SIG005"
    two_times = re.sub(rb"(<SigningTime>.*?</SigningTime>)", rb"\1\1", signed_with_time)
    assert refused(two_times, checker).code == "SIG005"


def test_signature_structure_is_strict(signed: bytes, checker: PinnedCertificateChecker) -> None:
    no_signed_info = re.sub(rb"<SignedInfo>.*</SignedInfo>", b"", signed)
    assert refused(no_signed_info, checker).code == "SIG005"
    no_value = re.sub(rb"<SignatureValue>.*</SignatureValue>", b"", signed)
    assert refused(no_value, checker).code == "SIG001"
    stray = signed.replace(b"<SignedInfo>", b"<SignedInfo><Manifest/>")
    assert refused(stray, checker).code == "SIG005"
    extra = signed.replace(b"</Signature>", b"<Extra/></Signature>")
    assert refused(extra, checker).code == "SIG005"


def test_signing_time_must_carry_an_offset(
    signed_with_time: bytes, checker: PinnedCertificateChecker
) -> None:
    naive = signed_with_time.replace(b"2025-06-01T09:30:00+07:00", b"2025-06-01T09:30:00")
    error = refused(naive, checker)
    assert error.code == "SCH007"
    assert error.xpath is not None and error.xpath.endswith("ds:SignatureProperty/ds:SigningTime")


# The parser's defences, reached through verify_xml -------------------------------------------


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (XXE, "SCH002"),
        (BILLION_LAUGHS, "SCH002"),
        (b'<!DOCTYPE Hoso [<!ENTITY a "b">]><Hoso>&a;</Hoso>', "SCH002"),
        (b"<Hoso><NoiDung></Hoso>", "SCH001"),
        (b"<e>" * 65 + b"</e>" * 65, "SCH004"),
        (b"<Hoso><NoiDung/><CKy_Dvi/></Hoso>", "SIG001"),
    ],
    ids=["xxe", "billion-laughs", "internal-entity", "malformed", "too-deep", "unsigned"],
)
def test_documents_refused_before_the_signature(
    document: bytes, code: str, checker: PinnedCertificateChecker
) -> None:
    assert refused(document, checker).code == code


def test_a_missing_signature_points_where_it_belongs(checker: PinnedCertificateChecker) -> None:
    error = refused(envelope(), checker)
    assert (error.code, error.xpath) == ("SIG001", SIGNATURE)


def test_size_limit_applies_to_signed_documents(
    signed: bytes, checker: PinnedCertificateChecker
) -> None:
    error = refused(signed, checker, limits=ParseLimits(max_bytes=len(signed) - 1))
    assert error.code == "SCH003"
    verify_xml(
        signed, checker=checker, location=ENVELOPE, limits=ParseLimits(max_bytes=len(signed))
    )


PRETTY_PREFIXED = b"""<Hoso>
  <NoiDung><A>1</A></NoiDung>
  <CKy_Dvi>
    <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="s">
      <ds:SignedInfo>
        <ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
        <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
        <ds:Reference URI="">
          <ds:Transforms>
            <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
          </ds:Transforms>
          <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
          <ds:DigestValue/>
        </ds:Reference>
        <ds:Reference URI="#t">
          <ds:Transforms>
            <ds:Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
          </ds:Transforms>
          <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
          <ds:DigestValue/>
        </ds:Reference>
      </ds:SignedInfo>
      <ds:SignatureValue/>
      <ds:KeyInfo>
        <ds:X509Data/>
      </ds:KeyInfo>
      <!-- written by another signing tool -->
      <ds:Object Id="t">
        <ds:SignatureProperties>
          <ds:SignatureProperty Target="#s">
            <SigningTime>2025-06-01T09:30:00+07:00</SigningTime>
          </ds:SignatureProperty>
        </ds:SignatureProperties>
      </ds:Object>
    </ds:Signature>
  </CKy_Dvi>
</Hoso>"""


def test_pretty_printed_prefixed_foreign_signature(
    pki: TinyPki, checker: PinnedCertificateChecker
) -> None:
    # ds: prefix, whitespace and a comment inside the signature, [enveloped] alone, and a
    # SigningTime without namespace: all within the profile, and failures still told apart.
    document = xmlsec_sign(PRETTY_PREFIXED, key=xmlsec_rsa_key(pki), id_elements=("Object",))
    verified = verify_xml(document, checker=checker, location=ENVELOPE)
    assert verified.signing_time == SIGNING_TIME
    checker.calls.clear()

    later = document.replace(b"2025-06-01T09:30:00", b"2025-06-02T09:30:00")
    error = refused(later, checker)
    assert (error.code, error.xpath) == ("SIG003", f"{SIGNATURE}/ds:SignedInfo/ds:Reference[2]")
    spaced = document.replace(b'Target="#s">', b'Target="#s">\n')
    assert refused(spaced, checker).code == "SIG003"
    value = bytearray(b64decode(text_of(document, "ds:SignatureValue")))
    value[0] ^= 0x80
    broken = replace_text(document, "ds:SignatureValue", b64encode(bytes(value)).decode())
    assert refused(broken, checker).code == "SIG002"
