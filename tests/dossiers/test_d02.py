"""D02-TS: round trip through its codec, and each fault with its code and XPath."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from lxml import etree

from ebhxh.dossiers import DossierFormatError
from ebhxh.dossiers.forms import codec_for
from ebhxh.dossiers.forms.business import D02_TS, ChangeKind, Plan, build_d02, parse_d02
from ebhxh.xmldsig import FORM, verify_xml
from tests.dossiers.support import d02_report, employee, signed_d02

UNIT = "TA0123K"


def report_with(*rows):
    return replace(d02_report(UNIT), employees=tuple(rows))


def refused(xml: bytes) -> DossierFormatError:
    with pytest.raises(DossierFormatError) as caught:
        parse_d02(xml)
    return caught.value


def row_xpath(index: int, field: str) -> str:
    return f"/ToKhai/DanhSach/LaoDong[{index}]/{field}"


def test_codec_is_registered() -> None:
    assert codec_for("D02-TS") is D02_TS
    assert D02_TS.root == "ToKhai"


def test_round_trip_with_every_plan() -> None:
    rows = [
        employee(1),
        employee(2, plan=Plan.TRANSFER_IN),
        employee(3, plan=Plan.LEAVE, salary=None),
        employee(4, plan=Plan.TRANSFER_OUT),
        employee(5, plan=Plan.SALARY, salary=12_500_000),
        employee(6, plan=Plan.POSITION, position="Trưởng phòng"),
        employee(7, insurance_number="", gender="female", citizen_id="001190012345"),
    ]
    report = report_with(*rows)
    parsed = parse_d02(build_d02(report))
    assert parsed == report
    assert parsed.counts() == {
        ChangeKind.INCREASE.value: 3,
        ChangeKind.DECREASE.value: 2,
        ChangeKind.ADJUSTMENT.value: 2,
    }


def test_signed_form_parses_from_its_verified_content(demo_pki) -> None:
    signed = signed_d02(demo_pki, "sao-mai-vnpt", d02_report(UNIT, rows=5))
    verified = verify_xml(signed, checker=demo_pki.validator(), location=FORM)
    assert D02_TS.parse(verified.content) == d02_report(UNIT, rows=5)


@pytest.mark.parametrize(
    ("row", "code", "field"),
    [
        (employee(3, insurance_number="79000000"), "SCH007", "MaSoBHXH"),
        (employee(3, insurance_number="", plan=Plan.LEAVE), "SCH005", "MaSoBHXH"),
        (employee(3, citizen_id="001090"), "SCH007", "SoCCCD"),
        # a CCCD whose 4th digit says female, declared male
        (employee(3, citizen_id="001190012345"), "SCH007", "SoCCCD"),
        # born 1985 by the date, 1990 by the CCCD
        (employee(3, birth_date=date(1985, 1, 1)), "SCH007", "SoCCCD"),
        (employee(3, salary=None), "SCH005", "MucLuong"),
        (employee(3, from_month="2026-11"), "SCH007", "TuThang"),
        (employee(3, full_name=" "), "SCH005", "HoTen"),
    ],
)
def test_row_fault_points_at_the_row_and_field(row, code: str, field: str) -> None:
    error = refused(build_d02(report_with(employee(1), employee(2), row)))
    assert (error.code, error.xpath) == (code, row_xpath(3, field))


def test_decrease_needs_no_salary() -> None:
    report = report_with(employee(1, plan=Plan.LEAVE, salary=None))
    assert parse_d02(build_d02(report)).employees[0].salary is None


def edit(xml: bytes, path: str, change) -> bytes:
    root = etree.fromstring(xml)
    for node in root.xpath(path):
        change(node)
    return etree.tostring(root)


def set_text(value: str):
    def change(node) -> None:
        node.text = value

    return change


def test_text_faults() -> None:
    xml = build_d02(report_with(employee(1), employee(2), employee(3)))
    cases = [
        (row_xpath(2, "PhuongAn"), "XY", "SCH007"),
        (row_xpath(2, "GioiTinh"), "Khác", "SCH007"),
        (row_xpath(2, "NgaySinh"), "31/02/1990", "SCH007"),
        (row_xpath(2, "NgaySinh"), "01/01/2999", "SCH007"),
        (row_xpath(2, "MucLuong"), "8.000.000", "SCH007"),
        (row_xpath(2, "STT"), "7", "SCH007"),
        ("/ToKhai/MaToKhai", "D03-TS", "SCH007"),
        ("/ToKhai/KyKeKhai", "11-2026", "SCH007"),
        ("/ToKhai/MaDonVi", "??", "SCH007"),
    ]
    for path, value, code in cases:
        error = refused(edit(xml, path, set_text(value)))
        assert (error.code, error.xpath) == (code, path), (path, value)


def test_duplicate_identifiers_point_at_the_second_row() -> None:
    twice_cccd = report_with(employee(1), employee(2, citizen_id=employee(1).citizen_id))
    error = refused(build_d02(twice_cccd))
    assert (error.code, error.xpath) == ("SCH007", row_xpath(2, "SoCCCD"))
    assert "dòng 1" in error.detail
    twice_bhxh = report_with(
        employee(1), employee(2, insurance_number=employee(1).insurance_number)
    )
    error = refused(build_d02(twice_bhxh))
    assert (error.code, error.xpath) == ("SCH007", row_xpath(2, "MaSoBHXH"))


def test_structure_faults() -> None:
    xml = build_d02(report_with(employee(1)))
    error = refused(
        edit(xml, "/ToKhai/DanhSach/LaoDong", lambda node: node.getparent().remove(node))
    )
    assert (error.code, error.xpath) == ("SCH005", "/ToKhai/DanhSach/LaoDong")

    def extra_child(node) -> None:
        etree.SubElement(node, "Luong").text = "1"

    error = refused(edit(xml, "/ToKhai/DanhSach/LaoDong", extra_child))
    assert (error.code, error.xpath) == ("SCH006", "/ToKhai/DanhSach/LaoDong[1]/*[11]")

    def stray(node) -> None:
        etree.SubElement(node, "Tong").text = "1"

    error = refused(edit(xml, "/ToKhai/DanhSach", stray))
    assert (error.code, error.xpath) == ("SCH006", "/ToKhai/DanhSach/*[2]")
    error = refused(b"<BaoCao/>")
    assert (error.code, error.xpath) == ("SCH006", "/*")
