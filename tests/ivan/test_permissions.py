"""Roles become permissions in one place; pages and services both enforce them."""

import pytest
from django.urls import reverse

from ebhxh.ivan import services
from ebhxh.ivan.models import Role
from ebhxh.ivan.permissions import (
    ROLE_CAPABILITIES,
    SESSION_COMPANY,
    Capability,
    NotAllowed,
    can,
    require,
)
from tests.ivan.conftest import make_user, unit_input

pytestmark = pytest.mark.django_db


def test_the_role_table():
    assert ROLE_CAPABILITIES[Role.ADMIN] == frozenset(Capability)
    assert ROLE_CAPABILITIES[Role.PREPARER] == {Capability.VIEW, Capability.PREPARE}
    assert ROLE_CAPABILITIES[Role.SIGNER] == {Capability.VIEW, Capability.SIGN}


def test_require_names_the_missing_right_and_who_has_it(preparer):
    assert can(preparer, Capability.PREPARE)
    with pytest.raises(NotAllowed) as refused:
        require(preparer, Capability.SIGN)
    assert refused.value.code == "IVAN_NOT_ALLOWED"
    assert "Lập hồ sơ" in refused.value.message and "Quản trị, Ký nộp" in refused.value.message


def test_services_refuse_whatever_page_calls_them(preparer, signer):
    with pytest.raises(NotAllowed):
        services.unit_create(by=signer, data=unit_input())
    with pytest.raises(NotAllowed):
        services.member_invite(
            by=preparer, email="a@example.vn", full_name="", role=Role.SIGNER, site_url="http://x"
        )


def test_anonymous_visitors_are_sent_to_the_ivan_login(client):
    response = client.get(reverse("ivan:units"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("ivan:login") + "?next=")


@pytest.mark.parametrize(
    ("role", "url_name", "allowed"),
    [
        (Role.PREPARER, "ivan:unit_new", True),
        (Role.SIGNER, "ivan:unit_new", False),
        (Role.PREPARER, "ivan:org_import", False),
        (Role.SIGNER, "ivan:members", True),  # everyone sees who is in the company
        (Role.ADMIN, "ivan:org_import", True),
    ],
)
def test_pages_check_the_role(client, member, role, url_name, allowed):
    membership = member(role)
    client.force_login(membership.user)
    response = client.get(reverse(url_name))
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "Không có quyền" in response.content.decode()


def test_a_signer_cannot_post_a_unit_either(client, signer):
    client.force_login(signer.user)
    response = client.post(reverse("ivan:unit_new"), {"name": "X", "province": "01"})
    assert response.status_code == 403


def test_a_preparer_cannot_set_up_a_signature(client, preparer, unit):
    client.force_login(preparer.user)
    response = client.post(
        reverse("ivan:signature_token", args=[unit.pk]),
        '{"action": "challenge"}',
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_user_without_a_company_is_asked_to_choose_or_create_one(client):
    client.force_login(make_user("lone"))
    response = client.get(reverse("ivan:units"))
    assert response.status_code == 302 and response.url.startswith(reverse("ivan:choose_company"))
    page = client.get(response.url).content.decode()
    assert "chưa thuộc công ty nào" in page


def test_the_company_switcher(client, member, company):
    from ebhxh.ivan.models import Company, Membership

    mine = member(Role.PREPARER, "ketoan")
    other = Company.objects.create(name="Công ty Hoà Bình", tax_code="0109123458")
    Membership.objects.create(company=other, user=mine.user, role=Role.ADMIN)
    client.force_login(mine.user)
    # Two companies and none chosen yet: the user picks one.
    assert client.get(reverse("ivan:units")).url.startswith(reverse("ivan:choose_company"))
    client.post(reverse("ivan:choose_company"), {"company": other.pk})
    page = client.get(reverse("ivan:units")).content.decode()
    assert "Công ty Hoà Bình" in page and 'id="company-switch"' in page
    # The role follows the company: admin there, preparer here.
    assert client.get(reverse("ivan:org_import")).status_code == 200
    client.post(reverse("ivan:choose_company"), {"company": company.pk, "next": "/ivan/don-vi/"})
    assert client.session[SESSION_COMPANY] == company.pk
    assert client.get(reverse("ivan:org_import")).status_code == 403


def test_one_cannot_switch_into_a_company_one_is_not_in(client, preparer):
    from ebhxh.ivan.models import Company

    stranger = Company.objects.create(name="Người lạ", tax_code="0109123458")
    client.force_login(preparer.user)
    client.post(reverse("ivan:choose_company"), {"company": stranger.pk})
    assert client.session.get(SESSION_COMPANY) != stranger.pk


def test_objects_of_another_company_are_not_found(client, admin, member, unit):
    from ebhxh.ivan.models import Company

    other = Company.objects.create(name="Khác", tax_code="0109123458")
    outsider = member(Role.ADMIN, "outsider", in_company=other)
    client.force_login(outsider.user)
    assert client.get(reverse("ivan:unit", args=[unit.pk])).status_code == 404
    assert client.get(reverse("ivan:signature", args=[unit.pk])).status_code == 404
