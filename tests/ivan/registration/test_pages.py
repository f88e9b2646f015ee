"""The wizard's pages render each step and send the user to the engine's signing page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ebhxh.ivan.filings.models import Filing
from ebhxh.ivan.models import Role
from tests.ivan.registration.conftest import CONTACT, active_elsewhere

pytestmark = pytest.mark.django_db


def test_register_page_prepares_the_04_and_goes_to_signing(client, admin, sao_mai):
    client.force_login(admin.user)
    page = client.get(reverse("ivan:enrolment", args=[sao_mai.pk]))
    assert page.status_code == 200 and b'id="start-register"' in page.content
    answer = client.post(reverse("ivan:enrolment_register", args=[sao_mai.pk]), CONTACT)
    filing = Filing.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("ivan:filing_sign", args=[filing.pk])
    page = client.get(reverse("ivan:enrolment", args=[sao_mai.pk]))
    assert b'id="unsigned-filing"' in page.content


def test_register_page_shows_coded_errors(client, admin, sao_mai):
    client.force_login(admin.user)
    page = client.post(
        reverse("ivan:enrolment_register", args=[sao_mai.pk]),
        {**CONTACT, "contact_email": "sai"},
    )
    assert page.status_code == 200 and b'data-code="EMAIL_INVALID"' in page.content
    assert not Filing.objects.exists()


def test_service_info_page_lists_units_and_is_linked_from_settings(client, admin, sao_mai):
    client.force_login(admin.user)
    assert reverse("ivan:service_info").encode() in client.get(reverse("ivan:settings")).content
    page = client.get(reverse("ivan:service_info"))
    assert page.status_code == 200 and sao_mai.name.encode() in page.content


def test_stop_page_names_the_old_provider(
    client, admin, sao_mai, agency_sao_mai, demo_pki, sign_and_submit
):
    from ebhxh.ivan.enrolment import services

    active_elsewhere(demo_pki, agency_sao_mai)
    filing = services.registration_prepare(
        by=admin, unit=sao_mai, data=services.ContactInput(**CONTACT)
    )
    sign_and_submit(admin, filing, "sao-mai-vnpt")
    client.force_login(admin.user)
    page = client.get(reverse("ivan:enrolment", args=[sao_mai.pk]))
    assert b'id="start-stop"' in page.content and b"CE007" in page.content
    page = client.get(reverse("ivan:enrolment_stop", args=[sao_mai.pk]))
    assert b'id="previous-provider"' in page.content and b"00020" in page.content


def test_a_preparer_sees_no_activation_form(client, member, sao_mai):
    preparer = member(Role.PREPARER, "chuan.bi")
    client.force_login(preparer.user)
    answer = client.post(reverse("ivan:enrolment_activate", args=[sao_mai.pk]), {"code": "X"})
    assert answer.status_code == 403


def test_the_paper_form_is_a_pdf(client, admin, sao_mai):
    client.force_login(admin.user)
    answer = client.get(reverse("ivan:enrolment_paper", args=[sao_mai.pk]))
    assert answer["Content-Type"] == "application/pdf" and answer.content.startswith(b"%PDF")
