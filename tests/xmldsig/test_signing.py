"""Signing: one step and two steps, where the signature goes, and what else stays untouched."""

from __future__ import annotations

import hashlib
from base64 import b64decode
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from ebhxh.pki.errors import XmlSignatureError
from ebhxh.xmldsig import (
    ENVELOPE,
    FORM,
    PreparedSignature,
    SignatureLocation,
    assemble_signature,
    prepare_signature,
    sign_xml,
    signing,
    verify_xml,
)
from ebhxh.xmldsig.canonical import canonical_subtree
from tests.xmldsig.support import (
    DS,
    VIETNAM,
    KeySigner,
    PinnedCertificateChecker,
    TinyPki,
    envelope,
    form,
    signature_of,
)

SIGNING_TIME = datetime(2025, 6, 1, 9, 30, tzinfo=VIETNAM)


@pytest.mark.parametrize("signing_time", [None, SIGNING_TIME], ids=["no-time", "signing-time"])
@pytest.mark.parametrize(
    ("document", "location", "parent_path"),
    [
        (envelope(), ENVELOPE, "CKy_Dvi"),
        (envelope(parent=False), ENVELOPE, "CKy_Dvi"),
        (form(), FORM, "Cky"),
    ],
    ids=["envelope", "envelope-without-CKy_Dvi", "form"],
)
def test_round_trip(
    document: bytes,
    location: SignatureLocation,
    parent_path: str,
    signing_time: datetime | None,
    signer: KeySigner,
    checker: PinnedCertificateChecker,
) -> None:
    signed = sign_xml(document, signer, location=location, signing_time=signing_time)

    root = etree.fromstring(signed)
    signature = root.find(f"{parent_path}/{{{DS}}}Signature")
    assert signature is not None
    before = datetime.now(UTC)
    verified = verify_xml(signed, checker=checker, location=location)
    assert verified.signing_time == signing_time
    assert verified.validated.certificate == signer.certificate
    assert verified.received_sha256 == hashlib.sha256(signed).hexdigest()
    assert verified.root.find(f".//{{{DS}}}Signature") is None
    assert verified.root.find(parent_path) is not None
    # Validated at the trusted time (here: now), never at the claimed SigningTime.
    validated_at = checker.calls[0].at
    assert validated_at is not None and before <= validated_at <= datetime.now(UTC)


