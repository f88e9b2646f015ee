"""Accounts: one per person (CCCD) and one per unit (unit code), enforced by the database;
username = CCCD or unit code; a generated password sent by email and SMS."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from ebhxh.agency.portal import services
from ebhxh.agency.portal.errors import InvalidInput
from ebhxh.agency.portal.models import AccountKind, PortalAccount
from ebhxh.agency.portal.passwords import generate_password, validate_portal_password
from ebhxh.core.errors import DomainError
from ebhxh.notifications.models import Channel
from tests.agency.portal import support

pytestmark = pytest.mark.django_db


def open_person(**changes) -> PortalAccount:
    data = {
        "actor": "test",
        "kind": AccountKind.INDIVIDUAL,
        "full_name": "Nguyễn Thị Hương",
        "phone": "0912 345 678",
        "email": "huong@example.vn",
        "citizen_id": "001190012345",
        **changes,
    }
    return services.account_open(**data)


def open_unit(**changes) -> PortalAccount:
    data = {
        "actor": "test",
        "kind": AccountKind.ORGANISATION,
        "full_name": "CÔNG TY TNHH CÔNG NGHỆ SAO MAI",
        "phone": "0987654321",
        "email": "ketoan@saomai.vn",
        "unit_code": "ta0123k",
        **changes,
    }
    return services.account_open(**data)


def test_a_person_logs_in_with_the_cccd_and_a_generated_password(client):
    account = open_person()
    assert account.user.username == "001190012345"
    assert account.phone == "0912345678" and account.must_change_password
    sms = support.sms_to("+84912345678", "portal_account_opened")
    password = support.password_in(sms)
    [email] = support.outbox("portal_account_opened", Channel.EMAIL)
    assert password in email.body_text and "001190012345" in email.subject
    assert account.user.check_password(password)


def test_a_unit_logs_in_with_its_unit_code():
    account = open_unit()
    assert account.user.username == "TA0123K" and account.unit_code == "TA0123K"
    assert account.citizen_id is None and account.kind == AccountKind.ORGANISATION


def test_one_account_per_person_is_refused_by_the_service():
    open_person()
    with pytest.raises(DomainError) as caught:
        open_person(phone="0987654321")
    assert caught.value.code == "PORTAL_ACCOUNT_EXISTS"
    assert PortalAccount.objects.count() == 1


def test_one_account_per_unit_is_refused_by_the_service():
    open_unit()
    with pytest.raises(DomainError) as caught:
        open_unit(unit_code="TA0123K")
    assert caught.value.code == "PORTAL_ACCOUNT_EXISTS"


@pytest.mark.parametrize("field", ["citizen_id", "unit_code"])
def test_the_database_itself_keeps_one_account_per_person_and_per_unit(field):
    """Two writers that both passed the service's checks still cannot both commit."""
    values = {"citizen_id": "001190012345", "unit_code": "TA0123K"}
    kind = AccountKind.INDIVIDUAL if field == "citizen_id" else AccountKind.ORGANISATION
    users = get_user_model().objects
    PortalAccount.objects.create(
        user=users.create_user("first"),
        kind=kind,
        full_name="A",
        phone="0912345678",
        password_changed_at=timezone.now(),
        **{field: values[field]},
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PortalAccount.objects.create(
            user=users.create_user("second"),
            kind=kind,
            full_name="B",
            phone="0912345678",
            password_changed_at=timezone.now(),
            **{field: values[field]},
        )


def test_the_database_refuses_an_account_of_the_wrong_shape():
    with pytest.raises(IntegrityError), transaction.atomic():
        PortalAccount.objects.create(
            user=get_user_model().objects.create_user("odd"),
            kind=AccountKind.INDIVIDUAL,
            unit_code="TA0123K",
            full_name="A",
            phone="0912345678",
            password_changed_at=timezone.now(),
        )


def test_bad_identifiers_are_refused_field_by_field():
    with pytest.raises(InvalidInput) as caught:
        open_person(citizen_id="12345", phone="0212345678")
    assert set(caught.value.errors) == {"citizen_id", "phone"}
    assert caught.value.errors["citizen_id"][0].code == "CCCD_LENGTH"
    assert not PortalAccount.objects.exists()


def test_generated_passwords_pass_the_rules():
    user = open_person().user
    for _ in range(50):
        validate_portal_password(generate_password(), user)


def test_a_generated_password_is_hashed_lightly_then_at_full_strength_on_first_login(
    settings, client
):
    """PBKDF2 at a few rounds for the random generated password; Django's full strength as
    soon as the person logs in (docs/portal.md)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    settings.PORTAL_GENERATED_PASSWORD_ITERATIONS = 1000
    account = open_person()
    assert account.user.password.startswith("pbkdf2_sha256$1000$")
    password = support.password_in(support.sms_to("+84912345678", "portal_account_opened"))
    response = client.post(
        "/portal/tai-khoan/dang-nhap/", {"username": "001190012345", "password": password}
    )
    assert response.status_code == 302
    account.user.refresh_from_db()
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    assert account.user.password.startswith(f"pbkdf2_sha256${PBKDF2PasswordHasher.iterations}$")


def test_the_generated_password_does_not_stay_in_the_outbox(settings):
    """The credentials leave by email and SMS; once sent, the sweep erases them."""
    from ebhxh.notifications.models import REDACTED_BODY, OutboxMessage
    from ebhxh.notifications.services import erase_sent_secrets

    settings.OUTBOX_SECRET_RETENTION_SECONDS = 0
    open_person()
    messages = OutboxMessage.objects.filter(template="portal_account_opened")
    assert {m.channel for m in messages} == {Channel.EMAIL, Channel.SMS}
    assert all(m.secret for m in messages)
    password = support.password_in(messages.get(channel=Channel.SMS))
    messages.update(status="sent", sent_at=timezone.now())
    assert erase_sent_secrets() == 2
    for message in messages:
        assert password not in message.body_text + message.body_html
        assert message.body_text == REDACTED_BODY
