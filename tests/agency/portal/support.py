"""Builders for the portal tests: people in the registry, officers, signed Mẫu 01 forms."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model

from ebhxh.agency.portal.declaration import Declaration, validate_declaration
from ebhxh.agency.portal.mau01 import LOCATION, build_mau01
from ebhxh.agency.registry.models import InsuredPerson, Officer
from ebhxh.notifications.models import Channel, OutboxMessage
from ebhxh.pki.demo import DemoPki
from ebhxh.reference.models import Agency
from ebhxh.signers.software import Pkcs12Signer
from ebhxh.vntime import VIETNAM_TZ
from ebhxh.xmldsig import sign_xml

# The demo PKI's individuals (ebhxh.pki.demo): their CCCD, and a registry entry that matches.
HUONG = {
    "full_name": "Nguyễn Thị Hương",
    "birth_date": "1990-05-12",
    "gender": "female",
    "citizen_id": "001190012345",
    "insurance_number": "0190012345",
    "phone": "0912345678",
    "email": "huong@example.vn",
    "address": "Số 12 phố Chùa Bộc, Phường Đống Đa, Hà Nội",
}
DUC = {
    "full_name": "Trần Văn Đức",
    "birth_date": "1985-11-03",
    "gender": "male",
    "citizen_id": "079085004321",
    "insurance_number": "7985004321",
    "phone": "0987654321",
    "email": "",
    "address": "45 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh",
}
SLUGS = {"001190012345": "nguyen-thi-huong", "079085004321": "tran-van-duc"}
BA_DINH = "01001"  # Bảo hiểm xã hội cơ sở Ba Đình (Hà Nội)
STRONG = "Sen-Vang#2026xanh"


def declaration(**changes: Any) -> Declaration:
    return validate_declaration({**HUONG, **changes})


def insured(data: dict[str, str] | None = None, **changes: Any) -> InsuredPerson:
    source = {**(data or HUONG), **changes}
    return InsuredPerson.objects.create(
        insurance_number=source["insurance_number"],
        citizen_id=source["citizen_id"],
        full_name=source["full_name"],
        birth_date=date.fromisoformat(source["birth_date"]),
        gender=source["gender"],
        phone=source.get("phone", ""),
    )


def officer(username: str = "canbo.badinh", agency: str = BA_DINH, password: str = "x") -> Officer:
    user = get_user_model().objects.create_user(username, password=password, is_staff=True)
    return Officer.objects.create(
        user=user, agency=Agency.objects.get(code=agency), full_name="Phạm Thu Trang"
    )


def signed_mau01(
    pki: DemoPki,
    data: dict[str, str] | None = None,
    *,
    slug: str | None = None,
    at: datetime | None = None,
    **changes: Any,
) -> bytes:
    """A Mẫu 01 signed with a demo individual's key (default: the declared person's)."""
    decl = validate_declaration({**(data or HUONG), **changes})
    chosen = slug or SLUGS[decl.citizen_id]
    signer = Pkcs12Signer(pki.private_key(chosen), pki.certificate(chosen), pki.chain(chosen))
    moment = (at or datetime.now(VIETNAM_TZ)).replace(microsecond=0)
    return sign_xml(
        build_mau01(decl, created_at=moment), signer, location=LOCATION, signing_time=moment
    )


def outbox(template: str | None = None, channel: str | None = None) -> list[OutboxMessage]:
    rows = OutboxMessage.objects.order_by("id")
    if template:
        rows = rows.filter(template=template)
    if channel:
        rows = rows.filter(channel=channel)
    return list(rows)


def sms_to(phone_e164: str, template: str) -> OutboxMessage:
    [message] = [m for m in outbox(template, Channel.SMS) if m.recipient == phone_e164]
    return message


_PASSWORD = re.compile(r"mat khau: (\S+)")


def password_in(message: OutboxMessage) -> str:
    """The generated password an account SMS carries."""
    found = _PASSWORD.search(message.body_text)
    assert found, message.body_text
    return found.group(1)
