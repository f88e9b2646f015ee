"""05/SD-IVAN change and 06/NG-IVAN stop, with every outcome of seed 004."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.db import DatabaseError

from ebhxh.agency.gateway.models import DossierStatus
from ebhxh.agency.registrations import handlers, services
from ebhxh.agency.registrations.errors import RegistrationRefused
from ebhxh.agency.registrations.models import Channel, EserviceRegistration, RegistrationStatus
from ebhxh.dossiers.forms.registration import StopChannel
from ebhxh.dossiers.transport import GatewayRejection
from ebhxh.notifications.models import OutboxMessage
from tests.agency.registrations import support
from tests.agency.registrations.test_register import register_and_activate

pytestmark = pytest.mark.django_db


# --- change ---------------------------------------------------------------------------------


def test_change_applies_at_once_and_tells_old_and_new_address(gateway, sao_mai):
    _, registration = register_and_activate(gateway)
    new_certificate = gateway.pki.certificate("sao-mai-viettel").public_bytes(Encoding.DER)

    dossier = gateway.submit(
        support.change_envelope(
            gateway.pki, email="nhansu@saomai.vn", certificate_der=new_certificate
        )
    )

    assert dossier.status == DossierStatus.ACCEPTED
    registration.refresh_from_db()
    assert registration.contact_email == "nhansu@saomai.vn"
    assert registration.certificate_fingerprint == (
        gateway.pki.entity("sao-mai-viettel").fingerprint_sha256
    )
    assert registration.status == RegistrationStatus.ACTIVE
    recipients = set(
        OutboxMessage.objects.filter(template="registration_changed").values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {"nhansu@saomai.vn", "ketoan@saomai.vn"}
    assert set(dossier.result["changed"]) == {"contact_email", "certificate_fingerprint"}


def test_change_with_a_certificate_of_another_unit_is_refused(gateway, sao_mai):
    register_and_activate(gateway)
    foreign = gateway.pki.certificate("hoa-binh").public_bytes(Encoding.DER)
    dossier = gateway.submit(support.change_envelope(gateway.pki, certificate_der=foreign))
    assert (dossier.status, dossier.result_code) == (DossierStatus.REJECTED, "IDN001")
    assert dossier.result_xpath == "/ToKhaiThayDoiIVAN/ChungThuSoMoi"


def test_change_without_an_active_registration_with_this_ivan_is_reg003(gateway, sao_mai):
    register_and_activate(gateway, ivan="ivan-vnpt")
    dossier = gateway.submit(support.change_envelope(gateway.pki, email="a@saomai.vn"))
    assert dossier.result_code == "REG003"


# --- stop -----------------------------------------------------------------------------------


def test_an_ivan_stops_its_own_registration(gateway, sao_mai):
    _, registration = register_and_activate(gateway)

    dossier = gateway.submit(
        support.stop_envelope(gateway.pki, ivan="ivan-misa", target="ivan-misa")
    )

    assert dossier.status == DossierStatus.ACCEPTED
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.STOPPED
    assert registration.stop_reason == "Chuyển sang nhà cung cấp dịch vụ khác"
    assert registration.stopped_by_dossier == dossier
    email = OutboxMessage.objects.get(template="registration_stopped")
    assert email.recipient == "ketoan@saomai.vn" and "đã ngừng" in email.body_text


def test_stop_on_behalf_after_ce007_then_the_refused_registration_succeeds(gateway, sao_mai):
    """Seed 004 end to end: active with VNPT; MISA refused CE007; the unit files the stop of
    VNPT through MISA; success email; re-registering through MISA now works."""
    _, old = register_and_activate(gateway, ivan="ivan-vnpt")
    refused = gateway.submit(support.registration_envelope(gateway.pki, ivan="ivan-misa"))
    assert refused.result_code == "CE007"

    status = gateway.get(f"units/{sao_mai.unit_code}/registration").json()
    assert status["last_refusal_code"] == "CE007" and status["can_stop_previous"] is True
    assert status["active_elsewhere"]["ivan_code"] == "00020"

    stop = gateway.submit(support.stop_envelope(gateway.pki, ivan="ivan-misa", target="ivan-vnpt"))

    assert stop.status == DossierStatus.ACCEPTED, stop.result_message
    old.refresh_from_db()
    assert old.status == RegistrationStatus.STOPPED
    email = OutboxMessage.objects.get(template="registration_stopped")
    assert "đăng ký lại" in email.body_text
    _, new = register_and_activate(gateway, ivan="ivan-misa")
    assert new.status == RegistrationStatus.ACTIVE
    assert new.ivan.provider_id == "00110"


def test_stop_on_behalf_of_the_portal_after_ce044(gateway, sao_mai, certificate, contact):
    portal = services.registration_submit(
        unit_code=sao_mai.unit_code,
        channel=Channel.PORTAL,
        ivan=None,
        dossier=None,
        contact=contact,
        certificate=certificate("sao-mai-vnpt"),
        actor="portal",
    )
    services.registration_activate(registration=portal, code=support.latest_code(portal), actor="p")
    assert gateway.submit(support.registration_envelope(gateway.pki)).result_code == "CE044"

    stop = gateway.submit(support.stop_envelope(gateway.pki, ivan="ivan-misa", target="portal"))

    assert stop.status == DossierStatus.ACCEPTED
    portal.refresh_from_db()
    assert portal.status == RegistrationStatus.STOPPED


def test_stop_on_behalf_without_a_ce007_refusal_is_aut002(gateway, sao_mai):
    _, old = register_and_activate(gateway, ivan="ivan-vnpt")
    stop = gateway.submit(support.stop_envelope(gateway.pki, ivan="ivan-misa", target="ivan-vnpt"))
    assert (stop.status, stop.result_code) == (DossierStatus.REJECTED, "AUT002")
    old.refresh_from_db()
    assert old.status == RegistrationStatus.ACTIVE


def test_stop_already_stopped_elsewhere_is_reg003_register_at_once(gateway, sao_mai):
    """Seed 004: "Đã ngừng dịch vụ nhà cung cấp cũ thành công trước đó ở một IVAN khác"."""
    register_and_activate(gateway, ivan="ivan-vnpt")
    for ivan in ("ivan-misa", "ivan-viettel"):
        refused = gateway.submit(support.registration_envelope(gateway.pki, ivan=ivan), ivan=ivan)
        assert refused.result_code == "CE007"
    first = gateway.submit(
        support.stop_envelope(gateway.pki, ivan="ivan-viettel", target="ivan-vnpt"),
        ivan="ivan-viettel",
    )
    assert first.status == DossierStatus.ACCEPTED

    again = gateway.submit(support.stop_envelope(gateway.pki, ivan="ivan-misa", target="ivan-vnpt"))

    assert (again.status, again.result_code) == (DossierStatus.REJECTED, "REG003")
    assert "đăng ký dịch vụ ngay" in again.result_message


def test_stop_signed_with_the_wrong_certificate_is_idn001(gateway, sao_mai, certificate, ivans):
    """The gateway already refuses an envelope whose certificate is not its MaSoThue; the
    service refuses a signer that is not the registry's unit as well."""
    register_and_activate(gateway, ivan="ivan-vnpt")
    with pytest.raises(RegistrationRefused) as refused:
        services.registration_stop(
            unit_code=sao_mai.unit_code,
            filer=ivans["ivan-vnpt"],
            dossier=None,
            signer=certificate("hoa-binh"),
            target_channel=StopChannel.IVAN,
            target_ivan_code="00020",
            reason="Ngừng",
            actor="test",
        )
    assert refused.value.code == "IDN001"
    assert EserviceRegistration.objects.get().status == RegistrationStatus.ACTIVE


