"""04/ĐK-IVAN: register, the activation email, and the one-provider rule (seeds 000, 004)."""

from __future__ import annotations

from datetime import date

import pytest

from ebhxh.agency.gateway.models import DossierStatus
from ebhxh.agency.registrations import services
from ebhxh.agency.registrations.errors import RegistrationRefused
from ebhxh.agency.registrations.models import (
    ActivationCode,
    Channel,
    EserviceRegistration,
    RegistrationStatus,
)
from ebhxh.audit.models import AuditRecord
from ebhxh.dossiers.forms import registration as forms
from ebhxh.dossiers.transport import GatewayRejection
from ebhxh.notifications.models import OutboxMessage
from ebhxh.vntime import VIETNAM_TZ
from tests.agency.registrations import support

pytestmark = pytest.mark.django_db


def register_and_activate(gateway, *, ivan="ivan-misa", signer_slug="sao-mai-vnpt"):
    dossier = gateway.submit(
        support.registration_envelope(gateway.pki, ivan=ivan, signer_slug=signer_slug), ivan=ivan
    )
    registration = EserviceRegistration.objects.get(dossier=dossier)
    response = gateway.post(
        "activations",
        {"dossier_number": dossier.number, "code": support.latest_code(registration)},
        ivan=ivan,
    )
    assert response.status_code == 200, response.json()
    registration.refresh_from_db()
    return dossier, registration


def test_registration_waits_for_the_emailed_code_then_activates(gateway, sao_mai):
    dossier = gateway.submit(support.registration_envelope(gateway.pki))

    assert dossier.status == DossierStatus.PENDING
    assert "Chờ kích hoạt" in dossier.events.order_by("-pk").first().message
    registration = EserviceRegistration.objects.get(dossier=dossier)
    assert registration.status == RegistrationStatus.PENDING_ACTIVATION
    assert registration.channel == Channel.IVAN and registration.unit == sao_mai
    assert (
        registration.certificate_fingerprint
        == gateway.pki.entity("sao-mai-vnpt").fingerprint_sha256
    )
    email = OutboxMessage.objects.get(template="registration_activation_code")
    assert email.recipient == "ketoan@saomai.vn"
    assert "MÃ KÍCH HOẠT" in email.body_text and "(giờ Việt Nam)" in email.body_text
    until = ActivationCode.objects.get().expires_at.astimezone(VIETNAM_TZ)
    assert until.strftime("%H:%M ngày %d/%m/%Y") in email.body_text
    assert "Kích hoạt" in email.body_text and "24 giờ" in email.body_text

    response = gateway.post(
        "activations", {"dossier_number": dossier.number, "code": support.latest_code(registration)}
    )

    assert response.status_code == 200
    assert response.json()["status"] == "active"
    registration.refresh_from_db()
    dossier.refresh_from_db()
    assert registration.status == RegistrationStatus.ACTIVE and registration.activated_at
    assert dossier.status == DossierStatus.ACCEPTED
    assert OutboxMessage.objects.filter(
        template="registration_activated", recipient="ketoan@saomai.vn"
    ).exists()
    assert AuditRecord.objects.filter(action="registrations.registration_activated").exists()


def test_the_plain_code_is_never_stored(gateway, sao_mai):
    gateway.submit(support.registration_envelope(gateway.pki))
    registration = EserviceRegistration.objects.get()
    plain = support.latest_code(registration).replace("-", "")
    row = ActivationCode.objects.get()
    stored = " ".join(str(value) for value in ActivationCode.objects.values_list().get())
    assert plain not in stored and len(row.code_hash) == 64


def test_another_ivan_is_refused_with_ce007_while_one_is_active(gateway, sao_mai):
    register_and_activate(gateway, ivan="ivan-vnpt")

    dossier = gateway.submit(support.registration_envelope(gateway.pki, ivan="ivan-misa"))

    assert dossier.status == DossierStatus.REJECTED
    assert dossier.result_code == "CE007"
    assert "VNPT" in dossier.result_message
    assert dossier.result_xpath == "/Hoso/NoiDung/ThongTinDonVi/MaSoBHXH"
    assert not EserviceRegistration.objects.filter(dossier=dossier).exists()


def test_portal_registration_makes_ivans_refused_with_ce044(gateway, sao_mai, certificate, contact):
    registration = services.registration_submit(
        unit_code=sao_mai.unit_code,
        channel=Channel.PORTAL,
        ivan=None,
        dossier=None,
        contact=contact,
        certificate=certificate("sao-mai-viettel"),
        actor="portal",
    )
    services.registration_activate(
        registration=registration, code=support.latest_code(registration), actor="portal"
    )

    dossier = gateway.submit(support.registration_envelope(gateway.pki))

    assert dossier.result_code == "CE044"


def test_the_same_ivan_again_is_refused_with_reg002(gateway, sao_mai):
    register_and_activate(gateway)

    dossier = gateway.submit(support.registration_envelope(gateway.pki))

    assert (dossier.status, dossier.result_code) == (DossierStatus.REJECTED, "REG002")


