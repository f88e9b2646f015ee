"""The `Hoso` envelope: build and parse agree, and every fault names its code and XPath."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
from lxml import etree

from ebhxh.dossiers import DossierFormatError, parse_envelope, read_envelope
from ebhxh.dossiers.envelope import build_envelope, file_xpath
from ebhxh.pki.errors import XmlSignatureError
from ebhxh.xmldsig import ENVELOPE, verify_xml
from tests.dossiers.support import (
    business_envelope,
    d02_file,
    envelope_of,
    sign_envelope,
)

FORM = b'<?xml version="1.0"?><ToKhai><MaToKhai>D02-TS</MaToKhai><Cky/></ToKhai>'


def unsigned(**changes: object) -> bytes:
    return build_envelope(envelope_of(slug="sao-mai-vnpt", files=(d02_file(FORM),), **changes))


def edit(xml: bytes, path: str, change) -> bytes:
    root = etree.fromstring(xml)
    (node,) = root.xpath(path)
    change(node)
    return etree.tostring(root)


def refused(xml: bytes) -> DossierFormatError:
    with pytest.raises(DossierFormatError) as caught:
        parse_envelope(xml)
    return caught.value


def test_round_trip() -> None:
    envelope = envelope_of(slug="sao-mai-vnpt", files=(d02_file(FORM),))
    parsed = parse_envelope(build_envelope(envelope))
    assert parsed == envelope
    assert parsed.procedure.code == "600"


def test_signed_envelope_reads_from_the_verified_root(demo_pki) -> None:
    signed = business_envelope(demo_pki, "sao-mai-vnpt")
    verified = verify_xml(signed, checker=demo_pki.validator(), location=ENVELOPE)
    envelope = read_envelope(verified.root)
    assert envelope.unit.unit_code == "TA0123K"
    assert envelope.unit.tax_code == "0109234567"
    assert envelope.files[0].form_code == "D02-TS"
    assert parse_envelope(signed) == envelope


def test_first_registration_needs_no_unit_code_but_a_managing_agency() -> None:
    envelope = envelope_of(
        slug="hoa-binh",
        procedure_code="HSDKLanDau",
        files=(replace(d02_file(FORM), form_code="TK3-TS"),),
        managing_agency="01001",
    )
    parsed = parse_envelope(build_envelope(envelope))
    assert parsed.unit.unit_code == ""
    assert parsed.unit.managing_agency == "01001"

    missing = refused(
        build_envelope(replace(envelope, unit=replace(envelope.unit, managing_agency="")))
    )
    assert (missing.code, missing.xpath) == ("SCH005", "/Hoso/NoiDung/ThongTinDonVi/CoQuanQuanLy")
    wrong = refused(
        build_envelope(replace(envelope, unit=replace(envelope.unit, managing_agency="1001")))
    )
    assert (wrong.code, wrong.xpath) == ("SCH007", "/Hoso/NoiDung/ThongTinDonVi/CoQuanQuanLy")


@pytest.mark.parametrize(
    ("path", "xpath"),
    [
        ("/Hoso/NoiDung/ThongTinDonVi/MaSoThue", "/Hoso/NoiDung/ThongTinDonVi/MaSoThue"),
        ("/Hoso/NoiDung/ThongTinIVAN/MaIVAN", "/Hoso/NoiDung/ThongTinIVAN/MaIVAN"),
        ("/Hoso/NoiDung/ThongTinHoSo/MaThuTuc", "/Hoso/NoiDung/ThongTinHoSo/MaThuTuc"),
        ("/Hoso/NoiDung/ThongTinDonVi/MaSoBHXH", "/Hoso/NoiDung/ThongTinDonVi/MaSoBHXH"),
        ("/Hoso/NoiDung/ThongTinHoSo", "/Hoso/NoiDung/ThongTinHoSo"),
        (
            "/Hoso/NoiDung/ThongTinHoSo/ToKhais/FileToKhai/NoiDungFile",
            file_xpath(1, "NoiDungFile"),
        ),
    ],
)
def test_missing_element_is_sch005_at_its_xpath(path: str, xpath: str) -> None:
    error = refused(edit(unsigned(), path, lambda node: node.getparent().remove(node)))
    assert (error.code, error.xpath) == ("SCH005", xpath)


def test_empty_required_element_is_sch005() -> None:
    def empty(node) -> None:
        node.text = "  "

    error = refused(edit(unsigned(), "/Hoso/NoiDung/ThongTinDonVi/TenDoiTuong", empty))
    assert (error.code, error.xpath) == ("SCH005", "/Hoso/NoiDung/ThongTinDonVi/TenDoiTuong")


def test_no_forms_is_sch005() -> None:
    error = refused(
        edit(
            unsigned(),
            "/Hoso/NoiDung/ThongTinHoSo/ToKhais/FileToKhai",
            lambda node: node.getparent().remove(node),
        )
    )
    assert (error.code, error.xpath) == ("SCH005", "/Hoso/NoiDung/ThongTinHoSo/ToKhais/FileToKhai")


def test_unknown_or_repeated_element_is_sch006_at_its_position() -> None:
    def add_extra(node) -> None:
        etree.SubElement(node, "GhiChu").text = "x"

    error = refused(edit(unsigned(), "/Hoso/NoiDung/ThongTinDonVi", add_extra))
    assert (error.code, error.xpath) == ("SCH006", "/Hoso/NoiDung/ThongTinDonVi/*[8]")

    def repeat(node) -> None:
        node.addnext(etree.fromstring("<MaSoThue>0109234567</MaSoThue>"))

    error = refused(edit(unsigned(), "/Hoso/NoiDung/ThongTinDonVi/MaSoThue", repeat))
    assert (error.code, error.xpath) == ("SCH006", "/Hoso/NoiDung/ThongTinDonVi/*[5]")


def test_wrong_root_is_sch006() -> None:
    error = refused(b"<HoSo><NoiDung/></HoSo>")
    assert (error.code, error.xpath) == ("SCH006", "/*")


@pytest.mark.parametrize(
    ("changes", "xpath"),
    [
        ({"tax_code": "0109234568"}, "/Hoso/NoiDung/ThongTinDonVi/MaSoThue"),
        ({"unit_code": "TA01"}, "/Hoso/NoiDung/ThongTinDonVi/MaSoBHXH"),
        ({"ivan_code": "110"}, "/Hoso/NoiDung/ThongTinIVAN/MaIVAN"),
        ({"procedure_code": "999"}, "/Hoso/NoiDung/ThongTinHoSo/MaThuTuc"),
        ({"period": "13/2026"}, "/Hoso/NoiDung/ThongTinHoSo/KyKeKhai"),
        ({"managing_agency": "01A01"}, "/Hoso/NoiDung/ThongTinDonVi/CoQuanQuanLy"),
    ],
)
def test_invalid_value_is_sch007_at_its_xpath(changes: dict, xpath: str) -> None:
    error = refused(unsigned(**changes))
    assert (error.code, error.xpath) == ("SCH007", xpath)


def test_form_not_of_the_procedure_is_sch007() -> None:
    xml = build_envelope(
        envelope_of(slug="sao-mai-vnpt", files=(replace(d02_file(FORM), form_code="TK3-TS"),))
    )
    error = refused(xml)
    assert (error.code, error.xpath) == ("SCH007", file_xpath(1, "MaToKhai"))


def test_declared_lengths_and_counts_must_match() -> None:
    def lie(node) -> None:
        node.text = "1"

    error = refused(edit(unsigned(), "//DoDaiFile", lie))
    assert (error.code, error.xpath) == ("SCH007", file_xpath(1, "DoDaiFile"))

    def two(node) -> None:
        node.text = "2"

    error = refused(edit(unsigned(), "//SoLuongFile", two))
    assert (error.code, error.xpath) == ("SCH007", "/Hoso/NoiDung/ThongTinHoSo/SoLuongFile")

    def not_base64(node) -> None:
        node.text = "***"

    error = refused(edit(unsigned(), "//NoiDungFile", not_base64))
    assert (error.code, error.xpath) == ("SCH007", file_xpath(1, "NoiDungFile"))


def test_xml_level_faults_come_from_the_hardened_parser() -> None:
    with pytest.raises(XmlSignatureError) as caught:
        parse_envelope(b'<!DOCTYPE Hoso [<!ENTITY x "y">]><Hoso/>')
    assert caught.value.code == "SCH002"
    with pytest.raises(XmlSignatureError) as caught:
        parse_envelope(b"<Hoso><NoiDung>")
    assert caught.value.code == "SCH001"


def test_envelope_of_a_signed_dossier_keeps_the_form_bytes(demo_pki) -> None:
    signed = business_envelope(demo_pki, "sao-mai-vnpt")
    envelope = parse_envelope(signed)
    content = envelope.files[0].content
    assert content.startswith(b"<?xml")
    assert base64.b64encode(content).decode() in signed.decode()


def test_sign_envelope_helper_signs_any_envelope(demo_pki) -> None:
    envelope = envelope_of(slug="song-hau", files=(d02_file(FORM),))
    signed = sign_envelope(demo_pki, "song-hau", envelope)
    verified = verify_xml(signed, checker=demo_pki.validator(), location=ENVELOPE)
    assert verified.validated.identity.tax_code == "1800123450"
