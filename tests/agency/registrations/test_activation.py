"""Activation codes: 24 hours, single use, locked after 5 wrong tries, resend voids the old
one, and the portal page that calls the same service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from ebhxh.agency.registrations import services
from ebhxh.agency.registrations.errors import RegistrationRefused
from ebhxh.agency.registrations.models import (
    ActivationCode,
    CodeStatus,
    EserviceRegistration,
    RegistrationStatus,
)
from ebhxh.notifications.models import OutboxMessage
from tests.agency.registrations import support

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(gateway, sao_mai):
    dossier = gateway.submit(support.registration_envelope(gateway.pki))
    registration = EserviceRegistration.objects.get(dossier=dossier)
    return dossier, registration, support.latest_code(registration)


def activate(registration, code):
    return services.registration_activate(registration=registration, code=code, actor="test")


def refusal_of(registration, code) -> RegistrationRefused:
    with pytest.raises(RegistrationRefused) as refused:
        activate(registration, code)
    return refused.value


def test_code_is_valid_for_24_hours_and_expires_after(pending, clock, settings):
    _, registration, code = pending
    row = ActivationCode.objects.get()
    assert row.expires_at - row.created_at == timedelta(hours=24)
    assert settings.REGISTRATION_ACTIVATION_TTL_SECONDS == 24 * 3600

    clock.shift(timedelta(hours=24, seconds=1))

    assert refusal_of(registration, code).code == "REG005"
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING_ACTIVATION


def test_code_still_works_just_before_24_hours(pending, clock):
    _, registration, code = pending
    clock.shift(timedelta(hours=23, minutes=59))
    assert activate(registration, code).status == RegistrationStatus.ACTIVE


def test_code_is_single_use(pending):
    _, registration, code = pending
    activate(registration, code)
    assert refusal_of(registration, code).code == "REG006"


def test_five_wrong_tries_lock_the_code(pending, settings):
    _, registration, code = pending
    assert settings.REGISTRATION_ACTIVATION_MAX_ATTEMPTS == 5
    for attempt in range(1, 5):
        refused = refusal_of(registration, support.wrong_code(code))
        assert refused.code == "REG004", attempt
        assert f"Còn {5 - attempt} lần thử" in refused.detail
    assert refusal_of(registration, support.wrong_code(code)).code == "REG007"
    # Locked: not even the right code opens it now.
    assert refusal_of(registration, code).code == "REG007"
    row = ActivationCode.objects.get()
    assert (row.status, row.attempts) == (CodeStatus.LOCKED, 5)


def test_wrong_tries_are_counted_even_though_the_call_fails(pending, gateway):
    """The counter commits with the refusal: an API caller cannot retry for free."""
    dossier, _, code = pending
    response = gateway.post(
        "activations", {"dossier_number": dossier.number, "code": support.wrong_code(code)}
    )
    assert response.status_code == 422 and response.json()["code"] == "REG004"
    assert response.json()["xpath"] == "/code"
    assert ActivationCode.objects.get().attempts == 1


def test_resend_issues_a_new_code_and_voids_the_old_one(pending, gateway):
    dossier, registration, old = pending

    response = gateway.post("activations/resend", {"dossier_number": dossier.number})

    assert response.status_code == 202
    assert response.json()["email"] == "k***n@saomai.vn"
    new = support.latest_code(registration)
    assert new != old
    assert OutboxMessage.objects.filter(template="registration_activation_code").count() == 2
    assert refusal_of(registration, old).code == "REG004"
    assert activate(registration, new).status == RegistrationStatus.ACTIVE


def test_resend_after_activation_is_refused(pending, gateway):
    dossier, registration, code = pending
    activate(registration, code)
    response = gateway.post("activations/resend", {"dossier_number": dossier.number})
    assert response.json()["code"] == "REG006"


def test_activation_by_registration_id(pending, gateway):
    _, registration, code = pending
    response = gateway.post("activations", {"registration_id": registration.pk, "code": code})
    assert response.status_code == 200 and response.json()["registration_id"] == registration.pk


def test_another_ivan_cannot_activate_or_even_see_the_dossier(pending, gateway):
    dossier, registration, code = pending
    response = gateway.post(
        "activations", {"dossier_number": dossier.number, "code": code}, ivan="ivan-vnpt"
    )
    assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING_ACTIVATION


def test_api_input_errors_name_the_field(pending, gateway):
    dossier, _, _ = pending
    missing = gateway.post("activations", {"dossier_number": dossier.number})
    assert (missing.status_code, missing.json()["code"], missing.json()["xpath"]) == (
        422,
        "SCH005",
        "/code",
    )
    malformed = gateway.post("activations", {"dossier_number": "12", "code": "ABCD-EFGH"})
    assert malformed.json()["xpath"] == "/dossier_number"


# --- the portal page ------------------------------------------------------------------------


def test_portal_page_activates_with_the_unit_code(pending, client):
    _, registration, code = pending
    url = reverse("agency:registrations:activation")
    page = client.get(url)
    assert page.status_code == 200 and "Kích hoạt" in page.content.decode()

    response = client.post(url, {"identifier": "ta0123k", "code": code.lower()}, follow=True)

    assert "Đã kích hoạt đăng ký giao dịch điện tử" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ACTIVE


def test_portal_page_shows_errors_next_to_the_fields(pending, client):
    dossier, _, code = pending
    url = reverse("agency:registrations:activation")

    empty = client.post(url, {"identifier": "", "code": ""})
    assert empty.status_code == 200
    html = empty.content.decode()
    assert 'id="id_identifier-error"' in html and 'id="id_code-error"' in html

    unknown = client.post(url, {"identifier": "ZZ9999Z", "code": code}).content.decode()
    assert 'id="id_identifier-error"' in unknown and "Không tìm thấy" in unknown

    wrong = client.post(
        url, {"identifier": dossier.number, "code": support.wrong_code(code)}
    ).content.decode()
    assert 'id="id_code-error"' in wrong and "Mã kích hoạt không đúng" in wrong
    assert "REG004" in wrong and "Traceback" not in wrong
