"""Builders for registration tests: signed dossiers from the demo PKI, a gateway client that
goes through Django's test client, and reading the emailed activation code.

Dossiers are built the way an I-VAN builds them: the form with its codec, signed in `Cky`
with the unit's key, put in a `Hoso` envelope signed in `CKy_Dvi`, and submitted through the
real intake endpoint with a signed request.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from django.test import Client

from ebhxh.agency.gateway.models import Dossier
from ebhxh.agency.registrations.models import EserviceRegistration, UnitCodeRequest
from ebhxh.dossiers import Envelope, FormFile, IvanInfo, UnitInfo, build_envelope
from ebhxh.dossiers.forms import registration as forms
from ebhxh.dossiers.forms.registry import FormCodec
from ebhxh.dossiers.transport import GatewayClient
from ebhxh.notifications.models import OutboxMessage
from ebhxh.pki.demo import DemoPki, p12_password
from ebhxh.reference.procedures import get_procedure
from ebhxh.signers.software import Pkcs12Signer
from ebhxh.xmldsig import ENVELOPE, FORM, sign_xml

IVAN_CODES = {"ivan-misa": "00110", "ivan-vnpt": "00020", "ivan-viettel": "00050"}
# Sao Mai holds two certificates (VNPT-CA and Viettel-CA) for one MST.
SAO_MAI = {"unit_code": "TA0123K", "tax_code": "0109234567", "agency": "01001"}
SONG_HAU = {"unit_code": "1800123450DNA03", "tax_code": "1800123450", "agency": "92001"}
HOA_BINH_TAX = "0109123458"  # no unit code yet: the first-time registration
CODE_PATTERN = re.compile(r"MÃ KÍCH HOẠT: ([A-Z0-9]{4}-[A-Z0-9]{4})")


class DjangoTransport(httpx.BaseTransport):
    """httpx over Django's test client: same thread, same test transaction, and the test
    client keeps the connection open across requests."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in {"host", "content-length", "content-type"}
        }
        response = self.client.generic(
            request.method,
            request.url.raw_path.decode("ascii"),
            data=body,
            content_type=request.headers.get("content-type", "application/octet-stream"),
            headers=headers,
        )
        return httpx.Response(
            response.status_code,
            headers=list(response.items()),
            content=response.content,
            request=request,
        )


@dataclass
class Gateway:
    """Submit dossiers and call the registrations API as a demo I-VAN."""

    pki: DemoPki
    capture: Callable[..., Any]
    http: Client = field(default_factory=Client)

    def client(self, ivan: str = "ivan-misa") -> GatewayClient:
        transport = httpx.Client(transport=DjangoTransport(self.http), base_url="http://testserver")
        return GatewayClient(
            "http://testserver/gateway/v1", IVAN_CODES[ivan], signer(self.pki, ivan), http=transport
        )

    def submit(self, envelope: bytes, *, ivan: str = "ivan-misa") -> Dossier:
        """Submit through the real intake; processing (and emails) run at commit."""
        with self.capture(execute=True):
            result = self.client(ivan).submit(envelope, message_id=f"T-{uuid.uuid4().hex}")
        return Dossier.objects.get(number=result.number)

    def post(self, path: str, body: dict[str, Any], *, ivan: str = "ivan-misa") -> httpx.Response:
        with self.capture(execute=True):
            return self.client(ivan).post(path, json_body=body)

    def get(self, path: str, *, ivan: str = "ivan-misa", **params: str) -> httpx.Response:
        return self.client(ivan).get(path, params=params or None)


@cache
def _signer(directory: str, slug: str) -> Pkcs12Signer:
    pki = DemoPki.load(Path(directory))
    return Pkcs12Signer.from_file(pki.path(pki.entity(slug).files.pkcs12), p12_password(slug))


def signer(pki: DemoPki, slug: str) -> Pkcs12Signer:
    return _signer(str(pki.directory), slug)


def _signed_form(pki: DemoPki, codec: FormCodec[Any], content: Any, slug: str) -> bytes:
    return sign_xml(codec.build(content), signer(pki, slug), location=FORM)


def envelope(
    pki: DemoPki,
    *,
    procedure: str,
    form_code: str,
    form: bytes,
    unit_code: str,
    tax_code: str,
    signer_slug: str,
    ivan: str = "ivan-misa",
    managing_agency: str = "",
) -> bytes:
    spec = get_procedure(procedure)
    unsigned = build_envelope(
        Envelope(
            ivan=IvanInfo(code=IVAN_CODES[ivan], name=ivan.upper()),
            unit=UnitInfo(
                name=pki.entity(signer_slug).common_name,
                unit_code=unit_code,
                tax_code=tax_code,
                signer_name="Nguyễn Văn Kế Toán",
                phone="0912345678",
                managing_agency=managing_agency,
            ),
            procedure_code=procedure,
            procedure_name=spec.name,
            period="01/2026",
            created_on=date(2026, 1, 5),
            files=(
                FormFile(
                    form_code=form_code,
                    description=spec.forms[0].description,
                    file_name=f"{form_code.replace('/', '_')}.xml",
                    content=form,
                ),
            ),
        )
    )
    return sign_xml(unsigned, signer(pki, signer_slug), location=ENVELOPE)


