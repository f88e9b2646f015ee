"""The organisation transaction account (seed 001) through its services: signed with the
unit's certificate, completed with the emailed code, or printed and decided by an officer;
the registry checks, IDN001, the one-provider rule (CE007, CE044), the code's 24 h, single
use and lockout, one account per unit, and nothing written on bad input."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from ebhxh.agency.portal import organisation_services as services
from ebhxh.agency.portal.errors import InvalidInput
from ebhxh.agency.portal.models import (
    OrganisationCode,
    OrganisationRegistration,
    OrganisationStatus,
    PortalAccount,
)
from ebhxh.agency.registrations.errors import RegistrationRefused
from ebhxh.agency.registrations.models import (
    CodeStatus,
    EserviceRegistration,
    RegistrationStatus,
)
from ebhxh.audit.models import AuditRecord
from ebhxh.core.errors import DomainError
from ebhxh.pki.errors import RejectionError
from tests.agency.portal import organisation_support as org
from tests.agency.portal import support

pytestmark = pytest.mark.django_db


@pytest.fixture
def sao_mai(db):
    return org.unit()


class Clock:
    """Moves `django.utils.timezone.now` for the whole system."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._real = timezone.now
        self.offset = timedelta(0)
        monkeypatch.setattr(timezone, "now", lambda: self._real() + self.offset)

    def shift(self, delta: timedelta) -> None:
        self.offset += delta


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def nothing_stored() -> None:
    assert not OrganisationRegistration.objects.exists()
    assert not OrganisationCode.objects.exists()
    assert not EserviceRegistration.objects.exists()
    assert not PortalAccount.objects.exists()
    assert not org.emails("portal_organisation_code")


# --- with a certificate, transacting at the portal --------------------------------------------


def test_signed_at_the_portal_emails_a_code_then_the_code_opens_the_account(trusted_pki, sao_mai):
    registration = services.organisation_submit_signed(signed_xml=org.signed(trusted_pki))

    assert registration.status == OrganisationStatus.PENDING_ACTIVATION
    assert registration.tracking_number.startswith("TC-")
    assert registration.tax_code == org.SAO_MAI_TAX
    eservice = registration.eservice_registration
    assert eservice is not None and eservice.channel == "portal"
    assert eservice.status == RegistrationStatus.PENDING_ACTIVATION
    # The portal proves the mailbox with its own code: registrations sent none.
    assert not eservice.activation_codes.exists()
    assert not org.emails("registration_activation_code")
    [email] = org.emails("portal_organisation_code")
    assert email.recipient == "ketoan@saomai.vn"
    link = org.LINK.search(email.body_text)
    assert link and link.group(1).endswith(f"/portal/to-chuc/kich-hoat/{registration.public_id}/")
    assert "(bấm vào đây)" in email.body_html
    code = org.code_in(email)
    assert code.replace("-", "") not in str(OrganisationCode.objects.values_list())

    done = services.organisation_activate(public_id=registration.public_id, code=code.lower())

    assert done.status == OrganisationStatus.COMPLETED
    account = PortalAccount.objects.get(unit_code="TA0123K")
    assert done.account == account and account.kind == "organisation"
    assert account.user.username == "TA0123K" and account.must_change_password
    [mail] = org.emails("portal_organisation_account")
    username, password = org.credentials_in(mail)
    assert username == "TA0123K" and account.user.check_password(password)
    eservice.refresh_from_db()
    assert eservice.status == RegistrationStatus.ACTIVE
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {
        "portal.organisation_submitted",
        "portal.organisation_completed",
        "portal.account_opened",
        "registrations.registration_activated",
    } <= actions


def test_after_a_portal_activation_a_later_ivan_registration_is_refused_ce044(trusted_pki, sao_mai):
    registration = services.organisation_submit_signed(signed_xml=org.signed(trusted_pki))
    services.organisation_activate(public_id=registration.public_id, code=org.last_code())
    misa = org.ivan(trusted_pki)

    with pytest.raises(RegistrationRefused) as refused:
        org.ivan_submit(trusted_pki, misa)

    assert refused.value.code == "CE044"
    assert EserviceRegistration.objects.filter(channel="ivan").count() == 0