def test_a_second_certificate_of_the_same_unit_may_register(gateway, sao_mai):
    """Sao Mai has a VNPT-CA and a Viettel-CA certificate for one MST: both are the unit."""
    _, registration = register_and_activate(gateway, signer_slug="sao-mai-viettel")
    assert registration.certificate_fingerprint == (
        gateway.pki.entity("sao-mai-viettel").fingerprint_sha256
    )


def test_unknown_unit_is_refused_with_reg001(db, certificate, contact, ivans):
    with pytest.raises(RegistrationRefused) as refused:
        services.registration_submit(
            unit_code="ZZ9999Z",
            channel=Channel.IVAN,
            ivan=ivans["ivan-misa"],
            dossier=None,
            contact=contact,
            certificate=certificate("sao-mai-vnpt"),
            actor="test",
        )
    assert refused.value.code == "REG001"


def test_unknown_unit_is_refused_at_intake_too(gateway):
    with pytest.raises(GatewayRejection) as refused:
        gateway.submit(support.registration_envelope(gateway.pki))
    assert refused.value.code == "REG001"


def test_a_certificate_of_another_mst_is_refused_with_idn001(sao_mai, certificate, contact, ivans):
    """The registry's MST decides, not what the dossier claims (the gateway checks the
    envelope against the certificate; this checks the certificate against the registry)."""
    with pytest.raises(RegistrationRefused) as refused:
        services.registration_submit(
            unit_code=sao_mai.unit_code,
            channel=Channel.IVAN,
            ivan=ivans["ivan-misa"],
            dossier=None,
            contact=contact,
            certificate=certificate("hoa-binh"),
            actor="test",
        )
    assert refused.value.code == "IDN001"
    assert EserviceRegistration.objects.count() == 0


def test_a_newer_submission_through_the_same_ivan_supersedes_the_pending_one(gateway, sao_mai):
    first = gateway.submit(support.registration_envelope(gateway.pki))
    old = EserviceRegistration.objects.get(dossier=first)
    old_code = support.latest_code(old)

    second = gateway.submit(support.registration_envelope(gateway.pki))

    old.refresh_from_db()
    assert old.status == RegistrationStatus.CANCELLED
    assert second.number in first.events.order_by("-pk").first().message
    response = gateway.post("activations", {"dossier_number": first.number, "code": old_code})
    assert response.json()["code"] == "REG005"


def test_pending_registrations_of_other_ivans_lose_to_the_first_activation(gateway, sao_mai):
    """Both I-VANs got a code; the first to activate wins, the other is refused with CE007,
    which is what lets its unit file a stop for the winner (seed 004)."""
    misa = gateway.submit(support.registration_envelope(gateway.pki, ivan="ivan-misa"))
    vnpt = gateway.submit(
        support.registration_envelope(gateway.pki, ivan="ivan-vnpt"), ivan="ivan-vnpt"
    )
    misa_registration = EserviceRegistration.objects.get(dossier=misa)
    vnpt_registration = EserviceRegistration.objects.get(dossier=vnpt)
    vnpt_code = support.latest_code(vnpt_registration)

    gateway.post(
        "activations",
        {"dossier_number": misa.number, "code": support.latest_code(misa_registration)},
    )
    response = gateway.post(
        "activations", {"dossier_number": vnpt.number, "code": vnpt_code}, ivan="ivan-vnpt"
    )

    assert response.status_code == 409 and response.json()["code"] == "CE007"
    vnpt.refresh_from_db()
    vnpt_registration.refresh_from_db()
    assert (vnpt.status, vnpt.result_code) == (DossierStatus.REJECTED, "CE007")
    assert vnpt_registration.status == RegistrationStatus.CANCELLED
    assert EserviceRegistration.objects.filter(status=RegistrationStatus.ACTIVE).count() == 1


def test_a_form_without_the_units_own_signature_is_refused(gateway, sao_mai):
    """The form inside carries its own signature (`Cky`); an unsigned one is refused with the
    signature code, naming the file in the envelope."""
    form = forms.build_registration(
        forms.EserviceRegistrationForm(
            unit_code="TA0123K",
            unit_name="Sao Mai",
            tax_code="0109234567",
            ivan_code="00110",
            contact_name="A",
            contact_email="a@saomai.vn",
            contact_phone="0912345678",
            registered_on=date(2026, 1, 5),
        )
    )
    envelope = support.envelope(
        gateway.pki,
        procedure="04/ĐK-IVAN",
        form_code="04/ĐK-IVAN",
        form=form,
        unit_code="TA0123K",
        tax_code="0109234567",
        signer_slug="sao-mai-vnpt",
    )

    dossier = gateway.submit(envelope)

    assert (dossier.status, dossier.result_code) == (DossierStatus.REJECTED, "SIG001")
    assert "Tờ khai 04/ĐK-IVAN (tệp thứ 1)" in dossier.result_message
    assert dossier.result_xpath
    assert not EserviceRegistration.objects.exists()
