"""Without a certificate: declared online, presented at the chosen BHXH cơ sở within 10
calendar days (Vietnam time) of confirmation, or cancelled automatically."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine

from ebhxh.agency.portal import services
from ebhxh.agency.portal.models import IndividualRegistration, RegistrationStatus
from ebhxh.agency.portal.tasks import cancel_expired_declarations
from ebhxh.core.errors import DomainError
from ebhxh.jobs.periodic import registered
from ebhxh.notifications.models import Channel
from ebhxh.vntime import VIETNAM_TZ
from tests.agency.portal import support

pytestmark = pytest.mark.django_db

# Confirmed at 23:30 on 01/03/2026 in Hà Nội, which is 16:30 UTC the same day.
CONFIRMED = datetime(2026, 3, 1, 23, 30, tzinfo=VIETNAM_TZ)


def declare(**changes) -> IndividualRegistration:
    with time_machine.travel(CONFIRMED, tick=False):
        return services.registration_declare(
            declaration=support.declaration(**changes), reception_agency=support.BA_DINH
        )


def test_the_last_day_to_present_is_ten_calendar_days_after_confirmation():
    registration = declare()
    assert registration.status == RegistrationStatus.DECLARED
    assert registration.present_by == date(2026, 3, 11)
    assert registration.reception_agency.code == support.BA_DINH


def test_the_day_counts_in_vietnam_time_not_utc():
    # 00:30 on 02/03 in Vietnam is still 01/03 in UTC: the deadline is from the 02/03.
    with time_machine.travel(datetime(2026, 3, 2, 0, 30, tzinfo=VIETNAM_TZ), tick=False):
        registration = services.registration_declare(
            declaration=support.declaration(), reception_agency=support.BA_DINH
        )
    assert registration.present_by == date(2026, 3, 12)


@pytest.mark.parametrize(
    ("moment", "cancelled"),
    [
        (datetime(2026, 3, 11, 23, 59, 59, tzinfo=VIETNAM_TZ), False),
        (datetime(2026, 3, 12, 0, 0, 0, tzinfo=VIETNAM_TZ), True),
    ],
)
def test_cancelled_from_midnight_after_the_tenth_day(
    moment, cancelled, django_capture_on_commit_callbacks
):
    registration = declare()
    with django_capture_on_commit_callbacks(execute=True):
        count = services.declarations_cancel_expired(now=moment)
    registration.refresh_from_db()
    assert count == int(cancelled)
    expected = RegistrationStatus.CANCELLED if cancelled else RegistrationStatus.DECLARED
    assert registration.status == expected
    notices = support.outbox("portal_registration_cancelled")
    assert sorted(m.channel for m in notices) == ([Channel.EMAIL, Channel.SMS] if cancelled else [])


def test_the_periodic_job_is_registered_and_cancels(django_capture_on_commit_callbacks):
    assert "portal.cancel_expired_declarations" in {job.key for job in registered()}
    registration = declare()
    with (
        time_machine.travel(datetime(2026, 3, 12, 8, 0, tzinfo=VIETNAM_TZ), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        cancel_expired_declarations.enqueue()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_an_officer_cannot_accept_after_the_tenth_day_even_before_the_job_runs(huong, officer):
    registration = declare()
    with (
        time_machine.travel(datetime(2026, 3, 12, 7, 30, tzinfo=VIETNAM_TZ), tick=False),
        pytest.raises(DomainError) as caught,
    ):
        services.registration_accept(officer_user=officer.user, registration_id=registration.pk)
    assert caught.value.code == "PORTAL_DECLARATION_EXPIRED"
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.DECLARED


def test_an_officer_accepts_on_the_tenth_day(huong, officer, django_capture_on_commit_callbacks):
    registration = declare()
    with (
        time_machine.travel(datetime(2026, 3, 11, 16, 0, tzinfo=VIETNAM_TZ), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.registration_accept(officer_user=officer.user, registration_id=registration.pk)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ACCEPTED
    assert registration.decided_by == officer.user
    assert registration.account.user.username == "001190012345"
    assert sorted(m.channel for m in support.outbox("portal_registration_accepted")) == [
        Channel.EMAIL,
        Channel.SMS,
    ]


def test_a_decided_declaration_is_not_cancelled(huong, officer):
    registration = declare()
    with time_machine.travel(datetime(2026, 3, 5, 9, 0, tzinfo=VIETNAM_TZ), tick=False):
        services.registration_accept(officer_user=officer.user, registration_id=registration.pk)
    assert services.declarations_cancel_expired(now=CONFIRMED + timedelta(days=30)) == 0
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ACCEPTED


def test_an_unknown_or_inactive_reception_point_is_refused():
    from ebhxh.agency.portal.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        services.registration_declare(
            declaration=support.declaration(),
            reception_agency="01000",  # provincial, not local
        )
    assert caught.value.code == "DECL_RECEPTION_AGENCY"
    assert not IndividualRegistration.objects.exists()
