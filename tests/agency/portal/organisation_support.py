"""Builders for the organisation-account tests (seed 001): demo units in the registry, the
form signed with a demo unit's key, I-VANs holding a unit, and reading the emails."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding

from ebhxh.agency.portal.organisation import (
    LOCATION,
    OrganisationApplication,
    build_organisation_xml,
    validate_organisation,
)
from ebhxh.agency.registrations import services as registrations
from ebhxh.agency.registrations.certificates import CertificateInfo
from ebhxh.agency.registrations.models import Channel, EserviceRegistration
from ebhxh.agency.registry.models import IvanConnection, Unit
from ebhxh.notifications.models import Channel as MessageChannel
from ebhxh.notifications.models import OutboxMessage
from ebhxh.pki.demo import DemoPki
from ebhxh.pki.loading import fingerprint_sha256
from ebhxh.reference.models import Agency, IvanProvider
from ebhxh.signers.software import Pkcs12Signer
from ebhxh.vntime import VIETNAM_TZ
from ebhxh.xmldsig import sign_xml

# Công ty TNHH Công nghệ Sao Mai: the demo PKI's sao-mai-vnpt and sao-mai-viettel carry MST
# 0109234567; managed by Bảo hiểm xã hội cơ sở Ba Đình (01001).
SAO_MAI = {
    "agency_code": "01001",
    "unit_name": "Công ty TNHH Công nghệ Sao Mai",
    "unit_code": "TA0123K",
    "address": "Số 12 phố Kim Mã, phường Giảng Võ, Thành phố Hà Nội",
    "contact_name": "Nguyễn Thị Kế Toán",
    "phone": "0912345678",
    "email": "ketoan@saomai.vn",
    "transact_at": "portal",
}
SAO_MAI_TAX = "0109234567"
SONG_HAU = {"unit_code": "1800123450DNA03", "tax_code": "1800123450", "agency": "92001"}
CODE = re.compile(r"MÃ KÍCH HOẠT: ([A-Z0-9]{4}-[A-Z0-9]{4})")
USERNAME = re.compile(r"Tên đăng nhập: (\S+)")
PASSWORD = re.compile(r"Mật khẩu:\s+(\S+)")
LINK = re.compile(r"\(bấm vào đây\): (\S+)")
IVAN_CODES = {"ivan-misa": "00110", "ivan-vnpt": "00020"}


def unit(
    unit_code: str = "TA0123K",
    tax_code: str = SAO_MAI_TAX,
    agency: str = "01001",
    name: str = "Công ty TNHH Công nghệ Sao Mai",
) -> Unit:
    managing = Agency.objects.get(code=agency)
    return Unit.objects.create(
        unit_code=unit_code,
        tax_code=tax_code,
        name=name,
        address="Số 12 phố Kim Mã, phường Giảng Võ, Thành phố Hà Nội",
        province=managing.province,
        managing_agency=managing,
    )


def application(**changes: Any) -> OrganisationApplication:
    return validate_organisation({**SAO_MAI, **changes})


def signed(
    pki: DemoPki,
    *,
    slug: str = "sao-mai-vnpt",
    tax_code: str = SAO_MAI_TAX,
    at: datetime | None = None,
    **changes: Any,
) -> bytes:
    """The organisation form signed with a demo unit's key (default: Sao Mai's VNPT-CA)."""
    signer = Pkcs12Signer(pki.private_key(slug), pki.certificate(slug), pki.chain(slug))
    moment = (at or datetime.now(VIETNAM_TZ)).replace(microsecond=0)
    return sign_xml(
        build_organisation_xml(application(**changes), tax_code=tax_code, created_at=moment),
        signer,
        location=LOCATION,
        signing_time=moment,
    )


def emails(template: str) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(template=template, channel=MessageChannel.EMAIL).order_by("id")
    )


def code_in(message: OutboxMessage) -> str:
    found = CODE.search(message.body_text)
    assert found, message.body_text
    return found.group(1)


def last_code(template: str = "portal_organisation_code") -> str:
    return code_in(emails(template)[-1])


def credentials_in(message: OutboxMessage) -> tuple[str, str]:
    username = USERNAME.search(message.body_text)
    password = PASSWORD.search(message.body_text)
    assert username and password, message.body_text
    return username.group(1), password.group(1)


def ivan(pki: DemoPki, slug: str = "ivan-misa") -> IvanConnection:
    certificate = pki.certificate(slug)
    return IvanConnection.objects.create(
        provider=IvanProvider.objects.get(code=IVAN_CODES[slug]),
        certificate_pem=certificate.public_bytes(Encoding.PEM).decode("ascii"),
        certificate_fingerprint=fingerprint_sha256(certificate),
    )


def ivan_submit(
    pki: DemoPki, connection: IvanConnection, unit_code: str = "TA0123K"
) -> EserviceRegistration:
    """The unit registers with an I-VAN (04/ĐK-IVAN), through the registrations service."""
    return registrations.registration_submit(
        unit_code=unit_code,
        channel=Channel.IVAN,
        ivan=connection,
        dossier=None,
        contact=registrations.Contact(
            name="Nguyễn Thị Kế Toán", email="ivan-contact@saomai.vn", phone="0912345678"
        ),
        certificate=CertificateInfo.of(pki.certificate("sao-mai-vnpt")),
        actor="test",
    )


def ivan_activate(registration: EserviceRegistration) -> EserviceRegistration:
    code = last_code("registration_activation_code")
    return registrations.registration_activate(registration=registration, code=code, actor="test")
