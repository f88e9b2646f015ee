"""The dossier engine: state machine, checks before signing, token signing, submission to the
real gateway, idempotent resend, refusals, periodic refresh and retry, emails and hooks."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone
from lxml import etree

from ebhxh.agency.gateway.models import Dossier
from ebhxh.agency.registrations.models import EserviceRegistration
from ebhxh.core.errors import DomainError, IllegalTransition
from ebhxh.dossiers import parse_envelope
from ebhxh.dossiers.envelope import UNIT_CODE_XPATH
from ebhxh.dossiers.forms.business import parse_d02
from ebhxh.dossiers.receipt import RECEIPT, parse_receipt
from ebhxh.ivan import gateway
from ebhxh.ivan.filings import services
from ebhxh.ivan.filings.models import FILING_TRANSITIONS, Filing, FilingForm, FilingState
from ebhxh.ivan.models import Role, ServiceState, Unit
from ebhxh.ivan.permissions import NotAllowed
from ebhxh.notifications.models import OutboxMessage
from ebhxh.pki.demo import DemoPki
from ebhxh.xmldsig import ENVELOPE, FORM, verify_xml
from tests.agency.gateway.factories import connect_ivan
from tests.esign.support import InProcessApp
from tests.ivan.filings.conftest import PERIOD, d02_form, d02_xml, employee

pytestmark = pytest.mark.django_db


# --- state machine -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (FilingState.DRAFT, FilingState.SIGNING),
        (FilingState.SIGNING, FilingState.SIGNED),
        (FilingState.SIGNING, FilingState.DRAFT),
        (FilingState.SIGNED, FilingState.SENDING),
        (FilingState.SENDING, FilingState.SEND_FAILED),
        (FilingState.SEND_FAILED, FilingState.SENDING),
        (FilingState.SENDING, FilingState.RECEIVED),
        (FilingState.RECEIVED, FilingState.PROCESSING),
        (FilingState.PROCESSING, FilingState.ACCEPTED),
        (FilingState.RECEIVED, FilingState.REFUSED),
    ],
)
def test_the_lifecycle_allows_its_moves(source: str, target: str) -> None:
    FILING_TRANSITIONS.check(source, target)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (FilingState.DRAFT, FilingState.SENDING),  # unsigned dossiers are never sent
        (FilingState.RECEIVED, FilingState.CANCELLED),  # the agency has it
        (FilingState.ACCEPTED, FilingState.REFUSED),
        (FilingState.REFUSED, FilingState.SENDING),
        (FilingState.CANCELLED, FilingState.DRAFT),
    ],
)
def test_the_lifecycle_refuses_other_moves(source: str, target: str) -> None:
    with pytest.raises(IllegalTransition) as caught:
        FILING_TRANSITIONS.check(source, target)
    assert caught.value.code == "FILING_ILLEGAL_TRANSITION"


# --- checks before signing -----------------------------------------------------------------


def test_a_draft_keeps_its_forms_and_a_unique_message_id(draft: Filing) -> None:
    assert draft.state == FilingState.DRAFT
    assert draft.procedure_name and draft.period == PERIOD
    assert draft.message_id.startswith("00110-")
    [form] = draft.forms.all()
    assert parse_d02(bytes(form.xml)).employees[0].full_name == "Nguyễn Văn Bình"
    assert [event.kind for event in draft.events.all()] == ["created"]


def test_a_bad_cell_is_refused_with_its_code_and_xpath_before_signing(admin, sao_mai) -> None:
    bad = d02_xml(employee(), employee(citizen_id="001090012345", insurance_number="0123456780"))
    with pytest.raises(services.FilingInvalid) as caught:
        services.filing_create(
            actor=admin.user, unit=sao_mai, procedure_code="600", forms=[d02_form(bad)]
        )
    assert caught.value.code == "SCH007"
    assert caught.value.field == "/ToKhai/DanhSach/LaoDong[2]/SoCCCD"
    assert "đã khai ở dòng 1" in caught.value.message
    assert not Filing.objects.exists() and not FilingForm.objects.exists()


def test_a_form_of_another_procedure_is_refused_by_the_envelope_reader(admin, sao_mai) -> None:
    form = services.FormInput(form_code="D99-TS", description="x", file_name="x.xml", xml=b"<x/>")
    with pytest.raises(services.FilingInvalid) as caught:
        services.filing_create(actor=admin.user, unit=sao_mai, procedure_code="600", forms=[form])
    assert caught.value.code == "SCH007"
    assert caught.value.field.endswith("FileToKhai[1]/MaToKhai")


def test_business_dossiers_need_an_active_e_service(admin, holder, agency_sao_mai) -> None:
    from ebhxh.ivan import services as ivan_services
    from tests.ivan.conftest import unit_input
    from tests.ivan.filings.conftest import set_token

    unit = ivan_services.unit_create(by=admin, data=unit_input())
    set_token(admin, unit, holder("sao-mai-vnpt"))
    assert unit.service_state == ServiceState.NOT_REGISTERED
    with pytest.raises(services.FilingInvalid) as caught:
        services.filing_create(
            actor=admin.user, unit=unit, procedure_code="600", forms=[d02_form()]
        )
    assert caught.value.code == "IVAN_SERVICE_NOT_ACTIVE"
    assert "Đăng ký dịch vụ" in caught.value.message


def test_a_unit_without_a_signature_cannot_prepare(admin, agency_sao_mai) -> None:
    from ebhxh.ivan import services as ivan_services
    from tests.ivan.conftest import unit_input

    unit = ivan_services.unit_create(by=admin, data=unit_input())
    with pytest.raises(DomainError) as caught:
        services.filing_create(
            actor=admin.user, unit=unit, procedure_code="04/ĐK-IVAN", forms=[d02_form()]
        )
    assert caught.value.code == "IVAN_SIGNATURE_MISSING"


def test_roles_are_enforced(member, sao_mai) -> None:
    signer = member(Role.SIGNER, "ky-nop")
    with pytest.raises(NotAllowed):
        services.filing_create(
            actor=signer.user, unit=sao_mai, procedure_code="600", forms=[d02_form()]
        )
    preparer = member(Role.PREPARER, "lap-ho-so")
    filing = services.filing_create(
        actor=preparer.user, unit=sao_mai, procedure_code="600", forms=[d02_form()]
    )
    with pytest.raises(NotAllowed):
        services.filing_token_start(actor=preparer.user, filing=filing, certificate=b"")


# --- token signing -------------------------------------------------------------------------


def test_token_signing_signs_each_form_then_the_envelope(
    admin, draft: Filing, token, demo_pki: DemoPki
) -> None:
    signed = token().sign_all(admin, draft)
    assert signed.state == FilingState.SIGNED
    envelope = bytes(signed.signed_envelope)
    assert signed.envelope_sha256 == hashlib.sha256(envelope).hexdigest()
    checker = demo_pki.validator()
    verified = verify_xml(envelope, checker=checker, location=ENVELOPE)
    assert verified.validated.identity.tax_code == "0109234567"
    [inner] = parse_envelope(envelope).files
    assert inner.content == bytes(FilingForm.objects.get(filing=signed).signed_xml)
    verify_xml(inner.content, checker=checker, location=FORM)
    assert [e.kind for e in signed.events.all()] == ["created", "signing_started", "signed"]


def test_another_certificate_of_the_same_mst_is_not_the_configured_one(
    admin, draft: Filing, token
) -> None:
    with pytest.raises(DomainError) as caught:
        token("sao-mai-viettel").sign_all(admin, draft)
    assert caught.value.code == "IDN001"
    assert "không phải chứng thư số đã thiết lập" in caught.value.message
    assert Filing.objects.get(pk=draft.pk).state == FilingState.DRAFT


def test_a_certificate_of_another_mst_is_refused_with_idn001(admin, draft: Filing, token) -> None:
    with pytest.raises(DomainError) as caught:
        token("hoa-binh").sign_all(admin, draft)
    assert caught.value.code == "IDN001"
    assert "0109123458" in caught.value.message


def test_a_signature_that_does_not_match_is_refused(admin, draft: Filing, holder) -> None:
    key = holder("sao-mai-vnpt")
    step = services.filing_token_start(
        actor=admin.user, filing=draft, certificate=key.der, chain=key.chain_der
    )
    with pytest.raises(DomainError) as caught:
        services.filing_token_continue(
            actor=admin.user, filing=draft, signature=key.sign(hashlib.sha256(b"x").digest())
        )
    assert caught.value.code == "SIG002"
    assert step.index == 1 and step.total == 2


# --- submission ------------------------------------------------------------------------------


def test_submission_stores_the_verified_receipt_and_emails_the_company(
    admin, draft: Filing, token, django_capture_on_commit_callbacks
) -> None:
    seen: list[str] = []
    services.register_outcome_hook("600", lambda filing: seen.append(filing.state))
    signed = token().sign_all(admin, draft)
    with django_capture_on_commit_callbacks(execute=True):
        filing = services.filing_submit(actor=admin.user, filing=signed)
    assert filing.state == FilingState.RECEIVED
    dossier = Dossier.objects.get(message_id=filing.message_id)
    assert filing.number == dossier.number
    receipt = parse_receipt(bytes(filing.receipt))
    assert receipt.number == filing.number
    assert receipt.envelope_sha256 == filing.envelope_sha256
    assert filing.received_at is not None
    assert seen == [FilingState.RECEIVED]
    mails = OutboxMessage.objects.filter(template="ivan_filing_received")
    assert {m.recipient for m in mails} == {"lienhe@saomai.example.vn", admin.user.email}
    assert filing.number in mails[0].subject


def test_a_lost_answer_is_resent_with_the_same_message_id(
    admin, draft: Filing, token, django_capture_on_commit_callbacks
) -> None:
    """The gateway received it but the answer was lost: the resend gets the same receipt."""
    real = httpx.WSGITransport(app=InProcessApp())

    class LosesTheAnswer(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            real.handle_request(request)
            raise httpx.ReadTimeout("answer lost", request=request)

    signed = token().sign_all(admin, draft)
    gateway.use_transport(LosesTheAnswer())
    with django_capture_on_commit_callbacks(execute=True):
        failed = services.filing_submit(actor=admin.user, filing=signed)
    assert failed.state == FilingState.SEND_FAILED
    assert failed.result_code == "IVAN_GATEWAY_UNAVAILABLE"
    assert failed.next_retry_at is not None
    assert Dossier.objects.filter(message_id=failed.message_id).count() == 1

    gateway.use_transport(real)
    assert services.resend_due_filings() == 0  # not due yet
    Filing.objects.filter(pk=failed.pk).update(next_retry_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.resend_due_filings() == 1
    filing = Filing.objects.get(pk=failed.pk)
    # The agency decided meanwhile (it processes at commit): the resend's answer says so.
    assert filing.state == FilingState.ACCEPTED
    assert filing.send_attempts == 2
    assert Dossier.objects.filter(message_id=filing.message_id).count() == 1
    assert filing.number == Dossier.objects.get(message_id=filing.message_id).number
    assert "nộp lại" in filing.events.get(kind="received").message


def test_an_unreachable_gateway_leaves_a_retry_and_a_button(
    admin, draft: Filing, token, settings, client
) -> None:
    signed = token().sign_all(admin, draft)
    gateway.use_transport(None)
    settings.IVAN_GATEWAY_URL = "http://127.0.0.1:9/gateway/v1/"
    filing = services.filing_submit(actor=admin.user, filing=signed)
    assert filing.state == FilingState.SEND_FAILED
    assert "Không kết nối được" in filing.result_message
    assert filing.next_retry_at > timezone.now()
    client.force_login(admin.user)
    page = client.get(f"/ivan/ho-so/{filing.pk}/").content.decode()
    assert 'id="resend-filing"' in page and "Gửi lại" in page


def test_a_rejection_at_intake_is_refused_with_code_message_and_xpath(
    admin, draft: Filing, token, demo_pki, django_capture_on_commit_callbacks
) -> None:
    """The agency's registration is with another I-VAN: AUT002, pointing at the unit code."""
    registration = EserviceRegistration.objects.get()
    registration.ivan = connect_ivan(demo_pki, "00020")
    registration.save()
    seen: list[str] = []
    services.register_outcome_hook("600", lambda filing: seen.append(filing.result_code))
    signed = token().sign_all(admin, draft)
    with django_capture_on_commit_callbacks(execute=True):
        filing = services.filing_submit(actor=admin.user, filing=signed)
    assert filing.state == FilingState.REFUSED
    assert filing.result_code == "AUT002"
    assert filing.result_xpath == UNIT_CODE_XPATH
    assert filing.result_message  # the catalogue's Vietnamese message
    assert seen == ["AUT002"]
    mail = OutboxMessage.objects.get(template="ivan_filing_refused", recipient=admin.user.email)
    assert "AUT002" in mail.subject and filing.result_message in mail.body_text