def registration_envelope(
    pki: DemoPki,
    *,
    ivan: str = "ivan-misa",
    unit: dict[str, str] = SAO_MAI,
    signer_slug: str = "sao-mai-vnpt",
    email: str = "ketoan@saomai.vn",
    tax_code: str | None = None,
) -> bytes:
    tax = tax_code or unit["tax_code"]
    content = forms.EserviceRegistrationForm(
        unit_code=unit["unit_code"],
        unit_name="Công ty TNHH Công nghệ Sao Mai",
        tax_code=tax,
        ivan_code=IVAN_CODES[ivan],
        contact_name="Nguyễn Thị Kế Toán",
        contact_email=email,
        contact_phone="0912345678",
        registered_on=date(2026, 1, 5),
    )
    return envelope(
        pki,
        procedure=forms.REGISTER,
        form_code=forms.REGISTER,
        form=_signed_form(pki, forms.REGISTRATION_CODEC, content, signer_slug),
        unit_code=unit["unit_code"],
        tax_code=tax,
        signer_slug=signer_slug,
        ivan=ivan,
    )


def change_envelope(
    pki: DemoPki,
    *,
    ivan: str = "ivan-misa",
    unit: dict[str, str] = SAO_MAI,
    signer_slug: str = "sao-mai-vnpt",
    email: str = "",
    phone: str = "",
    certificate_der: bytes = b"",
) -> bytes:
    content = forms.EserviceChangeForm(
        unit_code=unit["unit_code"],
        tax_code=unit["tax_code"],
        ivan_code=IVAN_CODES[ivan],
        changed_on=date(2026, 1, 6),
        contact_email=email,
        contact_phone=phone,
        certificate_der=certificate_der,
    )
    return envelope(
        pki,
        procedure=forms.CHANGE,
        form_code=forms.CHANGE,
        form=_signed_form(pki, forms.CHANGE_CODEC, content, signer_slug),
        unit_code=unit["unit_code"],
        tax_code=unit["tax_code"],
        signer_slug=signer_slug,
        ivan=ivan,
    )


def stop_envelope(
    pki: DemoPki,
    *,
    ivan: str,
    target: str,
    unit: dict[str, str] = SAO_MAI,
    signer_slug: str = "sao-mai-vnpt",
    reason: str = "Chuyển sang nhà cung cấp dịch vụ khác",
) -> bytes:
    """`target` is an I-VAN slug, or "portal"."""
    portal = target == "portal"
    content = forms.EserviceStopForm(
        unit_code=unit["unit_code"],
        tax_code=unit["tax_code"],
        ivan_code=IVAN_CODES[ivan],
        target_channel=forms.StopChannel.PORTAL if portal else forms.StopChannel.IVAN,
        target_ivan_code="" if portal else IVAN_CODES[target],
        reason=reason,
        stopped_on=date(2026, 1, 7),
    )
    return envelope(
        pki,
        procedure=forms.STOP,
        form_code=forms.STOP,
        form=_signed_form(pki, forms.STOP_CODEC, content, signer_slug),
        unit_code=unit["unit_code"],
        tax_code=unit["tax_code"],
        signer_slug=signer_slug,
        ivan=ivan,
    )


def first_time_envelope(
    pki: DemoPki,
    *,
    ivan: str = "ivan-misa",
    province: str = "01",
    agency: str = "01001",
    email: str = "giamdoc@hoabinh.vn",
    business_type: str = "A03",
) -> bytes:
    content = forms.UnitCodeRequestForm(
        unit_name="Công ty Cổ phần Đầu tư Thương mại Hoà Bình",
        tax_code=HOA_BINH_TAX,
        address="Số 1 Trần Duy Hưng, Phường Cầu Giấy, Hà Nội",
        province_code=province,
        managing_agency=agency,
        target_group="DN",
        business_type=business_type,
        contact_name="Trần Văn Giám Đốc",
        contact_email=email,
        contact_phone="0987654321",
        declared_on=date(2026, 1, 5),
    )
    return envelope(
        pki,
        procedure=forms.FIRST_TIME_PROCEDURE,
        form_code=forms.FIRST_TIME,
        form=_signed_form(pki, forms.UNIT_CODE_REQUEST_CODEC, content, "hoa-binh"),
        unit_code="",
        tax_code=HOA_BINH_TAX,
        signer_slug="hoa-binh",
        ivan=ivan,
        managing_agency=agency,
    )


def latest_code(subject: EserviceRegistration | UnitCodeRequest) -> str:
    """The activation code from the latest email about `subject`, as the contact reads it."""
    message = (
        OutboxMessage.objects.filter(
            related_type=subject._meta.label_lower,
            related_id=str(subject.pk),
            template__in=["registration_activation_code", "registration_unit_code_activation"],
        )
        .order_by("-pk")
        .first()
    )
    assert message is not None, "no activation email was queued"
    match = CODE_PATTERN.search(message.body_text)
    assert match is not None, message.body_text
    return match[1]


def wrong_code(code: str) -> str:
    """A well-formed code that is not `code`."""
    replacement = "A" if code[0] != "A" else "B"
    return replacement + code[1:]


def last_event_code(dossier: Dossier) -> str:
    return dossier.events.order_by("-at", "-pk").values_list("code", flat=True).first() or ""
