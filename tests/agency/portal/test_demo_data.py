"""The portal's demo data: the demo PKI's individuals pass the automatic check, the demo
officer works at BHXH cơ sở Ba Đình, and loading twice changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from ebhxh.agency.portal import demo_data, services
from ebhxh.agency.portal.models import RegistrationStatus
from ebhxh.agency.registry.models import InsuredPerson, Officer
from tests.agency.portal import support

pytestmark = pytest.mark.django_db


def test_loading_twice_is_harmless():
    lines: list[str] = []
    demo_data.load(log=lines.append)
    demo_data.load(log=lines.append)
    assert InsuredPerson.objects.count() == 3
    officer = Officer.objects.get(user__username="canbo.badinh")
    assert officer.agency.code == "01001" and officer.user.is_staff
    username, password = demo_data.DEMO_OFFICER
    assert authenticate(username=username, password=password) == officer.user
    assert len(lines) == 2  # the second load had nothing to add


@pytest.mark.parametrize("slug", ["nguyen-thi-huong", "tran-van-duc", "le-hoang-phuc"])
def test_each_demo_certificate_registers_successfully(
    slug, trusted_pki, django_capture_on_commit_callbacks
):
    demo_data.load(log=lambda line: None)
    entity = trusted_pki.entity(slug)
    person = InsuredPerson.objects.get(citizen_id=entity.citizen_id)
    data = {
        "full_name": person.full_name,
        "birth_date": person.birth_date.isoformat(),
        "gender": person.gender,
        "citizen_id": person.citizen_id,
        "insurance_number": person.insurance_number,
        "phone": person.phone,
        "email": "",
        "address": "Địa chỉ trình diễn",
    }
    signed = support.signed_mau01(trusted_pki, data, slug=slug)
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.registration_submit_signed(signed_xml=signed)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ACCEPTED, registration.reasons