def test_the_periodic_refresh_brings_the_agencys_decision(
    admin, draft: Filing, token, django_capture_on_commit_callbacks
) -> None:
    signed = token().sign_all(admin, draft)
    with django_capture_on_commit_callbacks(execute=True):  # the agency processes at commit
        filing = services.filing_submit(actor=admin.user, filing=signed)
    assert filing.state == FilingState.RECEIVED
    assert Dossier.objects.get(number=filing.number).status == "accepted"
    seen: list[str] = []
    services.register_outcome_hook("600", lambda f: seen.append(f.state))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.refresh_open_filings() == 1
    filing = Filing.objects.get(pk=filing.pk)
    assert filing.state == FilingState.ACCEPTED
    [summary] = filing.result["data"]["forms"]
    assert (summary["form"], summary["employees"], summary["increase"]) == ("D02-TS", 1, 1)
    assert seen == [FilingState.ACCEPTED]
    assert services.refresh_open_filings() == 0  # decided: no longer polled


def test_periodic_jobs_are_registered() -> None:
    from ebhxh.jobs.periodic import registered

    keys = {job.key for job in registered()}
    assert {"ivan.filings.refresh", "ivan.filings.resend"} <= keys


def test_cancel_only_before_the_agency_has_it(admin, draft: Filing) -> None:
    cancelled = services.filing_cancel(actor=admin.user, filing=draft)
    assert cancelled.state == FilingState.CANCELLED
    with pytest.raises(DomainError) as caught:
        services.filing_cancel(actor=admin.user, filing=cancelled)
    assert caught.value.code == "FILING_NOT_CANCELLABLE"


