"""The demo's registration walks (docs/ivan.md "Đăng ký dịch vụ"): the data `ebhxh demo` loads
lets a newcomer register Sao Mai, get CE007 for Hoà Bình and stop its VNPT provider, and have
Ba Đình's officer decide a unit-code request; loading again changes nothing."""

from __future__ import annotations

import pytest

from ebhxh.agency.portal import demo_data as portal_demo
from ebhxh.agency.registrations import demo_data as registrations_demo
from ebhxh.agency.registrations.models import EserviceRegistration, RegistrationStatus
from ebhxh.agency.registry import demo_data as registry_demo
from ebhxh.agency.registry.models import Officer
from ebhxh.agency.registry.models import Unit as AgencyUnit
from ebhxh.demo.token import HOLDERS as TOKEN_HOLDERS
from ebhxh.ivan import demo_data as ivan_demo
from ebhxh.ivan.enrolment import selectors, services
from ebhxh.ivan.filings.models import FilingState
from ebhxh.ivan.models import Membership, ServiceState, Unit
from ebhxh.pki.demo import DemoPki
from tests.ivan.registration.conftest import CONTACT, set_token

pytestmark = pytest.mark.django_db


def load_demo(log: list[str]) -> None:
    """The demo's loaders in `ebhxh.demo.data.load_all` order (INSTALLED_APPS)."""
    for module in (registry_demo, registrations_demo, portal_demo, ivan_demo):
        module.load(log=log.append)


@pytest.fixture
def demo(ivan_gateway, settings) -> list[str]:
    """`ivan_gateway` points the demo at the session's demo PKI and connects 00110."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    said: list[str] = []
    load_demo(said)
    return said


def ivan_unit(tax_code: str) -> Unit:
    return Unit.objects.select_related("company").get(tax_code=tax_code)


def admin_of(unit: Unit) -> Membership:
    return Membership.objects.get(company=unit.company, role="admin")


def test_the_agency_knows_hoa_binh_active_with_vnpt_and_sao_mai_free(demo):
    hoa_binh = AgencyUnit.objects.get(unit_code="0109123458DNA01")
    [registration] = EserviceRegistration.objects.filter(unit=hoa_binh)
    assert registration.status == RegistrationStatus.ACTIVE
    assert registration.ivan is not None and registration.ivan.provider_id == "00020"
    assert not EserviceRegistration.objects.filter(unit__unit_code="TA0123K").exists()
    officer = Officer.objects.get(user__username="canbo.badinh")
    assert officer.agency_id == "01001"
    assert any("0109123458DNA01 (I-VAN 00020)" in line for line in demo)


def test_loading_again_changes_nothing_even_after_the_old_provider_was_stopped(demo):
    counts = (
        EserviceRegistration.objects.count(),
        AgencyUnit.objects.count(),
        Unit.objects.count(),
        Officer.objects.count(),
    )
    again: list[str] = []
    load_demo(again)
    assert again == []
    assert counts == (
        EserviceRegistration.objects.count(),
        AgencyUnit.objects.count(),
        Unit.objects.count(),
        Officer.objects.count(),
    )
    # the newcomer stopped VNPT in the demo: a restart must not bring it back
    EserviceRegistration.objects.update(status=RegistrationStatus.STOPPED)
    load_demo(again)
    assert not EserviceRegistration.objects.filter(status=RegistrationStatus.ACTIVE).exists()


def test_the_walkable_units_match_certificates_on_the_demo_token(demo, demo_pki: DemoPki):
    on_token = {demo_pki.entity(slug).tax_code: slug for slug in TOKEN_HOLDERS}
    sao_mai = ivan_unit("0109234567")
    hoa_binh = ivan_unit("0109123458")
    assert (sao_mai.unit_code, hoa_binh.unit_code) == ("TA0123K", "0109123458DNA01")
    assert hoa_binh.company.tax_code == ivan_demo.HOA_BINH
    for unit in (sao_mai, hoa_binh):
        agency_unit = AgencyUnit.objects.get(unit_code=unit.unit_code)
        assert agency_unit.tax_code == unit.tax_code
        assert unit.tax_code in on_token
    long_bien = ivan_unit("0109234567-002")
    view = selectors.enrolment(long_bien, has_signature=True)
    assert (long_bien.province_id, view.step) == ("01", selectors.Step.REQUEST_CODE)
    assert "01001" in {agency.code for agency in services.local_agencies("01")}


def test_the_first_time_branch_has_a_certificate_on_the_demo_token(demo, demo_pki: DemoPki):
    on_token = {demo_pki.entity(slug).tax_code for slug in TOKEN_HOLDERS}
    assert ivan_unit("0109234567-002").tax_code in on_token


def test_sao_mai_registers_and_hoa_binh_is_refused_ce007_with_vnpt_named(
    demo, holder, sign_and_submit
):
    sao_mai = ivan_unit("0109234567")
    admin = admin_of(sao_mai)
    set_token(admin, sao_mai, holder("sao-mai-vnpt"))
    filing = services.registration_prepare(
        by=admin, unit=sao_mai, data=services.ContactInput(**CONTACT)
    )
    filing = sign_and_submit(admin, filing, "sao-mai-vnpt")
    assert filing.state == FilingState.PROCESSING, filing.result_message

    hoa_binh = ivan_unit("0109123458")
    admin = admin_of(hoa_binh)
    set_token(admin, hoa_binh, holder("hoa-binh"))
    filing = services.registration_prepare(
        by=admin, unit=Unit.objects.get(pk=hoa_binh.pk), data=services.ContactInput(**CONTACT)
    )
    filing = sign_and_submit(admin, filing, "hoa-binh")
    assert (filing.state, filing.result_code) == (FilingState.REFUSED, "CE007")
    hoa_binh = Unit.objects.get(pk=hoa_binh.pk)
    assert hoa_binh.service_state == ServiceState.REFUSED
    provider = services.previous_provider(by=admin, unit=hoa_binh)
    assert provider is not None and (provider.channel, provider.ivan_code) == ("ivan", "00020")
    stop = services.stop_prepare(by=admin, unit=hoa_binh, reasons=[services.STOP_REASONS[0]])
    stop = sign_and_submit(admin, stop, "hoa-binh")
    assert stop.state == FilingState.ACCEPTED, stop.result_message
    again = services.registration_resubmit(by=admin, unit=hoa_binh)
    again = sign_and_submit(admin, again, "hoa-binh")
    assert again.state == FilingState.PROCESSING, again.result_message
