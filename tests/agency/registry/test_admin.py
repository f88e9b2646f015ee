"""The registry admin: every list and detail page renders, searches find rows by code, and
nothing can be added or deleted there."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from ebhxh.agency.registry.models import InsuredPerson, IvanConnection, Unit
from ebhxh.agency.registry.services import ivan_connection_register, officer_create
from tests.agency.registry.conftest import make_certificate, pem

pytestmark = pytest.mark.django_db

MODELS = ["unit", "insuredperson", "employment", "ivanconnection", "officer"]


@pytest.fixture
def staff_client(client: Client, seeded: tuple[str, str]) -> Client:
    ivan_connection_register(
        provider_code="00110",
        certificate_pem=pem(make_certificate()),
        callback_url="",
        actor="system",
    )
    officer_create(
        username="canbo1",
        password="Bhxh-cơ-sở-2026!",
        full_name="Trần Văn Minh",
        agency_code="01001",
        actor="system",
    )
    user = get_user_model().objects.create(username="admin", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_change_page_render(staff_client: Client, model: str) -> None:
    response = staff_client.get(reverse(f"admin:registry_{model}_changelist"))
    assert response.status_code == 200
    obj = response.context["cl"].result_list[0]
    page = staff_client.get(reverse(f"admin:registry_{model}_change", args=[obj.pk]))
    assert page.status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_nothing_can_be_added_or_deleted(staff_client: Client, model: str) -> None:
    assert staff_client.get(reverse(f"admin:registry_{model}_add")).status_code == 403
    response = staff_client.get(reverse(f"admin:registry_{model}_changelist"))
    obj = response.context["cl"].result_list[0]
    delete = staff_client.get(reverse(f"admin:registry_{model}_delete", args=[obj.pk]))
    assert delete.status_code == 403


def test_search_by_codes(staff_client: Client) -> None:
    unit = Unit.objects.filter(employments__isnull=False).order_by("id").distinct()[3]
    person = InsuredPerson.objects.order_by("id")[9]
    for model, term, expected in [
        ("unit", unit.unit_code, unit),
        ("unit", unit.unit_code.lower(), unit),
        ("unit", unit.tax_code, unit),
        ("unit", unit.name, unit),
        ("insuredperson", person.insurance_number, person),
        ("insuredperson", person.citizen_id, person),
        ("insuredperson", person.full_name, person),
        ("employment", unit.unit_code, unit.employments.order_by("-id").first()),
        ("employment", person.insurance_number, person.employments.order_by("-id").first()),
    ]:
        response = staff_client.get(reverse(f"admin:registry_{model}_changelist"), {"q": term})
        assert expected in response.context["cl"].result_list, (model, term)


def test_filters(staff_client: Client) -> None:
    response = staff_client.get(
        reverse("admin:registry_unit_changelist"), {"status__exact": "active"}
    )
    assert response.status_code == 200
    assert all(u.status == "active" for u in response.context["cl"].result_list)
    response = staff_client.get(
        reverse("admin:registry_employment_changelist"), {"end_date__isnull": "True"}
    )
    assert all(e.end_date is None for e in response.context["cl"].result_list)


def test_only_connection_status_and_callback_are_editable(staff_client: Client) -> None:
    connection = IvanConnection.objects.get()
    url = reverse("admin:registry_ivanconnection_change", args=[connection.pk])
    response = staff_client.post(
        url,
        {
            "status": IvanConnection.Status.SUSPENDED,
            "callback_url": "https://misa.example.com/cb",
            "certificate_fingerprint": "0" * 64,
        },
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.status == IvanConnection.Status.SUSPENDED
    assert connection.callback_url == "https://misa.example.com/cb"
    assert connection.certificate_fingerprint != "0" * 64


def test_units_are_read_only(staff_client: Client) -> None:
    unit = Unit.objects.order_by("id").first()
    assert unit is not None
    url = reverse("admin:registry_unit_change", args=[unit.pk])
    assert staff_client.post(url, {"name": "Đổi tên"}).status_code == 403
    unit.refresh_from_db()
    assert unit.name != "Đổi tên"
