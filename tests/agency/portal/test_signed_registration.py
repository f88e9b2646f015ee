"""Mẫu 01 with a certificate: submitted signed, decided automatically after commit, the
decision (account or reasons) sent by email and SMS."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from ebhxh.agency.portal import services
from ebhxh.agency.portal.models import IndividualRegistration, PortalAccount, RegistrationStatus
from ebhxh.audit.models import AuditRecord
from ebhxh.core.errors import DomainError
from ebhxh.notifications.models import Channel, MessageStatus
from ebhxh.pki.errors import RejectionError
from tests.agency.portal import support

pytestmark = pytest.mark.django_db


def submit(signed: bytes, capture) -> IndividualRegistration:
    with capture(execute=True):
        registration = services.registration_submit_signed(signed_xml=signed)
    registration.refresh_from_db()
    return registration


def test_a_matching_signed_form_is_accepted_and_the_account_sent_by_email_and_sms(
    trusted_pki, huong, django_capture_on_commit_callbacks, smtp_server, sms_gateway
):
    registration = submit(support.signed_mau01(trusted_pki), django_capture_on_commit_callbacks)

    assert registration.status == RegistrationStatus.ACCEPTED
    assert registration.tracking_number.startswith("M01-")
    account = registration.account
    assert account is not None and account.citizen_id == "001190012345"
    assert account.user.username == "001190012345" and account.must_change_password
    sms = support.sms_to("+84912345678", "portal_registration_accepted")
    assert sms.status == MessageStatus.SENT
    password = support.password_in(sms)
    assert account.user.check_password(password)
    [email] = support.outbox("portal_registration_accepted", Channel.EMAIL)
    assert email.recipient == "huong@example.vn" and password in email.body_text
    assert registration.tracking_number in email.subject
    # Through the real SMTP server and the loopback SMS gateway.
    assert [m["To"] for m in smtp_server.messages] == ["huong@example.vn"]
    assert sms_gateway.requests[0]["json"]["to"] == "+84912345678"
    assert "001190012345" in sms_gateway.requests[0]["json"]["text"]
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"portal.registration_submitted", "portal.registration_accepted"} <= actions


def test_without_email_only_the_sms_goes_out(
    trusted_pki, huong, django_capture_on_commit_callbacks
):
    registration = submit(
        support.signed_mau01(trusted_pki, email=""), django_capture_on_commit_callbacks
    )
    assert registration.status == RegistrationStatus.ACCEPTED
    assert [m.channel for m in support.outbox("portal_registration_accepted")] == [Channel.SMS]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"full_name": "Nguyễn Thị Hường"}, "full_name"),
        ({"birth_date": "1990-05-21"}, "birth_date"),
        ({"insurance_number": "0190099999"}, "insurance_number"),
    ],
)
def test_each_field_that_differs_from_the_registry_is_refused_with_idn003(
    trusted_pki, huong, django_capture_on_commit_callbacks, changes, field
):
    registration = submit(
        support.signed_mau01(trusted_pki, **changes), django_capture_on_commit_callbacks
    )
    assert registration.status == RegistrationStatus.REFUSED
    assert [(r["code"], r["field"]) for r in registration.reasons] == [("IDN003", field)]
    assert registration.account is None
    assert not PortalAccount.objects.exists()
    sms = support.sms_to("+84912345678", "portal_registration_refused")
    assert "IDN003" in sms.body_text and registration.tracking_number in sms.body_text
    [email] = support.outbox("portal_registration_refused", Channel.EMAIL)
    assert "không khớp với dữ liệu của cơ quan BHXH" in email.body_text


def test_several_differences_are_all_listed(trusted_pki, huong, django_capture_on_commit_callbacks):
    registration = submit(
        support.signed_mau01(trusted_pki, full_name="Nguyễn Thị Hường", birth_date="1990-06-01"),
        django_capture_on_commit_callbacks,
    )
    assert {r["field"] for r in registration.reasons} == {"full_name", "birth_date"}


def test_a_cccd_whose_person_has_another_insurance_number_differs_on_both(
    trusted_pki, huong, django_capture_on_commit_callbacks
):
    support.insured(support.DUC)  # 7985004321 belongs to someone else
    registration = submit(
        support.signed_mau01(trusted_pki, insurance_number="7985004321"),
        django_capture_on_commit_callbacks,
    )
    assert {r["field"] for r in registration.reasons} == {"citizen_id", "insurance_number"}


def test_a_person_the_registry_does_not_know_is_refused(
    trusted_pki, django_capture_on_commit_callbacks
):
    registration = submit(support.signed_mau01(trusted_pki), django_capture_on_commit_callbacks)
    assert registration.status == RegistrationStatus.REFUSED
    assert [(r["code"], r["field"]) for r in registration.reasons] == [("IDN003", "citizen_id")]


def test_signed_with_another_persons_certificate_is_refused_with_idn002(
    trusted_pki, huong, django_capture_on_commit_callbacks
):
    signed = support.signed_mau01(trusted_pki, slug="tran-van-duc")  # CCCD 079085004321
    registration = submit(signed, django_capture_on_commit_callbacks)
    assert registration.status == RegistrationStatus.REFUSED
    assert [r["code"] for r in registration.reasons] == ["IDN002"]
    sms = support.sms_to("+84912345678", "portal_registration_refused")
    assert "IDN002" in sms.body_text
    assert support.outbox("portal_registration_refused", Channel.EMAIL)


def test_a_broken_signature_is_refused_at_once_and_nothing_is_stored(trusted_pki, huong):
    signed = support.signed_mau01(trusted_pki)
    tampered = signed.replace("Nguyễn Thị Hương".encode(), "Nguyễn Thị Hưởng".encode())
    with pytest.raises(RejectionError) as caught:
        services.registration_submit_signed(signed_xml=tampered)
    assert caught.value.code.startswith("SIG")
    assert not IndividualRegistration.objects.exists()


def test_a_second_form_for_the_same_person_is_refused_while_the_first_is_open(trusted_pki, huong):
    first = services.registration_submit_signed(signed_xml=support.signed_mau01(trusted_pki))
    assert first.status == RegistrationStatus.SUBMITTED  # the decision waits for the commit
    with pytest.raises(DomainError) as caught:
        services.registration_submit_signed(signed_xml=support.signed_mau01(trusted_pki))
    assert caught.value.code == "PORTAL_REGISTRATION_OPEN"
    assert IndividualRegistration.objects.count() == 1


def test_a_person_with_an_account_cannot_register_again(
    trusted_pki, huong, django_capture_on_commit_callbacks
):
    submit(support.signed_mau01(trusted_pki), django_capture_on_commit_callbacks)
    with pytest.raises(DomainError) as caught:
        services.registration_submit_signed(signed_xml=support.signed_mau01(trusted_pki))
    assert caught.value.code == "PORTAL_ACCOUNT_EXISTS"


def test_the_decision_is_idempotent(trusted_pki, huong, django_capture_on_commit_callbacks):
    registration = submit(support.signed_mau01(trusted_pki), django_capture_on_commit_callbacks)
    again = services.registration_auto_decide(registration_id=registration.pk)
    assert again.status == RegistrationStatus.ACCEPTED
    assert get_user_model().objects.filter(username="001190012345").count() == 1
    assert len(support.outbox("portal_registration_accepted", Channel.SMS)) == 1


def test_tracking_numbers_follow_each_other(trusted_pki, huong):
    support.insured(support.DUC)
    first = services.registration_submit_signed(signed_xml=support.signed_mau01(trusted_pki))
    second = services.registration_submit_signed(
        signed_xml=support.signed_mau01(trusted_pki, support.DUC)
    )
    a, b = (int(r.tracking_number.rsplit("-", 1)[1]) for r in (first, second))
    assert b == a + 1
