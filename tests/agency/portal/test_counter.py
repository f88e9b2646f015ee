"""Paper at the counter: due within 3 working days of receipt (Tết and holidays excluded),
flagged overdue in the officer's queue after that; decided by the officer."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from ebhxh.agency.portal import selectors, services
from ebhxh.agency.portal.errors import InvalidInput
from ebhxh.agency.portal.models import IndividualRegistration, RegistrationStatus
from ebhxh.core.errors import DomainError
from ebhxh.notifications.models import Channel
from ebhxh.vntime import VIETNAM_TZ
from tests.agency.portal import support

pytestmark = pytest.mark.django_db


def receive(officer, received_on: date, **changes) -> IndividualRegistration:
    with time_machine.travel(datetime(2027, 3, 1, 9, 0, tzinfo=VIETNAM_TZ), tick=False):
        return services.registration_receive_paper(
            officer_user=officer.user,
            declaration=support.declaration(**changes),
            received_on=received_on,
        )


@pytest.mark.parametrize(
    ("received_on", "due_on"),
    [
        # Friday 13/02/2026, the last working day before Tết Bính Ngọ (days off 16-20/02):
        # Mon 23, Tue 24, Wed 25.
        (date(2026, 2, 13), date(2026, 2, 25)),
        # Wednesday 03/02/2027, the last working day before Tết Đinh Mùi (days off 04-10/02):
        # Thu 11, Fri 12, Mon 15.
        (date(2027, 2, 3), date(2027, 2, 15)),
        # An ordinary week: Monday 02/03/2026 is due Thursday 05/03.
        (date(2026, 3, 2), date(2026, 3, 5)),
        # Handed in on a Saturday: counted from Monday, due Thursday.
        (date(2026, 3, 7), date(2026, 3, 12)),
    ],
)
def test_due_three_working_days_after_receipt(officer, received_on, due_on):
    registration = receive(officer, received_on)
    assert registration.status == RegistrationStatus.RECEIVED
    assert registration.received_on == received_on
    assert registration.due_on == due_on
    assert registration.reception_agency == officer.agency
    assert registration.entered_by == officer.user


def test_overdue_from_the_day_after_the_due_date_across_tet(officer):
    registration = receive(officer, date(2026, 2, 13))
    on_due_day = datetime(2026, 2, 25, 17, 0, tzinfo=VIETNAM_TZ)
    next_morning = datetime(2026, 2, 26, 7, 0, tzinfo=VIETNAM_TZ)
    # During Tết and on the due day itself: not overdue.
    for moment in (datetime(2026, 2, 18, 9, 0, tzinfo=VIETNAM_TZ), on_due_day):
        assert not selectors.is_overdue(registration, now=moment)
        [row] = selectors.counter_queue(officer, now=moment)
        assert not row.overdue
        assert not selectors.counter_queue(officer, overdue_only=True, now=moment)
        assert selectors.queue_counts(officer, now=moment).counter_overdue == 0
    assert selectors.is_overdue(registration, now=next_morning)
    [row] = selectors.counter_queue(officer, now=next_morning)
    assert row.overdue
    assert list(selectors.counter_queue(officer, overdue_only=True, now=next_morning)) == [row]
    assert selectors.queue_counts(officer, now=next_morning).counter_overdue == 1


def test_a_decided_form_is_never_overdue(officer, huong):
    registration = receive(officer, date(2026, 2, 13))
    services.registration_accept(officer_user=officer.user, registration_id=registration.pk)
    registration.refresh_from_db()
    assert not selectors.is_overdue(registration, now=datetime(2026, 6, 1, tzinfo=VIETNAM_TZ))


def test_the_queue_is_in_due_date_order(officer):
    later = receive(officer, date(2026, 3, 2))
    earlier = receive(officer, date(2026, 2, 13), **support.DUC)
    assert [r.pk for r in selectors.counter_queue(officer)] == [earlier.pk, later.pk]


def test_a_future_receipt_date_is_refused(officer):
    with pytest.raises(InvalidInput) as caught:
        receive(officer, date(2027, 3, 2))
    assert caught.value.code == "DECL_RECEIVED_FUTURE"
    assert not IndividualRegistration.objects.exists()


def test_officer_accepts_when_the_registry_agrees(
    officer, huong, django_capture_on_commit_callbacks
):
    registration = receive(officer, date(2026, 3, 2))
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_accept(officer_user=officer.user, registration_id=registration.pk)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ACCEPTED
    assert registration.account.citizen_id == huong.citizen_id
    sms = support.sms_to("+84912345678", "portal_registration_accepted")
    assert registration.account.user.check_password(support.password_in(sms))


def test_officer_cannot_accept_what_the_registry_contradicts(officer, huong):
    registration = receive(officer, date(2026, 3, 2), birth_date="1990-12-31")
    with pytest.raises(DomainError) as caught:
        services.registration_accept(officer_user=officer.user, registration_id=registration.pk)
    assert caught.value.code == "IDN003"
    assert "ngày sinh" in caught.value.message
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.RECEIVED


def test_officer_refuses_with_a_reason_sent_by_email_and_sms(
    officer, django_capture_on_commit_callbacks
):
    registration = receive(officer, date(2026, 3, 2))
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_refuse(
            officer_user=officer.user,
            registration_id=registration.pk,
            reason="Chữ ký trên tờ khai không khớp với chữ ký trên thẻ căn cước.",
        )
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REFUSED
    assert registration.reasons[0]["code"] == "OFFICER"
    [email] = support.outbox("portal_registration_refused", Channel.EMAIL)
    assert "Chữ ký trên tờ khai không khớp" in email.body_text
    sms = support.sms_to("+84912345678", "portal_registration_refused")
    assert "Chu ky tren to khai khong khop" in sms.body_text


def test_a_refusal_needs_a_reason(officer):
    registration = receive(officer, date(2026, 3, 2))
    with pytest.raises(InvalidInput) as caught:
        services.registration_refuse(
            officer_user=officer.user, registration_id=registration.pk, reason="  sai "
        )
    assert caught.value.code == "PORTAL_REASON_REQUIRED"


def test_a_decided_form_cannot_be_decided_again(officer, huong):
    registration = receive(officer, date(2026, 3, 2))
    services.registration_accept(officer_user=officer.user, registration_id=registration.pk)
    with pytest.raises(DomainError) as caught:
        services.registration_refuse(
            officer_user=officer.user, registration_id=registration.pk, reason="Nhầm tờ khai khác."
        )
    assert caught.value.code == "PORTAL_ALREADY_DECIDED"


def test_an_officer_of_another_office_cannot_decide(officer, huong):
    registration = receive(officer, date(2026, 3, 2))
    elsewhere = support.officer("canbo.hoankiem", agency="01002")
    with pytest.raises(DomainError) as caught:
        services.registration_accept(officer_user=elsewhere.user, registration_id=registration.pk)
    assert caught.value.code == "PORTAL_OUT_OF_SCOPE"
    assert not selectors.counter_queue(elsewhere)


def test_the_provincial_office_sees_its_local_offices(officer):
    registration = receive(officer, date(2026, 3, 2))
    provincial = support.officer("canbo.hanoi", agency="01000")
    assert [r.pk for r in selectors.counter_queue(provincial)] == [registration.pk]
