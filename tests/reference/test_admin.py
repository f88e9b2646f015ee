"""The admin lets staff browse every reference table and change none of them."""

from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

MODELS = ["province", "ward", "agency", "ivanprovider", "procedure", "rejectioncode"]


@pytest.fixture
def staff_client(client: Client) -> Client:
    # No password: hashing one costs more than the whole page test.
    user = get_user_model().objects.create(username="admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_changelist_renders(staff_client: Client, model: str) -> None:
    response = staff_client.get(reverse(f"admin:reference_{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_nothing_can_be_added(staff_client: Client, model: str) -> None:
    response = staff_client.get(reverse(f"admin:reference_{model}_add"))
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("model", "pk"),
    [
        ("agency", "01001"),
        ("ward", "00070"),
        ("procedure", "04/ĐK-IVAN"),
        ("rejectioncode", "CE007"),
        ("ivanprovider", "00110"),
    ],
)
def test_detail_is_view_only(staff_client: Client, model: str, pk: str) -> None:
    url = reverse(f"admin:reference_{model}_change", args=[quote(pk)])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    post = staff_client.post(url, {"name": "Đổi tên"})
    assert post.status_code == 403


def test_agency_page_lists_the_wards_it_serves(staff_client: Client) -> None:
    response = staff_client.get(reverse("admin:reference_agency_change", args=["01001"]))
    assert "Phường Ba Đình" in response.content.decode()