def test_a_unit_active_with_an_ivan_is_refused_ce007_and_nothing_is_stored(trusted_pki, sao_mai):
    org.ivan_activate(org.ivan_submit(trusted_pki, org.ivan(trusted_pki)))
    before = EserviceRegistration.objects.count()

    with pytest.raises(RegistrationRefused) as refused:
        services.organisation_submit_signed(signed_xml=org.signed(trusted_pki))

    assert refused.value.code == "CE007"
    assert "MISA" in refused.value.detail
    assert EserviceRegistration.objects.count() == before
    assert not OrganisationRegistration.objects.exists()
    assert not org.emails("portal_organisation_code")


def test_an_ivan_activated_while_the_portal_one_waited_wins_and_the_code_answers_ce007(
    trusted_pki, sao_mai
):
    registration = services.organisation_submit_signed(signed_xml=org.signed(trusted_pki))
    portal_code = org.last_code()
    org.ivan_activate(org.ivan_submit(trusted_pki, org.ivan(trusted_pki)))

    with pytest.raises(RegistrationRefused) as refused:
        services.organisation_activate(public_id=registration.public_id, code=portal_code)

    assert refused.value.code == "CE007"
    registration.refresh_from_db()
    assert registration.status == OrganisationStatus.CANCELLED
    assert "MISA" in registration.reason  # who holds the unit now
    assert not PortalAccount.objects.exists()
    # The unit may register again once the I-VAN is stopped; nothing is left open.
    assert services.selectors.open_registration_for("TA0123K") is None


# --- with a certificate, transacting through an I-VAN -----------------------------------------


def test_choosing_an_ivan_opens_only_the_account(trusted_pki, sao_mai):
    org.ivan_activate(org.ivan_submit(trusted_pki, org.ivan(trusted_pki)))
    registration = services.organisation_submit_signed(
        signed_xml=org.signed(trusted_pki, transact_at="ivan")
    )
    assert registration.eservice_registration is None

    services.organisation_activate(public_id=registration.public_id, code=org.last_code())

    registration.refresh_from_db()
    assert registration.status == OrganisationStatus.COMPLETED
    assert PortalAccount.objects.filter(unit_code="TA0123K").exists()
    # The unit still transacts through its I-VAN.
    assert EserviceRegistration.objects.get(status="active").channel == "ivan"
    [mail] = org.emails("portal_organisation_account")
    assert "tổ chức I-VAN" in mail.body_text


# --- checks that refuse and store nothing -----------------------------------------------------


def test_a_certificate_of_another_mst_is_refused_with_idn001(trusted_pki, sao_mai):
    with pytest.raises(RegistrationRefused) as refused:
        services.organisation_submit_signed(signed_xml=org.signed(trusted_pki, slug="song-hau"))
    assert refused.value.code == "IDN001"
    assert "1800123450" in refused.value.detail and org.SAO_MAI_TAX in refused.value.detail
    nothing_stored()


def test_a_tampered_form_is_refused_by_the_signature_check(trusted_pki, sao_mai):
    tampered = org.signed(trusted_pki).replace(b"ketoan@saomai.vn", b"other@example.vn")
    with pytest.raises(RejectionError):
        services.organisation_submit_signed(signed_xml=tampered)
    nothing_stored()


def test_an_unknown_unit_is_a_field_error(trusted_pki, sao_mai):
    with pytest.raises(InvalidInput) as invalid:
        services.organisation_check(application=org.application(unit_code="TZH490L"))
    assert invalid.value.field == "unit_code" and invalid.value.code == "ORG_UNIT_UNKNOWN"
    with pytest.raises(InvalidInput):
        services.organisation_submit_signed(signed_xml=org.signed(trusted_pki, unit_code="TZH490L"))
    nothing_stored()


def test_the_unit_must_be_managed_by_the_chosen_office(trusted_pki, sao_mai):
    with pytest.raises(InvalidInput) as invalid:
        services.organisation_check(application=org.application(agency_code="01002"))
    assert invalid.value.field == "agency_code"
    assert invalid.value.code == "ORG_UNIT_OTHER_AGENCY"
    assert "Ba Đình" in invalid.value.message
    with pytest.raises(InvalidInput) as province_office:
        services.organisation_check(application=org.application(agency_code="01000"))
    assert province_office.value.code == "ORG_AGENCY"  # a provincial office is not a cơ sở
    with pytest.raises(InvalidInput):
        services.organisation_declare(application=org.application(agency_code="01002"))
    nothing_stored()


def test_identifiers_are_checked_field_by_field():
    with pytest.raises(InvalidInput) as invalid:
        org.application(unit_code="TA01", phone="0112345678", email="khong-phai-email", confirm="")
    fields = set(invalid.value.errors)
    assert {"unit_code", "phone", "email"} <= fields
    assert invalid.value.errors["unit_code"][0].code.startswith("UNIT_CODE")
    assert invalid.value.errors["phone"][0].code.startswith("PHONE")


