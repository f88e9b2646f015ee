"""What the data migration leaves in the database: the administrative units and the agency
tree, with every ward served by exactly one local agency of its own province."""

from __future__ import annotations

import re
import time

import pytest
from django.db.models import Count
from vietnam_provinces import Province as VnProvince
from vietnam_provinces import Ward as VnWard

from ebhxh.reference.datafiles import normalise_name
from ebhxh.reference.loader import load_reference
from ebhxh.reference.models import (
    Agency,
    AgencyWard,
    IvanProvider,
    Procedure,
    Province,
    RejectionCode,
    Ward,
)

pytestmark = pytest.mark.django_db


def test_34_provinces_with_two_digit_codes_from_the_package() -> None:
    expected = {f"{int(p.code):02d}": p.name for p in VnProvince.iter_all()}
    assert len(expected) == 34
    assert dict(Province.objects.values_list("code", "name")) == expected
    hanoi = Province.objects.get(code="01")
    assert hanoi.name == "Thành phố Hà Nội"
    assert hanoi.division_type == Province.DivisionType.CITY
    assert hanoi.codename == "ha_noi"


def test_every_ward_of_the_package_is_loaded_with_its_province() -> None:
    expected = {
        f"{int(w.code):05d}": (normalise_name(w.name), f"{int(w.province_code):02d}")
        for w in VnWard.iter_all()
    }
    loaded = {
        code: (name, province)
        for code, name, province in Ward.objects.values_list("code", "name", "province_id")
    }
    assert len(loaded) == 3321
    assert loaded == expected
    assert Ward.objects.get(code="00070").division_type == Ward.DivisionType.WARD
    assert Ward.objects.get(code="26536").name == "Phường Rạch Dừa"  # "Phường  Rạch Dừa" upstream


def test_national_root() -> None:
    national = Agency.objects.get(level=Agency.Level.NATIONAL)
    assert national.code == "00000"
    assert national.name == "Bảo hiểm xã hội Việt Nam"
    assert national.parent is None
    assert national.province is None


def test_one_provincial_agency_per_province_named_after_it() -> None:
    provincial = Agency.objects.filter(level=Agency.Level.PROVINCE).select_related("province")
    assert provincial.count() == 34
    for agency in provincial:
        assert agency.province is not None
        assert agency.code == f"{agency.province.code}000"
        assert agency.name == f"Bảo hiểm xã hội {agency.province.name}"
        assert agency.parent_id == "00000"
    assert Agency.objects.get(code="01000").name == "Bảo hiểm xã hội Thành phố Hà Nội"


def test_local_agency_codes_are_five_digits_under_their_province() -> None:
    locals_ = list(Agency.objects.filter(level=Agency.Level.LOCAL))
    assert locals_
    codes = [agency.code for agency in locals_]
    assert len(codes) == len(set(codes))
    for agency in locals_:
        assert re.fullmatch(r"\d{5}", agency.code)
        assert agency.code[:2] == agency.province_id
        assert agency.code[2:] != "000"
        assert agency.parent_id == f"{agency.province_id}000"
        assert agency.name.startswith("Bảo hiểm xã hội cơ sở ")
        assert agency.is_active


def test_every_ward_is_served_by_exactly_one_local_agency_of_its_province() -> None:
    assert AgencyWard.objects.count() == Ward.objects.count()
    assert not Ward.objects.filter(agency_link__isnull=True).exists()
    for link in AgencyWard.objects.select_related("ward", "agency"):
        assert link.agency.level == Agency.Level.LOCAL
        assert link.agency.province_id == link.ward.province_id


def test_every_local_agency_serves_at_least_one_ward() -> None:
    idle = Agency.objects.filter(level=Agency.Level.LOCAL).annotate(n=Count("ward_links"))
    assert not idle.filter(n=0).exists()
    assert not Agency.objects.exclude(level=Agency.Level.LOCAL).filter(ward_links__isnull=False)


def test_catalogues_are_loaded() -> None:
    assert IvanProvider.objects.count() == 12
    assert Procedure.objects.filter(code="04/ĐK-IVAN").exists()
    assert RejectionCode.objects.filter(code__in=["CE007", "CE044"]).count() == 2


def test_a_full_load_into_empty_tables_is_fast() -> None:
    AgencyWard.objects.all().delete()
    for level in (Agency.Level.LOCAL, Agency.Level.PROVINCE, Agency.Level.NATIONAL):
        Agency.objects.filter(level=level).delete()
    for model in (Ward, Province, IvanProvider, Procedure, RejectionCode):
        model.objects.all().delete()
    started = time.perf_counter()
    report = load_reference()
    elapsed = time.perf_counter() - started
    assert report.tables["Ward"].created == 3321
    assert report.tables["AgencyWard"].created == 3321
    assert elapsed < 10