def test_stop_with_a_certificate_of_another_unit_is_refused_at_intake(gateway, sao_mai):
    register_and_activate(gateway, ivan="ivan-vnpt")
    envelope = support.stop_envelope(
        gateway.pki, ivan="ivan-vnpt", target="ivan-vnpt", signer_slug="hoa-binh"
    )
    with pytest.raises(GatewayRejection) as refused:
        gateway.submit(envelope, ivan="ivan-vnpt")
    assert refused.value.code == "IDN001"


def test_system_error_leaves_the_stop_retryable(gateway, sao_mai, monkeypatch):
    """Seed 004: "Lỗi hệ thống → thực hiện lại": SYS001, nothing half-done, and the dossier
    is processed again once the database is back."""
    _, registration = register_and_activate(gateway)
    real_save = EserviceRegistration.save

    def broken_save(self, *args, **kwargs):
        raise DatabaseError("could not write: disk full")

    monkeypatch.setattr(EserviceRegistration, "save", broken_save)
    dossier = gateway.submit(
        support.stop_envelope(gateway.pki, ivan="ivan-misa", target="ivan-misa")
    )

    assert dossier.status == DossierStatus.PENDING
    assert support.last_event_code(dossier) == "SYS001"
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ACTIVE
    assert not OutboxMessage.objects.filter(template="registration_stopped").exists()

    monkeypatch.setattr(EserviceRegistration, "save", real_save)
    with gateway.capture(execute=True):
        assert handlers.dossier_retry() == 1

    dossier.refresh_from_db()
    registration.refresh_from_db()
    assert dossier.status == DossierStatus.ACCEPTED
    assert registration.status == RegistrationStatus.STOPPED
    assert handlers.dossier_retry() == 0  # nothing left to retry