# --- the code: 24 h, single use, locked after 5 wrong tries, resend ----------------------------


def submitted(trusted_pki) -> OrganisationRegistration:
    return services.organisation_submit_signed(signed_xml=org.signed(trusted_pki))


def test_the_code_works_just_before_24_hours(trusted_pki, sao_mai, clock):
    registration = submitted(trusted_pki)
    clock.shift(timedelta(hours=24) - timedelta(seconds=30))
    done = services.organisation_activate(public_id=registration.public_id, code=org.last_code())
    assert done.status == OrganisationStatus.COMPLETED


def test_the_code_expires_after_24_hours(trusted_pki, sao_mai, clock):
    registration = submitted(trusted_pki)
    clock.shift(timedelta(hours=24, seconds=1))
    with pytest.raises(RegistrationRefused) as refused:
        services.organisation_activate(public_id=registration.public_id, code=org.last_code())
    assert refused.value.code == "REG005"
    registration.refresh_from_db()
    assert registration.status == OrganisationStatus.PENDING_ACTIVATION
    assert not PortalAccount.objects.exists()
    # A resend gives a new 24 h.
    services.organisation_code_resend(public_id=registration.public_id)
    done = services.organisation_activate(public_id=registration.public_id, code=org.last_code())
    assert done.status == OrganisationStatus.COMPLETED


def test_the_code_is_single_use(trusted_pki, sao_mai):
    registration = submitted(trusted_pki)
    code = org.last_code()
    services.organisation_activate(public_id=registration.public_id, code=code)
    with pytest.raises(RegistrationRefused) as refused:
        services.organisation_activate(public_id=registration.public_id, code=code)
    assert refused.value.code == "REG006"
    assert PortalAccount.objects.count() == 1


def test_five_wrong_tries_lock_the_code_and_each_try_is_counted(trusted_pki, sao_mai):
    registration = submitted(trusted_pki)
    code = org.last_code()
    for attempt in range(1, 5):
        with pytest.raises(RegistrationRefused) as refused:
            services.organisation_activate(public_id=registration.public_id, code="AAAA-AAAA")
        assert refused.value.code == "REG004"
        # The call failed, yet the try was committed.
        assert OrganisationCode.objects.get().attempts == attempt
    with pytest.raises(RegistrationRefused) as locked:
        services.organisation_activate(public_id=registration.public_id, code="AAAA-AAAA")
    assert locked.value.code == "REG007"
    with pytest.raises(RegistrationRefused) as still_locked:
        services.organisation_activate(public_id=registration.public_id, code=code)
    assert still_locked.value.code == "REG007"
    assert OrganisationCode.objects.get().status == CodeStatus.LOCKED
    assert not PortalAccount.objects.exists()
    assert AuditRecord.objects.filter(action="portal.organisation_code_wrong").count() == 5


def test_a_resend_voids_the_previous_code(trusted_pki, sao_mai):
    registration = submitted(trusted_pki)
    old = org.last_code()
    services.organisation_code_resend(public_id=registration.public_id)
    new = org.last_code()
    assert old != new
    with pytest.raises(RegistrationRefused) as refused:
        services.organisation_activate(public_id=registration.public_id, code=old)
    assert refused.value.code == "REG004"  # only the latest code is compared
    assert list(OrganisationCode.objects.values_list("status", flat=True)) == [
        CodeStatus.ACTIVE,
        CodeStatus.VOIDED,
    ]
    services.organisation_activate(public_id=registration.public_id, code=new)


# --- one account and one request per unit ------------------------------------------------------


def test_a_unit_with_a_request_in_progress_or_an_account_is_refused_clearly(trusted_pki, sao_mai):
    registration = submitted(trusted_pki)
    with pytest.raises(DomainError) as open_one:
        services.organisation_submit_signed(signed_xml=org.signed(trusted_pki))
    assert open_one.value.code == "PORTAL_ORG_REGISTRATION_OPEN"
    assert registration.tracking_number in open_one.value.message
    with pytest.raises(DomainError):
        services.organisation_declare(application=org.application())
    assert OrganisationRegistration.objects.count() == 1
    assert EserviceRegistration.objects.count() == 1

    services.organisation_activate(public_id=registration.public_id, code=org.last_code())
    with pytest.raises(DomainError) as has_account:
        services.organisation_check(application=org.application())
    assert has_account.value.code == "PORTAL_ACCOUNT_EXISTS"
    with pytest.raises(DomainError):
        services.organisation_declare(application=org.application())
    assert PortalAccount.objects.count() == 1


