"""Demo registrations, loaded by `ebhxh demo` after the registry's demo data (app order).

So that a newcomer can walk seed 004 through the demo I-VAN (00110): Hoà Bình
(0109123458DNA01, the demo PKI's `hoa-binh`, on the demo USB token) already transacts through
the demo VNPT I-VAN (00020), so its 04/ĐK-IVAN through 00110 is refused CE007 and "Ngừng dịch
vụ" can be shown. Sao Mai (TA0123K) is left without a registration: it registers at once.

Idempotent: a unit that has any registration (this one, or what the newcomer did since) is
left as it is, so loading again never brings back a stopped VNPT registration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ebhxh.agency.registrations.certificates import CertificateInfo
from ebhxh.agency.registrations.models import Channel, EserviceRegistration, RegistrationStatus
from ebhxh.agency.registry.models import IvanConnection, Unit
from ebhxh.audit.services import SYSTEM_ACTOR, audit_record
from ebhxh.pki.demo import load_if_complete


@dataclass(frozen=True)
class DemoRegistration:
    unit_code: str
    ivan_code: str
    certificate: str  # demo PKI slug: the unit's own certificate signed the old registration
    contact_name: str
    contact_email: str
    contact_phone: str


ACTIVE_ELSEWHERE: Final = (
    DemoRegistration(
        unit_code="0109123458DNA01",
        ivan_code="00020",
        certificate="hoa-binh",
        contact_name="Đỗ Văn Nam",
        contact_email="nhansu@hoabinh.example.vn",
        contact_phone="0983456789",
    ),
)


def load(*, log: Callable[[str], None]) -> None:
    pki = load_if_complete(Path(settings.DEMO_PKI_DIR))
    if pki is None:
        return
    added = []
    for spec in ACTIVE_ELSEWHERE:
        with transaction.atomic():
            unit = Unit.objects.select_for_update().filter(unit_code=spec.unit_code).first()
            ivan = IvanConnection.objects.filter(provider_id=spec.ivan_code).first()
            if unit is None or ivan is None:
                missing = f"đơn vị {spec.unit_code} hoặc I-VAN {spec.ivan_code}"
                log(f"Đăng ký giao dịch: chưa có {missing} trong dữ liệu, bỏ qua.")
                continue
            if EserviceRegistration.objects.filter(unit=unit).exists():
                continue
            certificate = CertificateInfo.of(pki.certificate(spec.certificate))
            registration = EserviceRegistration.objects.create(
                unit=unit,
                channel=Channel.IVAN,
                ivan=ivan,
                contact_name=spec.contact_name,
                contact_email=spec.contact_email,
                contact_phone=spec.contact_phone,
                certificate_pem=certificate.pem,
                certificate_fingerprint=certificate.fingerprint,
                certificate_serial=certificate.serial,
                certificate_subject=certificate.subject,
                status=RegistrationStatus.ACTIVE,
                activated_at=timezone.now(),
            )
            audit_record(
                actor=SYSTEM_ACTOR,
                action="demo.registration_created",
                target=registration,
                data={"unit_code": spec.unit_code, "ivan": spec.ivan_code},
            )
        added.append(f"{spec.unit_code} (I-VAN {spec.ivan_code})")
    if added:
        log(f"Đăng ký giao dịch: đơn vị đang dùng I-VAN khác {', '.join(added)}.")
