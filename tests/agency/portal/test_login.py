"""Logging in: lockout after N failures per username+IP and unlock after the cool-off; the
first login and a 6-month-old password force a change before anything else."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from ebhxh.agency.portal import services
from ebhxh.agency.portal.models import AccountKind, PortalAccount
from ebhxh.vntime import VIETNAM_TZ
from tests.agency.portal import support

pytestmark = pytest.mark.django_db

LOGIN = reverse("portal:login")
ACCOUNT = reverse("portal:account")
CHANGE = reverse("portal:password_change")


@pytest.fixture
def account(db) -> PortalAccount:
    return services.account_open(
        actor="test",
        kind=AccountKind.INDIVIDUAL,
        full_name="Nguyễn Thị Hương",
        phone="0912345678",
        citizen_id="001190012345",
    )


@pytest.fixture
def initial_password(account) -> str:
    return support.password_in(support.sms_to("+84912345678", "portal_account_opened"))


def login(client, password: str, username: str = "001190012345", ip: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def change(client, old: str, new: str = support.STRONG):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def test_first_login_goes_to_the_password_change_before_anything_else(client, initial_password):
    response = login(client, initial_password)
    assert response.status_code == 302
    for page in (ACCOUNT, reverse("portal:registration_start"), reverse("home")):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith(CHANGE), page
    page = client.get(CHANGE)
    assert "Mật khẩu hiện tại do hệ thống cấp" in page.content.decode()
    response = change(client, initial_password)
    assert response.status_code == 302
    assert client.get(ACCOUNT).status_code == 200


def test_the_change_page_keeps_the_person_until_the_password_is_strong(client, initial_password):
    login(client, initial_password)
    response = change(client, initial_password, new="matkhau")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mật khẩu phải có ít nhất 10 ký tự." in html and "password_too_short" in html
    assert client.get(ACCOUNT).status_code == 302


def test_username_spacing_does_not_matter(client, initial_password):
    response = login(client, initial_password, username=" 0011 9001 2345 ")
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("moment", "forced"),
    [
        # Changed on 15/03/2026: due on 15/09/2026 from 00:00 Vietnam time.
        (datetime(2026, 9, 14, 23, 59, tzinfo=VIETNAM_TZ), False),
        (datetime(2026, 9, 15, 0, 0, tzinfo=VIETNAM_TZ), True),
    ],
)
def test_a_password_six_calendar_months_old_must_be_changed(
    client, initial_password, moment, forced
):
    with time_machine.travel(datetime(2026, 3, 15, 10, 0, tzinfo=VIETNAM_TZ), tick=False):
        login(client, initial_password)
        change(client, initial_password)
        assert client.get(ACCOUNT).status_code == 200
    client.post(reverse("portal:logout"))
    with time_machine.travel(moment, tick=False):
        assert login(client, support.STRONG).status_code == 302  # sessions last two weeks
        response = client.get(ACCOUNT)
        if not forced:
            assert response.status_code == 200
            return
        assert response.status_code == 302 and response["Location"].startswith(CHANGE)
        assert "quá 6 tháng" in client.get(CHANGE).content.decode()
        change(client, support.STRONG, new="Hoa-Sen#2026tim")
        assert client.get(ACCOUNT).status_code == 200


def test_six_months_from_the_31st_is_the_end_of_the_shorter_month(account):
    from ebhxh.agency.portal.passwords import password_expires_on

    assert str(password_expires_on(datetime(2026, 8, 31, 9, 0, tzinfo=VIETNAM_TZ))) == "2027-02-28"
    assert str(password_expires_on(datetime(2027, 8, 31, 9, 0, tzinfo=VIETNAM_TZ))) == "2028-02-29"


def test_lockout_after_the_failure_limit_then_unlock_after_the_cool_off(
    client, initial_password, settings
):
    limit = settings.AXES_FAILURE_LIMIT
    start = datetime(2026, 4, 1, 9, 0, tzinfo=VIETNAM_TZ)
    with time_machine.travel(start, tick=False):
        for attempt in range(limit - 1):
            response = login(client, "Sai-mat-khau#1")
            assert response.status_code == 200, attempt
            assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
        response = login(client, "Sai-mat-khau#1")
        assert response.status_code == 429
        assert "tạm thời bị khoá" in response.content.decode()
        # Locked: even the right password is refused now.
        response = login(client, initial_password)
        assert response.status_code == 429
        assert "Vui lòng thử lại sau 15 phút." in response.content.decode()
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert login(client, initial_password).status_code == 429
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        response = login(client, initial_password)
        assert response.status_code == 302


def test_lockout_is_per_username_and_address(client, initial_password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "Sai-mat-khau#1")
    assert login(client, initial_password).status_code == 429
    # The same person from another address, and another username from the same address.
    assert login(client, initial_password, ip="198.51.100.20").status_code == 302
    client.post(reverse("portal:logout"))
    response = login(client, "x", username="079085004321")
    assert response.status_code == 200


def test_a_success_resets_the_failure_count(client, initial_password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "Sai-mat-khau#1")
    assert login(client, initial_password).status_code == 302
    client.post(reverse("portal:logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "Sai-mat-khau#1").status_code == 200


def test_officers_and_admins_do_not_log_in_to_the_portal(client, django_user_model):
    django_user_model.objects.create_user("CANBO01", password="Mat-khau#can-bo-1", is_staff=True)
    response = login(client, "Mat-khau#can-bo-1", username="canbo01")
    assert response.status_code == 200
    assert "không dùng để đăng nhập cổng dịch vụ công" in response.content.decode()


def test_the_test_client_login_still_works_without_a_request(initial_password, client):
    """The lockout backend needs a request; calls without one go to the next backend."""
    assert client.login(username="001190012345", password=initial_password)
