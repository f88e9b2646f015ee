"""Registration forms (04/ĐK-IVAN, 05/SD-IVAN, 06/NG-IVAN, TK3-TS): round trips through their
codecs, signed and unsigned, and each fault with its code and XPath."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from ebhxh.dossiers import DossierFormatError, Envelope, FormFile, IvanInfo, UnitInfo
from ebhxh.dossiers.forms import codec_for
from ebhxh.dossiers.forms import registration as forms
from ebhxh.pki.demo import p12_password
from ebhxh.signers.software import Pkcs12Signer
from ebhxh.xmldsig import FORM, sign_xml, verify_xml

REGISTER = forms.EserviceRegistrationForm(
    unit_code="TA0123K",
    unit_name="Công ty TNHH Công nghệ Sao Mai",
    tax_code="0109234567",
    ivan_code="00110",
    contact_name="Nguyễn Thị Kế Toán",
    contact_email="ketoan@saomai.vn",
    contact_phone="0912345678",
    registered_on=date(2026, 1, 5),
)
CHANGE = forms.EserviceChangeForm(
    unit_code="TA0123K",
    tax_code="0109234567",
    ivan_code="00110",
    changed_on=date(2026, 1, 6),
    contact_email="nhansu@saomai.vn",
)
STOP = forms.EserviceStopForm(
    unit_code="TA0123K",
    tax_code="0109234567",
    ivan_code="00110",
    target_channel=forms.StopChannel.IVAN,
    target_ivan_code="00020",
    reason="Chuyển nhà cung cấp",
    stopped_on=date(2026, 1, 7),
)
FIRST_TIME = forms.UnitCodeRequestForm(
    unit_name="Công ty Cổ phần Hoà Bình",
    tax_code="0109123458",
    address="Số 1 Trần Duy Hưng, Hà Nội",
    province_code="01",
    managing_agency="01001",
    target_group="DN",
    business_type="A03",
    contact_name="Trần Văn Giám Đốc",
    contact_email="giamdoc@hoabinh.vn",
    contact_phone="0987654321",
    declared_on=date(2026, 1, 5),
)
CASES = [
    (forms.REGISTER, REGISTER),
    (forms.CHANGE, CHANGE),
    (forms.STOP, STOP),
    (forms.FIRST_TIME, FIRST_TIME),
]


def refused(code: str, xml: bytes) -> DossierFormatError:
    with pytest.raises(DossierFormatError) as caught:
        codec_for(code).parse(xml)  # type: ignore[union-attr]
    return caught.value


def with_field(xml: bytes, tag: str, value: str) -> bytes:
    start = xml.index(f"<{tag}>".encode()) + len(tag) + 2
    end = xml.index(f"</{tag}>".encode())
    return xml[:start] + value.encode() + xml[end:]


@pytest.mark.parametrize(("code", "content"), CASES)
def test_round_trip(code, content):
    codec = codec_for(code)
    assert codec is not None and codec.content_type is type(content)
    assert codec.parse(codec.build(content)) == content


@pytest.mark.parametrize(("code", "content"), CASES)
def test_a_signed_form_still_reads_and_verifies(code, content, demo_pki):
    codec = codec_for(code)
    signer = Pkcs12Signer.from_file(
        demo_pki.path(demo_pki.entity("sao-mai-vnpt").files.pkcs12), p12_password("sao-mai-vnpt")
    )
    signed = sign_xml(codec.build(content), signer, location=FORM)
    assert codec.parse(signed) == content
    assert verify_xml(signed, checker=demo_pki.validator(), location=FORM).validated


def test_change_may_carry_a_new_certificate_or_nothing(demo_pki):
    der = demo_pki.certificate("sao-mai-viettel").public_bytes(Encoding.DER)
    with_certificate = replace(CHANGE, certificate_der=der)
    assert forms.parse_change(forms.build_change(with_certificate)) == with_certificate
    confirmation = replace(CHANGE, contact_email="")  # "Cập nhật" after the code is issued
    assert forms.parse_change(forms.build_change(confirmation)) == confirmation
    bad = with_field(forms.build_change(with_certificate), "ChungThuSoMoi", "AAAA")
    assert refused(forms.CHANGE, bad).xpath == "/ToKhaiThayDoiIVAN/ChungThuSoMoi"


def test_portal_stop_names_no_ivan():
    portal = replace(STOP, target_channel=forms.StopChannel.PORTAL, target_ivan_code="")
    assert forms.parse_stop(forms.build_stop(portal)) == portal
    xml = forms.build_stop(replace(portal, target_ivan_code="00020"))
    error = refused(forms.STOP, xml)
    assert (error.code, error.xpath) == ("SCH007", "/ToKhaiNgungIVAN/MaIVANNgung")


def test_ivan_stop_needs_the_ivan_it_stops():
    xml = forms.build_stop(replace(STOP, target_ivan_code=""))
    error = refused(forms.STOP, xml)
    assert (error.code, error.xpath) == ("SCH005", "/ToKhaiNgungIVAN/MaIVANNgung")


@pytest.mark.parametrize(
    ("code", "content", "tag", "value", "expected"),
    [
        (forms.REGISTER, REGISTER, "EmailLienHe", "ketoan.saomai.vn", "SCH007"),
        (forms.REGISTER, REGISTER, "DienThoaiLienHe", "12345", "SCH007"),
        (forms.REGISTER, REGISTER, "MaSoThue", "0109234568", "SCH007"),
        (forms.REGISTER, REGISTER, "MaDonVi", "", "SCH005"),
        (forms.REGISTER, REGISTER, "NgayDangKy", "2026-01-05", "SCH007"),
        (forms.STOP, STOP, "KenhNgung", "EMAIL", "SCH007"),
        (forms.STOP, STOP, "LyDoNgung", "", "SCH005"),
        (forms.FIRST_TIME, FIRST_TIME, "NhomDoiTuong", "XX", "SCH007"),
        (forms.FIRST_TIME, FIRST_TIME, "LoaiHinh", "3A", "SCH007"),
        (forms.FIRST_TIME, FIRST_TIME, "MaTinh", "1", "SCH007"),
        (forms.FIRST_TIME, FIRST_TIME, "MaCoQuanQuanLy", "79001", "SCH007"),
    ],
)
def test_each_fault_points_at_its_field(code, content, tag, value, expected):
    codec = codec_for(code)
    error = refused(code, with_field(codec.build(content), tag, value))
    assert (error.code, error.xpath) == (expected, f"/{codec.root}/{tag}")
    assert error.detail  # says what is wrong, in Vietnamese


def test_unknown_element_and_wrong_root_are_refused():
    xml = forms.build_registration(REGISTER).replace(b"<Cky/>", b"<Thua>x</Thua><Cky/>")
    assert refused(forms.REGISTER, xml).code == "SCH006"
    error = refused(forms.REGISTER, forms.build_stop(STOP))
    assert (error.code, error.xpath) == ("SCH006", "/*")
    assert refused(forms.REGISTER, b"<ToKhaiDangKyIVAN>").code == "SCH001"


def envelope_of(code: str, form: bytes, **unit: str) -> Envelope:
    procedure = forms.FIRST_TIME_PROCEDURE if code == forms.FIRST_TIME else code
    defaults = {
        "name": "x",
        "unit_code": "" if code == forms.FIRST_TIME else "TA0123K",
        "tax_code": "0109123458" if code == forms.FIRST_TIME else "0109234567",
        "signer_name": "x",
        "managing_agency": "01001" if code == forms.FIRST_TIME else "",
    }
    return Envelope(
        ivan=IvanInfo(code="00110", name="MISA"),
        unit=UnitInfo(**{**defaults, **unit}),
        procedure_code=procedure,
        procedure_name="x",
        period="01/2026",
        created_on=date(2026, 1, 5),
        files=(FormFile(form_code=code, description="", file_name="f.xml", content=form),),
    )


@pytest.mark.parametrize(("code", "content"), CASES)
def test_the_shared_validator_reads_the_form_of_the_procedure(code, content):
    form = codec_for(code).build(content)
    assert forms.read_registration_form(envelope_of(code, form)) == content


@pytest.mark.parametrize(
    ("code", "content", "unit", "xpath"),
    [
        (forms.REGISTER, REGISTER, {"unit_code": "YN0456B"}, "/ToKhaiDangKyIVAN/MaDonVi"),
        (forms.STOP, STOP, {"tax_code": "0109123458"}, "/ToKhaiNgungIVAN/MaSoThue"),
        (forms.FIRST_TIME, FIRST_TIME, {"managing_agency": "01002"}, "/ToKhaiTK3TS/MaCoQuanQuanLy"),
    ],
)
def test_the_form_must_name_what_the_envelope_names(code, content, unit, xpath):
    form = codec_for(code).build(content)
    with pytest.raises(DossierFormatError) as caught:
        forms.read_registration_form(envelope_of(code, form, **unit))
    assert (caught.value.code, caught.value.xpath) == ("SCH007", xpath)


def test_the_form_must_name_the_ivan_that_carries_it():
    form = forms.build_registration(replace(REGISTER, ivan_code="00020"))
    with pytest.raises(DossierFormatError) as caught:
        forms.read_registration_form(envelope_of(forms.REGISTER, form))
    assert caught.value.xpath == "/ToKhaiDangKyIVAN/MaIVAN"
