"""Database constraints keep the agency tree's shape even against a careless writer."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from ebhxh.reference.models import Agency, AgencyWard

pytestmark = pytest.mark.django_db


def _refused(agency: Agency) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        agency.save(force_insert=True)


def test_only_one_national_agency() -> None:
    _refused(Agency(code="00001", name="Thứ hai", level="national", data_source="test"))


def test_national_agency_has_no_province_or_parent() -> None:
    _refused(
        Agency(code="00002", name="Sai", level="national", province_id="01", data_source="test")
    )


def test_provincial_and_local_agencies_need_a_parent_and_province() -> None:
    _refused(Agency(code="01900", name="Mồ côi", level="local", province_id="01", data_source="t"))
    _refused(
        Agency(code="01901", name="Vô tỉnh", level="local", parent_id="01000", data_source="t")
    )


def test_one_provincial_agency_per_province() -> None:
    _refused(
        Agency(
            code="01999",
            name="BHXH Hà Nội thứ hai",
            level="province",
            province_id="01",
            parent_id="00000",
            data_source="test",
        )
    )


def test_unknown_level_is_refused() -> None:
    _refused(
        Agency(
            code="01998",
            name="Cấp lạ",
            level="district",
            province_id="01",
            parent_id="01000",
            data_source="test",
        )
    )


def test_a_ward_cannot_get_a_second_agency() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AgencyWard.objects.create(ward_id="00070", agency_id="01002")
