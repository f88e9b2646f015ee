"""Password strength rules, in Vietnamese, each one a test that fails if the rule goes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ebhxh.agency.portal import services
from ebhxh.agency.portal.errors import InvalidInput
from ebhxh.agency.portal.models import AccountKind, PasswordHistoryEntry
from ebhxh.agency.portal.passwords import password_rules, validate_portal_password
from tests.agency.portal import support

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return services.account_open(
        actor="test",
        kind=AccountKind.INDIVIDUAL,
        full_name="Nguyễn Thị Hương",
        phone="0912345678",
        email="thuhuong.nguyen@example.vn",
        citizen_id="001190012345",
    )


def codes(password: str, user) -> set[str]:
    try:
        validate_portal_password(password, user)
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab1#xyz", "password_too_short"),
        ("sen-vang#2026xanh", "password_character_classes"),  # no upper case
        ("SEN-VANG#2026XANH", "password_character_classes"),  # no lower case
        ("Sen-Vang#Xanh-Xanh", "password_character_classes"),  # no digit
        ("SenVang2026Xanh", "password_character_classes"),  # no special character
        ("Xy#001190012345", "password_personal_information"),  # the CCCD
        ("Bo#0912345678q", "password_personal_information"),  # the phone number
        ("Huong@2026!xyz", "password_personal_information"),  # the given name, no diacritics
        ("NGUYEN#family2026", "password_personal_information"),  # the family name
        ("Thuhuong.nguyen1!", "password_personal_information"),  # the email's local part
        ("Matkhau@2024", "password_too_common"),
        ("Password123!", "password_too_common"),
    ],
)
def test_each_rule_refuses_a_password_that_breaks_it(account, password, code):
    assert code in codes(password, account.user)


def test_a_strong_password_passes(account):
    assert codes(support.STRONG, account.user) == set()


def test_messages_are_vietnamese(account):
    with pytest.raises(ValidationError) as caught:
        validate_portal_password("abc", account.user)
    text = " ".join(caught.value.messages)
    assert "Mật khẩu phải có ít nhất 10 ký tự." in text
    assert "Mật khẩu còn thiếu: chữ hoa, chữ số, ký tự đặc biệt." in text
    assert "quá phổ biến" in text
    assert password_rules()[:2] == [
        "Ít nhất 10 ký tự.",
        "Có chữ hoa, chữ thường, chữ số và ký tự đặc biệt (ví dụ @ # $ %).",
    ]


def test_the_last_five_passwords_cannot_come_back(account):
    user = account.user
    old = support.password_in(support.sms_to("+84912345678", "portal_account_opened"))
    history = [old]
    for index in range(5):
        new = f"Sen-Vang#{index}2026xanh"
        services.password_change(
            actor="test", user=user, old_password=history[-1], new_password=new
        )
        history.append(new)
        user.refresh_from_db()
    # The generated one is the sixth most recent: allowed again; the last five are not.
    for recent in history[-5:]:
        assert "password_reused" in codes(recent, user)
    assert "password_reused" not in codes(history[0], user)
    assert PasswordHistoryEntry.objects.filter(user=user).count() == 5


def test_changing_checks_the_current_password_and_records_the_time(account):
    user = account.user
    with pytest.raises(InvalidInput) as caught:
        services.password_change(
            actor="test", user=user, old_password="wrong", new_password=support.STRONG
        )
    assert caught.value.code == "PASSWORD_OLD_INCORRECT"
    old = support.password_in(support.sms_to("+84912345678", "portal_account_opened"))
    with pytest.raises(InvalidInput) as caught:
        services.password_change(actor="test", user=user, old_password=old, new_password="yeu")
    assert set(caught.value.errors) == {"new_password"}
    before = timezone.now()
    changed = services.password_change(
        actor="test", user=user, old_password=old, new_password=support.STRONG
    )
    assert not changed.must_change_password and changed.password_changed_at >= before
    assert support.outbox("portal_password_changed")