def test_downloads_give_the_signed_envelope_and_the_receipt(
    admin, draft: Filing, token, client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        filing = services.filing_submit(actor=admin.user, filing=token().sign_all(admin, draft))
    client.force_login(admin.user)
    envelope = client.get(f"/ivan/ho-so/{filing.pk}/ho-so-da-ky.xml")
    assert envelope.status_code == 200
    assert hashlib.sha256(envelope.content).hexdigest() == filing.envelope_sha256
    receipt = client.get(f"/ivan/ho-so/{filing.pk}/bien-nhan.xml")
    assert etree.fromstring(receipt.content).tag == RECEIPT.root
    assert "attachment" in receipt["Content-Disposition"]
    assert base64.b64encode(receipt.content)


def test_another_companys_dossier_is_not_found(admin, draft: Filing, member, client) -> None:
    from ebhxh.ivan.models import Company

    other = Company.objects.create(name="Công ty khác", tax_code="0100109106")
    stranger = member(Role.ADMIN, "nguoi-la", in_company=other)
    client.force_login(stranger.user)
    assert client.get(f"/ivan/ho-so/{draft.pk}/").status_code == 404
    assert client.get(f"/ivan/ho-so/{draft.pk}/ho-so-da-ky.xml").status_code == 404


def _unit_of(filing: Filing) -> Unit:
    return Unit.objects.get(pk=filing.unit_id)


def test_resend_when_refused_is_not_possible(admin, draft, token, demo_pki) -> None:
    registration = EserviceRegistration.objects.get()
    registration.ivan = connect_ivan(demo_pki, "00020")
    registration.save()
    filing = services.filing_submit(actor=admin.user, filing=token().sign_all(admin, draft))
    assert filing.state == FilingState.REFUSED
    with pytest.raises(DomainError) as caught:
        services.filing_submit(actor=admin.user, filing=filing)
    assert caught.value.code == "FILING_NOT_SENDABLE"
    assert _unit_of(filing).service_state == ServiceState.ACTIVE
    assert timedelta(0) < services.RETRY_DELAYS[0]