def test_signed_info_follows_the_profile(signer: KeySigner) -> None:
    signed = sign_xml(envelope(), signer, location=ENVELOPE, signing_time=SIGNING_TIME)
    signature = signature_of(signed)
    ns = {"ds": DS}
    assert signature.nsmap[None] == DS
    algorithms = signature.xpath("ds:SignedInfo//@Algorithm", namespaces=ns)
    assert algorithms == [
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        "http://www.w3.org/2001/04/xmlenc#sha256",
    ]
    uris = signature.xpath("ds:SignedInfo/ds:Reference/@URI", namespaces=ns)
    object_id = signature.xpath("ds:Object/@Id", namespaces=ns)[0]
    assert uris == ["", f"#{object_id}"]
    target = signature.xpath(
        "ds:Object/ds:SignatureProperties/ds:SignatureProperty/@Target", namespaces=ns
    )
    assert target == [f"#{signature.get('Id')}"]
    times = signature.xpath("ds:Object//ds:SigningTime/text()", namespaces=ns)
    assert times == ["2025-06-01T09:30:00+07:00"]
    certificates = signature.xpath("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=ns)
    assert [b64decode(c.text) for c in certificates] == [
        signer.certificate.public_bytes(Encoding.DER)
    ]


def test_the_signer_signs_exactly_the_digest_of_the_canonical_signed_info(
    signer: KeySigner,
) -> None:
    signed = sign_xml(form(), signer, location=FORM)
    signed_info = signature_of(signed).find(f"{{{DS}}}SignedInfo")
    assert signer.digests == [hashlib.sha256(canonical_subtree(signed_info)).digest()]


def test_two_steps_across_processes(
    pki: TinyPki, signer: KeySigner, checker: PinnedCertificateChecker
) -> None:
    prepared = prepare_signature(
        envelope(),
        certificate=pki.leaf,
        chain=(pki.intermediate,),
        location=ENVELOPE,
        signing_time=SIGNING_TIME,
    )
    travelled = prepared.to_bytes()  # e.g. stored while a phone confirms the signing

    reloaded = PreparedSignature.from_bytes(travelled)
    assert reloaded.digest == prepared.digest
    assert reloaded.certificate == pki.leaf
    assert reloaded.chain == (pki.intermediate,)
    value = signer.sign_digest(reloaded.digest)

    signed = assemble_signature(travelled, value)
    verified = verify_xml(signed, checker=checker, location=ENVELOPE)
    assert checker.calls[-1].intermediates == (pki.intermediate,)
    assert verified.signing_time == SIGNING_TIME


def test_a_prepared_document_is_not_a_signed_one(
    pki: TinyPki, checker: PinnedCertificateChecker
) -> None:
    prepared = prepare_signature(envelope(), certificate=pki.leaf, location=ENVELOPE)
    with pytest.raises(XmlSignatureError) as caught:
        verify_xml(prepared.to_bytes(), checker=checker, location=ENVELOPE)
    assert caught.value.code == "SIG001"
    assert caught.value.xpath == "/Hoso/CKy_Dvi/ds:Signature/ds:SignatureValue"


def test_a_wrong_signature_value_is_refused_at_assembly(pki: TinyPki) -> None:
    prepared = prepare_signature(envelope(), certificate=pki.leaf, location=ENVELOPE)
    wrong_key = pki.other_key.sign(prepared.digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    other_digest = pki.leaf_key.sign(
        hashlib.sha256(b"something else").digest(), padding.PKCS1v15(), Prehashed(hashes.SHA256())
    )
    for value in (wrong_key, other_digest, b"", b"\x00" * 256):
        with pytest.raises(XmlSignatureError) as caught:
            assemble_signature(prepared, value)
        assert caught.value.code == "SIG002"
        assert caught.value.xpath == "/Hoso/CKy_Dvi/ds:Signature/ds:SignatureValue"


def test_assembly_refuses_a_prepared_document_changed_in_between(pki: TinyPki) -> None:
    prepared = prepare_signature(envelope(), certificate=pki.leaf, location=ENVELOPE)
    tampered = prepared.to_bytes().replace(b"<MaThuTuc>600", b"<MaThuTuc>601")
    value = pki.leaf_key.sign(prepared.digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    with pytest.raises(XmlSignatureError) as caught:
        assemble_signature(tampered, value)
    assert caught.value.code == "SIG003"


def count_calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[object]:
    """Record every call of `signing.<name>` (and still make it)."""
    calls: list[object] = []
    real = getattr(signing, name)

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(signing, name, counting)
    return calls


@pytest.mark.parametrize("self_check", [True, False])
def test_assembling_from_bytes_parses_the_prepared_document_once(
    pki: TinyPki, monkeypatch: pytest.MonkeyPatch, self_check: bool
) -> None:
    prepared = prepare_signature(envelope(), certificate=pki.leaf, location=ENVELOPE)
    value = pki.leaf_key.sign(prepared.digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    parses = count_calls(monkeypatch, "parse_xml")
    inspections = count_calls(monkeypatch, "inspect_signature")
    signed = assemble_signature(prepared.to_bytes(), value, self_check=self_check)
    assert parses[0] == prepared.to_bytes()
    assert parses.count(prepared.to_bytes()) == 1
    # The self-check is the only other parse: of the assembled output.
    assert parses[1:] == ([signed] if self_check else [])
    assert len(inspections) == len(parses)


def test_self_check_can_be_skipped_for_documents_built_in_process(
    pki: TinyPki,
    signer: KeySigner,
    checker: PinnedCertificateChecker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verifications = count_calls(monkeypatch, "verify_signature")
    sign_xml(envelope(), signer, location=ENVELOPE, signing_time=SIGNING_TIME)
    assert len(verifications) == 1  # the default: the assembled output is verified
    unchecked = sign_xml(
        envelope(), signer, location=ENVELOPE, signing_time=SIGNING_TIME, self_check=False
    )
    assert len(verifications) == 1
    assert verify_xml(unchecked, checker=checker, location=ENVELOPE).signing_time == SIGNING_TIME

    # What the self-check guards against: a prepared document changed in between is refused
    # with it (the default), and would go out unnoticed without it.
    prepared = prepare_signature(envelope(), certificate=pki.leaf, location=ENVELOPE)
    tampered = prepared.to_bytes().replace(b"<MaThuTuc>600", b"<MaThuTuc>601")
    value = pki.leaf_key.sign(prepared.digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    with pytest.raises(XmlSignatureError) as caught:
        assemble_signature(tampered, value)
    assert caught.value.code == "SIG003"
    unnoticed = assemble_signature(tampered, value, self_check=False)
    with pytest.raises(XmlSignatureError) as caught:
        verify_xml(unnoticed, checker=checker, location=ENVELOPE)
    assert caught.value.code == "SIG003"


def test_a_prepared_signature_for_another_certificate_is_refused(pki: TinyPki) -> None:
    prepared = prepare_signature(envelope(), certificate=pki.leaf, location=ENVELOPE)
    forged = PreparedSignature(
        document=prepared.document, digest=prepared.digest, certificate=pki.other
    )
    value = pki.other_key.sign(prepared.digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    with pytest.raises(XmlSignatureError) as caught:
        assemble_signature(forged, value)
    assert caught.value.code == "SIG002"


def test_output_keeps_the_document_byte_for_byte_outside_the_signature(
    signer: KeySigner,
) -> None:
    original = envelope()
    signed = sign_xml(original, signer, location=ENVELOPE)
    before, after = original.split(b"<CKy_Dvi/>")
    assert signed.startswith(before + b"<CKy_Dvi><Signature ")
    assert signed.endswith(b"</Signature></CKy_Dvi>" + after)


@pytest.mark.parametrize(
    "prolog",
    [b"", b'<?xml version="1.0" encoding="UTF-8"?>\r\n', b"\xef\xbb\xbf<?xml version='1.0'?>"],
)
def test_xml_declaration_is_kept_as_it_was(prolog: bytes, signer: KeySigner) -> None:
    signed = sign_xml(prolog + b"<Hoso><NoiDung/></Hoso>\n", signer, location=ENVELOPE)
    assert signed.startswith(prolog + b"<Hoso><NoiDung/><CKy_Dvi><Signature")
    assert signed.endswith(b"</CKy_Dvi></Hoso>\n")


def test_namespaces_and_inherited_xml_attributes_are_canonicalised_in_context(
    signer: KeySigner, checker: PinnedCertificateChecker
) -> None:
    # C14N 1.0 gives SignedInfo and the Object every in-scope namespace and every xml:*
    # attribute of their ancestors; libxmlsec1 (in assemble and verify) is the judge.
    document = (
        b'<ToKhai xmlns="urn:bhxh:tokhai" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xml:lang="vi" '
        b'xml:space="preserve" xml:base="http://bhxh.example/tk/" xml:id="tk">'
        b'<HoTen>A</HoTen><Cky xml:lang="en"/></ToKhai>'
    )
    signed = sign_xml(document, signer, location=FORM, signing_time=SIGNING_TIME)
    assert b'<Cky xml:lang="en"><Signature' in signed
    verified = verify_xml(signed, checker=checker, location=FORM)
    assert verified.root.find("{urn:bhxh:tokhai}Cky") is not None
    created = sign_xml(document.replace(b'<Cky xml:lang="en"/>', b""), signer, location=FORM)
    assert b"<Cky><Signature" in created  # in the root's namespace: no xmlns="" needed
    verify_xml(created, checker=checker, location=FORM)


def test_another_parent_element_can_be_named(
    signer: KeySigner, checker: PinnedCertificateChecker
) -> None:
    location = SignatureLocation(parent="ChuKy", root="BienNhan")
    signed = sign_xml(b"<BienNhan><So>1</So></BienNhan>", signer, location=location)
    assert b"<ChuKy><Signature" in signed
    verify_xml(signed, checker=checker, location=location)
    with pytest.raises(XmlSignatureError) as caught:
        verify_xml(signed, checker=checker, location=ENVELOPE)
    assert caught.value.code == "SIG005"


def test_envelope_root_must_be_hoso(pki: TinyPki) -> None:
    with pytest.raises(XmlSignatureError) as caught:
        prepare_signature(b"<HoSo/>", certificate=pki.leaf, location=ENVELOPE)
    assert caught.value.code == "SCH005"
    assert caught.value.xpath == "/Hoso"


def test_an_already_signed_document_is_not_signed_again(signer: KeySigner) -> None:
    signed = sign_xml(envelope(), signer, location=ENVELOPE)
    with pytest.raises(XmlSignatureError) as caught:
        sign_xml(signed, signer, location=ENVELOPE)
    assert (caught.value.code, caught.value.xpath) == ("SIG005", "/Hoso/CKy_Dvi/ds:Signature")
    with pytest.raises(XmlSignatureError) as caught:
        PreparedSignature.from_bytes(signed)
    assert caught.value.code == "SIG005"


def test_signer_preconditions(pki: TinyPki) -> None:
    with pytest.raises(ValueError):
        prepare_signature(
            envelope(),
            certificate=pki.leaf,
            location=ENVELOPE,
            signing_time=datetime(2025, 6, 1, 9, 30),
        )
    with pytest.raises(ValueError):
        prepare_signature(
            envelope(), certificate=pki.leaf, chain=(pki.intermediate,) * 8, location=ENVELOPE
        )
    for certificate in (pki.ec_leaf, pki.weak_leaf):
        with pytest.raises(XmlSignatureError) as caught:
            prepare_signature(envelope(), certificate=certificate, location=ENVELOPE)
        assert caught.value.code == "SIG004"


def test_untrusted_input_goes_through_the_hardened_parser(pki: TinyPki) -> None:
    with pytest.raises(XmlSignatureError) as caught:
        prepare_signature(
            b'<!DOCTYPE Hoso [<!ENTITY x SYSTEM "file:///etc/passwd">]><Hoso>&x;</Hoso>',
            certificate=pki.leaf,
            location=ENVELOPE,
        )
    assert caught.value.code == "SCH002"


def test_prepared_ids_never_collide_with_the_document(pki: TinyPki) -> None:
    first = prepare_signature(envelope(), certificate=pki.leaf, location=ENVELOPE)
    second = prepare_signature(envelope(), certificate=pki.leaf, location=ENVELOPE)
    assert signature_of(first.document).get("Id") != signature_of(second.document).get("Id")
