"""The demo's I-VAN data: Sao Mai with one user per role, branches, two units; idempotent."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from ebhxh.ivan import demo_data
from ebhxh.ivan.models import Company, Membership, OrgNode, Role, Unit
from ebhxh.pki.demo import SPECS

pytestmark = pytest.mark.django_db


def test_load_twice_makes_the_same_data(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    said: list[str] = []
    demo_data.load(log=said.append)
    demo_data.load(log=said.append)
    assert len(said) == 1
    sao_mai = Company.objects.get(tax_code=demo_data.SAO_MAI)
    assert sao_mai.name == "Công ty Cổ phần Sao Mai"
    roles = dict(sao_mai.memberships.values_list("user__username", "role"))
    assert roles == {
        "saomai.admin": Role.ADMIN,
        "saomai.preparer": Role.PREPARER,
        "saomai.signer": Role.SIGNER,
        "dichvu.ketoan": Role.PREPARER,
    }
    assert Membership.objects.filter(user__username="dichvu.ketoan").count() == 2
    tree = {n.code: (n.parent.code if n.parent else None) for n in OrgNode.objects.all()}
    assert tree == {"CN-HCM": None, "CN-LB": None, "CN-HCM-KD": "CN-HCM"}
    units = {u.tax_code: (u.unit_code, u.first_time, u.province_id) for u in Unit.objects.all()}
    assert units == {
        "0109234567": ("TA0123K", False, "01"),
        "0109234567-002": ("", True, "01"),
        "0109123458": ("0109123458DNA01", False, "01"),
    }
    for account in demo_data.DEMO_USERS:
        assert User.objects.get(username=account.username).check_password(account.password)


def test_the_demo_company_is_the_demo_pki_organisation():
    tax_codes = {spec.tax_code for spec in SPECS if spec.slug.startswith("sao-mai")}
    assert demo_data.SAO_MAI in tax_codes
    assert {spec.tax_code for spec in SPECS if spec.slug == "hoa-binh"} == {demo_data.HOA_BINH}


def test_the_entry_page_shows_the_demo_accounts(client, settings):
    settings.DEMO = True
    page = client.get(reverse("ivan:home")).content.decode()
    assert 'id="demo-accounts"' in page
    for account in demo_data.DEMO_USERS:
        assert account.username in page
    assert demo_data.PASSWORD in page
    settings.DEMO = False
    assert 'id="demo-accounts"' not in client.get(reverse("ivan:home")).content.decode()
