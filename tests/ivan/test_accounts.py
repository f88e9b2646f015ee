"""Company accounts: sign-up, login, invitations by email, roles, the last admin."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from ebhxh.audit.models import AuditRecord
from ebhxh.core.errors import DomainError
from ebhxh.ivan import services
from ebhxh.ivan.models import Company, Invitation, InvitationStatus, Membership, Role
from ebhxh.ivan.validation import InvalidInput
from ebhxh.notifications.models import OutboxMessage
from tests.ivan.conftest import SAO_MAI, make_user

pytestmark = pytest.mark.django_db

SIGNUP = {
    "name": "Công ty Cổ phần Sao Mai",
    "tax_code": SAO_MAI,
    "full_name": "Nguyễn Thị Lan",
    "email": "lan@saomai.example.vn",
    "username": "lan.nguyen",
    "password1": "Sao-Mai-2025-an-toan",
    "password2": "Sao-Mai-2025-an-toan",
}


def test_signup_creates_the_company_with_its_admin_and_logs_in(client):
    response = client.post(reverse("ivan:signup"), SIGNUP)
    assert response.status_code == 302 and response.url == reverse("ivan:units")
    membership = Membership.objects.get(user__username="lan.nguyen")
    assert membership.role == Role.ADMIN
    assert membership.company.tax_code == SAO_MAI
    assert membership.user.get_full_name() == "Nguyễn Thị Lan"
    assert AuditRecord.objects.filter(action="ivan.company_created").exists()
    assert client.get(reverse("ivan:units")).status_code == 200


def test_signup_errors_sit_next_to_their_fields_with_codes(client):
    Company.objects.create(name="Đã có", tax_code=SAO_MAI)
    data = {**SIGNUP, "tax_code": "0109234568", "password1": "123", "password2": "123"}
    response = client.post(reverse("ivan:signup"), data)
    errors = response.context["form"].errors.as_data()
    assert errors["tax_code"][0].code == "MST_CHECK_DIGIT"
    assert {e.code for e in errors["password1"]} >= {"PASSWORD_TOO_SHORT"}
    html = response.content.decode()
    assert "MST_CHECK_DIGIT" in html and "Kiểm tra lại mã số thuế" in html
    response = client.post(reverse("ivan:signup"), {**SIGNUP})
    assert response.context["form"].errors.as_data()["tax_code"][0].code == "COMPANY_EXISTS"
    assert not User.objects.filter(username="lan.nguyen").exists()  # nothing half-made


def test_login_page_logs_in_and_goes_to_the_units(client, admin):
    response = client.post(
        reverse("ivan:login"),
        {"username": admin.user.username, "password": "mat-khau-thu-nghiem"},
    )
    assert response.status_code == 302 and response.url == reverse("ivan:units")
    client.logout()
    response = client.post(reverse("ivan:login"), {"username": "x", "password": "y"})
    assert response.status_code == 200 and "mật khẩu chính xác" in response.content.decode()


def test_invite_queues_the_email_in_the_same_transaction(admin):
    invitation, token = services.member_invite(
        by=admin,
        email="minh@saomai.example.vn",
        full_name="Trần Văn Minh",
        role=Role.PREPARER,
        site_url="https://ivan.example.vn/",
    )
    message = OutboxMessage.objects.get(template="ivan_invitation")
    assert message.recipient == "minh@saomai.example.vn"
    assert message.related_id == str(invitation.pk)
    assert f"https://ivan.example.vn/ivan/loi-moi/{token}/" in message.body_text
    assert "Lập hồ sơ" in message.body_text and "Sao Mai" in message.subject
    assert invitation.token_hash != token and len(invitation.token_hash) == 64


def test_a_failed_invite_leaves_no_email(admin, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        services.member_invite(
            by=admin, email="a@example.vn", full_name="", role=Role.SIGNER, site_url="http://x"
        )
    assert not OutboxMessage.objects.exists() and not Invitation.objects.exists()


def test_invite_validation(admin):
    with pytest.raises(InvalidInput) as invalid:
        services.member_invite(
            by=admin, email="sai", full_name="", role="boss", site_url="http://x"
        )
    assert invalid.value.codes("email") == ["EMAIL_INVALID"]
    assert invalid.value.codes("role") == ["ROLE_UNKNOWN"]
    with pytest.raises(InvalidInput) as invalid:
        services.member_invite(
            by=admin, email=admin.user.email, full_name="", role=Role.SIGNER, site_url="http://x"
        )
    assert invalid.value.codes("email") == ["MEMBER_EXISTS"]


def test_a_new_person_accepts_with_a_new_account(client, admin):
    _, token = services.member_invite(
        by=admin,
        email="hung@example.vn",
        full_name="Phạm Quốc Hùng",
        role=Role.SIGNER,
        site_url="http://testserver",
    )
    url = reverse("ivan:invitation", args=[token])
    assert "Tham gia Công ty Cổ phần Sao Mai" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "username": "hung",
            "full_name": "",
            "password1": "Ky-nop-2025-ok",
            "password2": "Ky-nop-2025-ok",
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__username="hung")
    assert (membership.role, membership.user.email) == (Role.SIGNER, "hung@example.vn")
    assert membership.user.get_full_name() == "Phạm Quốc Hùng"  # from the invitation
    # The link works once.
    client.logout()
    assert "không còn hiệu lực" in client.get(url).content.decode()
    with pytest.raises(DomainError) as used:
        services.invitation_accept(token=token, user=make_user("late"))
    assert used.value.code == "INVITATION_INVALID"


def test_a_logged_in_user_accepts_into_their_account(client, admin, member):
    from ebhxh.ivan.models import Company

    other = Company.objects.create(name="Hoà Bình", tax_code="0109123458")
    someone = member(Role.ADMIN, "ketoan", in_company=other)
    _, token = services.member_invite(
        by=admin, email="ketoan@example.vn", full_name="", role=Role.PREPARER, site_url="http://x"
    )
    client.force_login(someone.user)
    client.post(reverse("ivan:invitation", args=[token]))
    assert Membership.objects.filter(user=someone.user).count() == 2


def test_expired_and_revoked_invitations(admin):
    invitation, token = services.member_invite(
        by=admin, email="a@example.vn", full_name="", role=Role.SIGNER, site_url="http://x"
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(DomainError) as expired:
        services.invitation_accept(token=token, user=make_user("a"))
    assert expired.value.code == "INVITATION_EXPIRED"
    second, token2 = services.member_invite(
        by=admin, email="a@example.vn", full_name="", role=Role.SIGNER, site_url="http://x"
    )
    services.invitation_revoke(by=admin, invitation=second)
    assert Invitation.objects.get(pk=second.pk).status == InvitationStatus.REVOKED
    with pytest.raises(DomainError):
        services.invitation_accept(token=token2, user=make_user("b"))


def test_inviting_again_replaces_the_pending_invitation(admin):
    first, _ = services.member_invite(
        by=admin, email="a@example.vn", full_name="", role=Role.SIGNER, site_url="http://x"
    )
    services.member_invite(
        by=admin, email="A@example.vn", full_name="", role=Role.PREPARER, site_url="http://x"
    )
    assert Invitation.objects.get(pk=first.pk).status == InvitationStatus.REVOKED
    assert OutboxMessage.objects.filter(template="ivan_invitation").count() == 2


def test_the_company_keeps_an_admin(admin, preparer):
    with pytest.raises(DomainError) as last:
        services.member_role_change(by=admin, membership=admin, role=Role.SIGNER)
    assert last.value.code == "LAST_ADMIN"
    with pytest.raises(DomainError):
        services.member_remove(by=admin, membership=admin)
    services.member_role_change(by=admin, membership=preparer, role=Role.ADMIN)
    services.member_role_change(by=admin, membership=admin, role=Role.SIGNER)
    assert Membership.objects.get(pk=admin.pk).role == Role.SIGNER


def test_members_page_invites_by_email(client, admin):
    client.force_login(admin.user)
    response = client.post(
        reverse("ivan:members"), {"email": "moi@example.vn", "full_name": "", "role": Role.SIGNER}
    )
    assert response.status_code == 302
    page = client.get(reverse("ivan:members")).content.decode()
    assert "Đã gửi lời mời tới moi@example.vn" in page and "Lời mời đang chờ" in page
    link = re.search(r"/ivan/loi-moi/[^/\s]+/", OutboxMessage.objects.get().body_text)
    assert link is not None


def test_profile_update_keeps_the_tax_code(client, admin):
    client.force_login(admin.user)
    response = client.post(
        reverse("ivan:company_profile"),
        {"name": "Công ty CP Sao Mai", "tax_code": "0100109106", "contact_phone": "0912 345 678"},
    )
    assert response.status_code == 302
    company = Company.objects.get(pk=admin.company_id)
    assert (company.name, company.tax_code, company.contact_phone) == (
        "Công ty CP Sao Mai",
        SAO_MAI,
        "0912345678",
    )
    response = client.post(
        reverse("ivan:company_profile"), {"name": "X", "contact_phone": "0241234567"}
    )
    assert response.context["form"].errors.as_data()["contact_phone"][0].code.startswith("PHONE")
