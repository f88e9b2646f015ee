"""The organisation-account pages through Django's test client: the choice, field errors
from the form and the registry next to their fields, the activation page's refusals in
Vietnamese with their codes, and officers seeing only their office's forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ebhxh.agency.portal import organisation_services as services
from ebhxh.agency.portal.models import OrganisationRegistration, OrganisationStatus
from tests.agency.portal import organisation_support as org
from tests.agency.portal import support

pytestmark = pytest.mark.django_db


@pytest.fixture
def sao_mai(db):
    return org.unit()


def form_data(**changes: str) -> dict[str, str]:
    return {
        **org.SAO_MAI,
        "province": "01",
        "uses_certificate": "on",
        "confirm": "on",
        **changes,
    }


def test_the_choice_leads_to_the_organisation_form_or_the_individual_one(client):
    url = reverse("portal:register_choose")
    assert "Cơ quan/Tổ chức" in client.get(url).content.decode()
    assert client.post(url, {"kind": "organisation"}).url == reverse("portal:organisation_register")
    assert client.post(url, {"kind": "individual"}).url == reverse("portal:registration_start")
    assert "Chọn Cơ quan/Tổ chức hoặc Cá nhân" in client.post(url, {}).content.decode()


def test_field_errors_show_next_to_their_fields_and_nothing_is_stored(client, sao_mai):
    url = reverse("portal:organisation_register")
    html = client.post(
        url, form_data(unit_code="TA01", phone="12345", email="x", confirm="")
    ).content.decode()
    for code in ("UNIT_CODE", "PHONE", "ORG_EMAIL"):
        assert f'data-code="{code}' in html
    assert "Tích chọn ô “Xác nhận đăng ký”" in html
    other_office = client.post(url, form_data(agency_code="01002")).content.decode()
    assert 'data-code="ORG_UNIT_OTHER_AGENCY"' in other_office
    wrong_province = client.post(url, form_data(province="79")).content.decode()
    assert "không thuộc tỉnh, thành phố đã chọn" in wrong_province
    assert "Traceback" not in html + other_office + wrong_province
    assert not OrganisationRegistration.objects.exists()


def test_with_a_certificate_the_form_leads_to_signing(client, sao_mai, trusted_pki):
    response = client.post(reverse("portal:organisation_register"), form_data())
    assert response.url == reverse("portal:organisation_sign")
    page = client.get(response.url).content.decode()
    assert "0109234567" in page and "Ký số từ xa" in page and "Thay đổi" in page
    # A certificate of another MST is refused before any PIN (IDN001).
    import base64

    from cryptography.hazmat.primitives.serialization import Encoding

    der = trusted_pki.certificate("song-hau").public_bytes(Encoding.DER)
    refused = client.post(
        response.url,
        {"action": "prepare", "certificate": base64.b64encode(der).decode()},
        content_type="application/json",
    )
    assert refused.status_code == 409 and refused.json()["code"] == "IDN001"


def test_without_a_certificate_the_form_is_declared_with_its_pdf(client, sao_mai):
    response = client.post(
        reverse("portal:organisation_register"), form_data(uses_certificate=""), follow=True
    )
    registration = OrganisationRegistration.objects.get()
    assert registration.status == OrganisationStatus.DECLARED
    html = response.content.decode()
    assert registration.tracking_number in html and 'id="print-pdf"' in html
    pdf = client.get(reverse("portal:organisation_pdf", args=[registration.public_id]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_activation_page_completes_and_explains_refusals(client, sao_mai, trusted_pki):
    registration = services.organisation_submit_signed(signed_xml=org.signed(trusted_pki))
    url = reverse("portal:organisation_activate", args=[registration.public_id])
    assert "Mã xác nhận" in client.get(url).content.decode()
    bad = client.post(url, {"code": "1234"}).content.decode()
    assert 'data-code="ORG_CODE_FORMAT"' in bad
    wrong = client.post(url, {"code": "AAAA-AAAA"}).content.decode()
    assert "REG004" in wrong and "Còn 4 lần thử" in wrong and "Traceback" not in wrong
    resent = client.post(url, {"gui-lai": "1"}, follow=True).content.decode()
    assert "Đã gửi mã xác nhận mới" in resent
    done = client.post(url, {"code": org.last_code()}, follow=True).content.decode()
    assert "Đã hoàn tất thủ tục" in done and 'id="registration-status"' in done
    again = client.get(url).content.decode()
    assert "Đã cấp tài khoản" in again


def test_officers_see_only_their_office(client, sao_mai):
    registration = services.organisation_declare(application=org.application())
    other = support.officer(username="canbo.caugiay", agency="01002", password="x")
    client.force_login(other.user)
    queue = client.get(reverse("portal:officer_organisations")).content.decode()
    assert registration.tracking_number not in queue
    detail = reverse("portal:officer_organisation_detail", args=[registration.tracking_number])
    assert client.get(detail).status_code == 404
    mine = support.officer()
    client.force_login(mine.user)
    assert (
        registration.tracking_number
        in client.get(reverse("portal:officer_organisations")).content.decode()
    )
    refused = client.post(
        reverse("portal:officer_organisation_refuse", args=[registration.tracking_number]),
        {"reason": "ngắn"},
    )
    assert refused.status_code == 400 and "PORTAL_REASON_REQUIRED" in refused.content.decode()
    accepted = client.post(
        reverse("portal:officer_organisation_accept", args=[registration.tracking_number]),
        follow=True,
    ).content.decode()
    assert "Đã chấp nhận tờ khai" in accepted
