"""Password reset by email or SMS: a one-time code, stored hashed, valid 15 minutes, usable
once, locked after 5 wrong tries; the same answer whether the account exists or not."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from ebhxh.agency.portal import services
from ebhxh.agency.portal.errors import InvalidInput
from ebhxh.agency.portal.models import AccountKind, PasswordResetCode, ResetCodeStatus
from ebhxh.audit.models import AuditRecord
from ebhxh.notifications.models import Channel
from ebhxh.vntime import VIETNAM_TZ
from tests.agency.portal import support

pytestmark = pytest.mark.django_db

START = datetime(2026, 5, 4, 9, 0, tzinfo=VIETNAM_TZ)
USERNAME = "001190012345"


@pytest.fixture
def account(db):
    return services.account_open(
        actor="test",
        kind=AccountKind.INDIVIDUAL,
        full_name="Nguyễn Thị Hương",
        phone="0912345678",
        email="huong@example.vn",
        citizen_id=USERNAME,
    )


def request_code(channel: str = "sms", *, at: datetime | None = START) -> str:
    if at is None:
        services.password_reset_request(username=USERNAME, channel=channel)
    else:
        with time_machine.travel(at, tick=False):
            services.password_reset_request(username=USERNAME, channel=channel)
    [message] = support.outbox("portal_password_reset", channel)
    found = re.search(r"\b(\d{6})\b", message.body_text)
    assert found, message.body_text
    return found.group(1)


def complete(code: str, *, at: datetime, password: str = support.STRONG):
    with time_machine.travel(at, tick=False):
        return services.password_reset_complete(username=USERNAME, code=code, new_password=password)


def test_a_code_by_sms_sets_a_new_password(account):
    code = request_code("sms")
    record = PasswordResetCode.objects.get()
    assert code not in record.code_hash and record.code_hash.startswith("md5$")  # hashed
    complete(code, at=START + timedelta(minutes=5))
    account.refresh_from_db()
    account.user.refresh_from_db()
    assert account.user.check_password(support.STRONG)
    assert not account.must_change_password
    record.refresh_from_db()
    assert record.status == ResetCodeStatus.USED
    assert support.outbox("portal_password_changed")


def test_a_code_by_email_carries_a_link(account):
    code = request_code("email")
    [message] = support.outbox("portal_password_reset", Channel.EMAIL)
    assert f"ma={code}" in message.body_text and f"tai-khoan={USERNAME}" in message.body_text


def test_the_code_works_once(account):
    code = request_code()
    complete(code, at=START + timedelta(minutes=1))
    with pytest.raises(InvalidInput) as caught:
        complete(code, at=START + timedelta(minutes=2), password="Hoa-Sen#2026tim")
    assert caught.value.code == "PASSWORD_RESET_CODE_INVALID"


@pytest.mark.parametrize(
    ("after", "works"),
    [(timedelta(minutes=14, seconds=59), True), (timedelta(minutes=15), False)],
)
def test_the_code_expires_after_fifteen_minutes(account, after, works):
    code = request_code()
    if works:
        complete(code, at=START + after)
        return
    with pytest.raises(InvalidInput) as caught:
        complete(code, at=START + after)
    assert caught.value.code == "PASSWORD_RESET_CODE_EXPIRED"
    assert PasswordResetCode.objects.get().status == ResetCodeStatus.EXPIRED  # kept expired


def test_five_wrong_codes_lock_the_code(account, settings):
    code = request_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for attempt in range(1, settings.PORTAL_PASSWORD_RESET_MAX_ATTEMPTS):
        with pytest.raises(InvalidInput) as caught:
            complete(wrong, at=START + timedelta(minutes=1))
        assert caught.value.code == "PASSWORD_RESET_CODE_INVALID"
        assert PasswordResetCode.objects.get().attempts == attempt  # counted though refused
    with pytest.raises(InvalidInput) as caught:
        complete(wrong, at=START + timedelta(minutes=1))
    assert caught.value.code == "PASSWORD_RESET_CODE_LOCKED"
    with pytest.raises(InvalidInput):
        complete(code, at=START + timedelta(minutes=2))  # even the right one, now
    assert AuditRecord.objects.filter(action="portal.password_reset_code_wrong").count() == 5


def test_a_new_code_replaces_the_old_one(account):
    first = request_code()
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        services.password_reset_request(username=USERNAME, channel="sms")
    statuses = list(PasswordResetCode.objects.order_by("id").values_list("status", flat=True))
    assert statuses == [ResetCodeStatus.SUPERSEDED, ResetCodeStatus.ISSUED]
    with pytest.raises(InvalidInput):
        complete(first, at=START + timedelta(minutes=2))


def test_at_most_three_codes_an_hour(account):
    for minute in range(5):
        with time_machine.travel(START + timedelta(minutes=minute), tick=False):
            services.password_reset_request(username=USERNAME, channel="sms")
    assert len(support.outbox("portal_password_reset")) == 3
    with time_machine.travel(START + timedelta(minutes=61), tick=False):
        services.password_reset_request(username=USERNAME, channel="sms")
    assert len(support.outbox("portal_password_reset")) == 4


def test_a_weak_new_password_keeps_the_code_usable(account):
    code = request_code()
    with pytest.raises(InvalidInput) as caught:
        complete(code, at=START + timedelta(minutes=1), password="yeu")
    assert "new_password" in caught.value.errors
    complete(code, at=START + timedelta(minutes=2))


def test_the_page_says_the_same_for_unknown_accounts(client, account):
    known = client.post(reverse("portal:password_reset"), {"username": USERNAME, "channel": "sms"})
    unknown = client.post(
        reverse("portal:password_reset"), {"username": "079085004321", "channel": "sms"}
    )
    assert known.status_code == unknown.status_code == 302
    assert len(support.outbox("portal_password_reset")) == 1
    page = client.get(unknown["Location"]).content.decode()
    assert "Nếu tên đăng nhập đúng, mã xác nhận đã được gửi" in page


def test_a_reset_lifts_the_login_lockout(client, account, settings):
    login = reverse("portal:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login, {"username": USERNAME, "password": "Sai#mat-khau1"})
    assert client.post(login, {"username": USERNAME, "password": "x"}).status_code == 429
    code = request_code(at=None)
    response = client.post(
        reverse("portal:password_reset_complete"),
        {
            "username": USERNAME,
            "code": code,
            "new_password1": support.STRONG,
            "new_password2": support.STRONG,
        },
    )
    assert response.status_code == 302
    assert client.post(login, {"username": USERNAME, "password": support.STRONG}).status_code == 302