def test_the_database_allows_one_open_request_per_unit(trusted_pki, sao_mai):
    from django.db import IntegrityError, transaction

    first = services.organisation_declare(application=org.application())
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationRegistration.objects.create(
            tracking_number="TC-2026-9999999",
            channel="paper",
            transact_at="portal",
            status="declared",
            unit=first.unit,
            unit_code=first.unit_code,
            unit_name="x",
            tax_code=first.tax_code,
            address="x",
            managing_agency=first.managing_agency,
            contact_name="x",
            phone="0912345678",
            email="a@b.vn",
            submitted_at=timezone.now(),
        )


# --- without a certificate: printed, decided by the office ------------------------------------


def test_paper_is_printed_and_the_officer_of_that_office_accepts(sao_mai):
    import io

    from pypdf import PdfReader

    from ebhxh.agency.portal.organisation_pdf import organisation_pdf

    registration = services.organisation_declare(application=org.application())
    assert registration.status == OrganisationStatus.DECLARED
    assert registration.eservice_registration is None
    pdf = organisation_pdf(registration)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "TA0123K" in text and registration.tracking_number in text
    assert "Cơ quan/Tổ chức" in text or "cơ quan, tổ chức" in text

    elsewhere = support.officer(username="canbo.caugiay", agency="01002")
    with pytest.raises(DomainError) as out_of_scope:
        services.organisation_accept(officer_user=elsewhere.user, registration_id=registration.pk)
    assert out_of_scope.value.code == "PORTAL_OUT_OF_SCOPE"

    officer = support.officer()
    done = services.organisation_accept(officer_user=officer.user, registration_id=registration.pk)
    assert done.status == OrganisationStatus.COMPLETED and done.decided_by == officer.user
    [mail] = org.emails("portal_organisation_account")
    username, password = org.credentials_in(mail)
    assert username == "TA0123K"
    assert PortalAccount.objects.get(unit_code="TA0123K").user.check_password(password)
    with pytest.raises(DomainError) as twice:
        services.organisation_accept(officer_user=officer.user, registration_id=registration.pk)
    assert twice.value.code == "PORTAL_ALREADY_DECIDED"


def test_the_officer_refuses_with_a_reason_that_is_emailed(sao_mai):
    registration = services.organisation_declare(application=org.application())
    officer = support.officer()
    with pytest.raises(InvalidInput) as short:
        services.organisation_refuse(
            officer_user=officer.user, registration_id=registration.pk, reason="thiếu"
        )
    assert short.value.code == "PORTAL_REASON_REQUIRED"
    registration.refresh_from_db()
    assert registration.status == OrganisationStatus.DECLARED

    services.organisation_refuse(
        officer_user=officer.user,
        registration_id=registration.pk,
        reason="Tờ khai chưa có chữ ký của thủ trưởng và dấu của đơn vị.",
    )
    registration.refresh_from_db()
    assert registration.status == OrganisationStatus.REFUSED
    [mail] = org.emails("portal_organisation_refused")
    assert "chưa có chữ ký của thủ trưởng" in mail.body_text
    # Refused: the unit may register again.
    again = services.organisation_declare(application=org.application())
    assert again.status == OrganisationStatus.DECLARED


def test_a_signed_request_is_not_decided_by_an_officer(trusted_pki, sao_mai):
    registration = submitted(trusted_pki)
    with pytest.raises(DomainError) as automatic:
        services.organisation_accept(
            officer_user=support.officer().user, registration_id=registration.pk
        )
    assert automatic.value.code == "PORTAL_AUTOMATIC_ONLY"


def test_tracking_numbers_follow_each_other(sao_mai):
    first = services.organisation_declare(application=org.application())
    org.unit(unit_code="YN0456B", tax_code="0109234567-001", agency="01001", name="Chi nhánh")
    second = services.organisation_declare(
        application=org.application(unit_code="YN0456B", unit_name="Chi nhánh")
    )
    year = first.tracking_number.split("-")[1]
    assert first.tracking_number == f"TC-{year}-0000001"
    assert second.tracking_number == f"TC-{year}-0000002"
    assert isinstance(first.submitted_at, datetime)
