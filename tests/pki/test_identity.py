"""Who a certificate names (UID=MST:/CCCD:/CMND:...) and the IDN001/IDN002 binding checks."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509

from ebhxh.pki.demo import DemoPki
from ebhxh.pki.errors import CertificateError
from ebhxh.pki.identity import identity_of, require_citizen_id, require_tax_code, uid_values
from ebhxh.pki.loading import fingerprint_sha256
from ebhxh.pki.types import ValidatedCertificate
from ebhxh.pki.validation import CertificateValidator
from tests.pki.support import issue, name

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def certificate(
    *uids: str, common_name: str = "Holder (TEST)", organization: str | None = None
) -> x509.Certificate:
    """Identity parsing needs no chain: a self-signed certificate carries the subject."""
    return issue(
        name(common_name, *uids, organization=organization),
        issuer=None,
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=1),
    ).certificate


def validated(cert: x509.Certificate) -> ValidatedCertificate:
    return ValidatedCertificate(
        certificate=cert,
        chain=(cert,),
        identity=identity_of(cert),
        fingerprint_sha256=fingerprint_sha256(cert),
        validated_at=NOW,
    )


def code_of(call: Callable[..., object], *args: object) -> str:
    with pytest.raises(CertificateError) as caught:
        call(*args)
    return caught.value.code


def test_demo_organisation_identity(demo_pki: DemoPki) -> None:
    identity = identity_of(demo_pki.certificate("hoa-binh"))
    assert identity.common_name == "CÔNG TY CỔ PHẦN ĐẦU TƯ THƯƠNG MẠI HOÀ BÌNH (DEMO)"
    assert identity.organization == identity.common_name
    assert identity.tax_code == "0109123458"
    assert identity.citizen_id is None
    assert "UID=MST:0109123458" in identity.subject


def test_demo_individual_identity(demo_pki: DemoPki) -> None:
    identity = identity_of(demo_pki.certificate("nguyen-thi-huong"))
    assert identity.common_name == "Nguyễn Thị Hương (DEMO)"
    assert identity.citizen_id == "001190012345"
    assert identity.tax_code is None
    assert identity.organization is None


@pytest.mark.parametrize(
    ("uid", "expected"),
    [
        ("MST:0100109106", "0100109106"),
        ("mst:0100109106", "0100109106"),
        ("MST: 0100109106", "0100109106"),
        ("MST=0100109106", "0100109106"),
        (" MST : 0100 109 106 ", "0100109106"),
        ("MST:0100109106-001", "0100109106-001"),
        ("MST:0100109106001", "0100109106-001"),
        ("MST:０１００１０９１０６", "0100109106"),  # full-width digits from some Windows tools
        ("MST:0100109107", "0100109107"),  # wrong check digit: kept as written
    ],
)
def test_tax_code_spellings_are_normalised(uid: str, expected: str) -> None:
    assert identity_of(certificate(uid)).tax_code == expected


def test_decomposed_vietnamese_names_are_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Trần  Văn Đức")
    identity = identity_of(certificate(common_name=decomposed, organization=decomposed))
    assert identity.common_name == "Trần Văn Đức"
    assert identity.organization == "Trần Văn Đức"


def test_personal_and_company_ids_on_one_certificate() -> None:
    both = certificate("MST:0100109106", "CCCD:001190012345")
    identity = identity_of(both)
    assert (identity.tax_code, identity.citizen_id) == ("0100109106", "001190012345")
    assert uid_values(both) == {"tax_code": ("0100109106",), "citizen_id": ("001190012345",)}


def test_legacy_id_is_the_citizen_id_only_without_a_cccd() -> None:
    assert identity_of(certificate("CMND:123456789")).citizen_id == "123456789"
    assert identity_of(certificate("CMT:123456789")).citizen_id == "123456789"
    assert identity_of(certificate("CMND:123456789", "CCCD:001190012345")).citizen_id == (
        "001190012345"
    )


def test_contradictory_values_name_no_one() -> None:
    identity = identity_of(
        certificate("MST:0100109106", "MST:0101243150", "CCCD:001190012345", "CCCD:079085004321")
    )
    assert identity.tax_code is None
    assert identity.citizen_id is None
    # Two CCCDs are not settled by falling back to an old CMND number.
    two_and_old = certificate("CCCD:001190012345", "CCCD:079085004321", "CMND:123456789")
    assert identity_of(two_and_old).citizen_id is None


def test_repeated_values_count_once() -> None:
    assert identity_of(certificate("MST:0100109106", "MST: 0100109106")).tax_code == "0100109106"


def test_other_and_unknown_uids_are_kept_apart_or_ignored() -> None:
    odd = certificate("HC:B1234567", "MNS:1234567", "XYZ:1", "no prefix")
    assert uid_values(odd) == {"passport": ("B1234567",), "budget_code": ("1234567",)}
    identity = identity_of(odd)
    assert (identity.tax_code, identity.citizen_id) == (None, None)


def test_certificate_without_uid_or_common_name() -> None:
    bare = issue(
        x509.Name([x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Org (TEST)")]),
        issuer=None,
        not_before=NOW,
        not_after=NOW + timedelta(days=1),
    ).certificate
    identity = identity_of(bare)
    assert identity.common_name == ""
    assert identity.tax_code is None


# --- IDN001 -------------------------------------------------------------------------------------


def test_matching_tax_code_passes_in_any_spelling() -> None:
    holder = validated(certificate("MST:0100109106-001"))
    require_tax_code(holder, "0100109106-001")
    require_tax_code(holder, " 0100109106001 ")


def test_parent_company_certificate_does_not_sign_for_its_branch() -> None:
    parent = validated(certificate("MST:0100109106"))
    assert code_of(require_tax_code, parent, "0100109106-001") == "IDN001"


def test_branch_certificate_does_not_sign_for_its_parent() -> None:
    branch = validated(certificate("MST:0100109106-001"))
    assert code_of(require_tax_code, branch, "0100109106") == "IDN001"


def test_other_unit_is_idn001_with_both_codes_in_the_detail() -> None:
    other = validated(certificate("MST:0101243150"))
    with pytest.raises(CertificateError) as caught:
        require_tax_code(other, "0100109106", xpath="/Hoso/NoiDung/ThongTinDonVi/MaSoThue")
    assert caught.value.code == "IDN001"
    assert "0101243150" in caught.value.detail and "0100109106" in caught.value.detail
    assert caught.value.xpath == "/Hoso/NoiDung/ThongTinDonVi/MaSoThue"


def test_personal_certificate_or_ambiguous_one_is_idn001() -> None:
    assert (
        code_of(require_tax_code, validated(certificate("CCCD:001190012345")), "0100109106")
        == "IDN001"
    )
    ambiguous = validated(certificate("MST:0100109106", "MST:0101243150"))
    assert code_of(require_tax_code, ambiguous, "0100109106") == "IDN001"


def test_invalid_declared_tax_code_never_matches_a_valid_one() -> None:
    holder = validated(certificate("MST:0100109106"))
    assert code_of(require_tax_code, holder, "0100109107") == "IDN001"


def test_demo_branch_and_parent_certificates(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    branch = demo_validator.validate(demo_pki.certificate("sao-mai-hcm"))
    parent = demo_validator.validate(demo_pki.certificate("sao-mai-vnpt"))
    require_tax_code(branch, "0109234567-001")
    require_tax_code(parent, "0109234567")
    assert code_of(require_tax_code, branch, "0109234567") == "IDN001"
    assert code_of(require_tax_code, parent, "0109234567-001") == "IDN001"


# --- IDN002 -------------------------------------------------------------------------------------


def test_matching_citizen_id_passes() -> None:
    require_citizen_id(validated(certificate("CCCD:001190012345")), " 001190012345 ")


def test_other_person_is_idn002() -> None:
    with pytest.raises(CertificateError) as caught:
        require_citizen_id(validated(certificate("CCCD:001190012345")), "079085004321", xpath="/x")
    assert (caught.value.code, caught.value.xpath) == ("IDN002", "/x")
    assert "079085004321" in caught.value.detail


def test_certificate_without_personal_id_is_idn002() -> None:
    assert (
        code_of(require_citizen_id, validated(certificate("MST:0100109106")), "001190012345")
        == "IDN002"
    )


def test_old_cmnd_on_the_certificate_matches_a_declared_cmnd() -> None:
    holder = validated(certificate("CMND:123456789", "CCCD:001190012345"))
    require_citizen_id(holder, "123456789")
    require_citizen_id(holder, "001190012345")
