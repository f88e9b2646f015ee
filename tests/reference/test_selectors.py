"""Reads of the reference tables."""

from __future__ import annotations

import pytest

from ebhxh.reference import selectors
from ebhxh.reference.models import Agency, IvanProvider, Ward

pytestmark = pytest.mark.django_db

KNOWN_IVANS = {
    "00001": "TS24",
    "00020": "VNPT",
    "00030": "EFY",
    "00040": "Thái Sơn",
    "00050": "Viettel",
    "00060": "Bkav",
    "00070": "CMC",
    "00080": "VNPost",
    "00100": "CyberLotus",
    "00110": "MISA",
    "00113": "iCare",
    "00115": "1Office",
}


def test_provinces() -> None:
    provinces = list(selectors.provinces())
    assert len(provinces) == 34
    assert provinces[0].code == "01"
    assert [p.code for p in provinces] == sorted(p.code for p in provinces)
    assert selectors.province("79").name == "Thành phố Hồ Chí Minh"


def test_wards_of() -> None:
    wards = list(selectors.wards_of("01"))
    assert len(wards) == 126
    assert all(ward.province_id == "01" for ward in wards)
    assert [w.code for w in wards] == sorted(w.code for w in wards)
    assert not selectors.wards_of("99").exists()


def test_ward() -> None:
    ward = selectors.ward("00070")
    assert ward.name == "Phường Hoàn Kiếm"
    assert ward.province.name == "Thành phố Hà Nội"
    with pytest.raises(Ward.DoesNotExist):
        selectors.ward("99999")


def test_national_and_provincial_agencies() -> None:
    assert selectors.national_agency().code == "00000"
    hcm = selectors.provincial_agency("79")
    assert hcm.code == "79000"
    assert hcm.name == "Bảo hiểm xã hội Thành phố Hồ Chí Minh"


def test_agencies_in_lists_active_locals_of_the_province() -> None:
    locals_ = list(selectors.agencies_in("01"))
    assert locals_
    assert all(a.level == Agency.Level.LOCAL and a.province_id == "01" for a in locals_)
    assert [a.code for a in locals_] == sorted(a.code for a in locals_)
    assert locals_[0].code == "01001"

    Agency.objects.filter(code="01001").update(is_active=False)
    assert "01001" not in {a.code for a in selectors.agencies_in("01")}


def test_agency_for_ward() -> None:
    agency = selectors.agency_for_ward("00070")
    assert agency.level == Agency.Level.LOCAL
    assert agency.province_id == "01"
    assert "00070" in {w.code for w in selectors.wards_served_by(agency.code)}
    assert agency.wards.filter(code="00070").exists()
    assert agency.wards.count() == selectors.wards_served_by(agency.code).count()
    with pytest.raises(Agency.DoesNotExist):
        selectors.agency_for_ward("99999")


def test_agency_for_every_ward_of_a_province_is_one_of_its_locals() -> None:
    locals_ = {a.code for a in selectors.agencies_in("46")}
    for ward in selectors.wards_of("46"):
        assert selectors.agency_for_ward(ward.code).code in locals_


def test_agency_lookup() -> None:
    agency = selectors.agency("01000")
    assert agency.parent is not None and agency.parent.code == "00000"
    with pytest.raises(Agency.DoesNotExist):
        selectors.agency("12345")


def test_agency_tree() -> None:
    root = selectors.agency_tree()
    assert root.agency.code == "00000"
    assert len(root.children) == 34
    total_locals = 0
    for provincial in root.children:
        assert provincial.agency.level == Agency.Level.PROVINCE
        assert provincial.children
        for local in provincial.children:
            assert local.agency.level == Agency.Level.LOCAL
            assert local.agency.province_id == provincial.agency.province_id
            assert local.children == ()
        total_locals += len(provincial.children)
    assert total_locals == Agency.objects.filter(level=Agency.Level.LOCAL).count()


def test_agency_tree_leaves_out_inactive_agencies() -> None:
    Agency.objects.filter(code="01001").update(is_active=False)
    hanoi = next(node for node in selectors.agency_tree().children if node.agency.code == "01000")
    assert "01001" not in {node.agency.code for node in hanoi.children}


def test_ivan_providers() -> None:
    providers = {p.code: p.short_name for p in selectors.ivan_providers()}
    assert providers == KNOWN_IVANS
    assert selectors.ivan_provider("00110").name == "Công ty Cổ phần MISA"

    IvanProvider.objects.filter(code="00113").update(is_active=False)
    assert "00113" not in {p.code for p in selectors.ivan_providers()}
    assert "00113" in {p.code for p in selectors.ivan_providers(active_only=False)}
    assert selectors.ivan_provider("00113").is_active is False
