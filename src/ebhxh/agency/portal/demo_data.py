"""Demo data for the portal, loaded by `ebhxh demo`: the demo PKI's three individuals in the
registry (so signing Mẫu 01 with their certificates is accepted), and an officer at BHXH cơ
sở Ba Đình (Hà Nội) who decides declarations and counter forms there.

Idempotent: what exists is left as it is. Published demo secrets, shown in docs/portal.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction

from ebhxh.agency.registry.models import InsuredPerson, Officer
from ebhxh.audit.services import SYSTEM_ACTOR, audit_record
from ebhxh.reference.models import Agency


@dataclass(frozen=True)
class DemoPerson:
    full_name: str
    birth_date: date
    gender: str
    citizen_id: str  # as in the demo PKI's certificate (ebhxh.pki.demo.SPECS)
    insurance_number: str
    phone: str


DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson(
        "Nguyễn Thị Hương", date(1990, 5, 12), "female", "001190012345", "0190012345", "0912345678"
    ),
    DemoPerson(
        "Trần Văn Đức", date(1985, 11, 3), "male", "079085004321", "7985004321", "0987654321"
    ),
    DemoPerson(
        "Lê Hoàng Phúc", date(2002, 8, 20), "male", "048202000789", "4802000789", "0935123456"
    ),
)
DEMO_OFFICER = ("canbo.badinh", "BaDinh-demo-2026")  # a published demo password
DEMO_OFFICER_NAME = "Phạm Thu Trang"
DEMO_OFFICER_AGENCY = "01001"  # Bảo hiểm xã hội cơ sở Ba Đình
# Seed 001 in the demo (docs/portal.md "Tài khoản tổ chức"): the registry's demo unit Sao Mai,
# managed by Ba Đình, signs with the demo PKI's sao-mai-vnpt (USB token) or the esign demo
# account "saomai" (ký số từ xa); Ba Đình's officer above decides its paper form. Nothing to
# add: the unit comes from the registry's demo data, the account from esign's.
DEMO_ORGANISATION = {"unit_code": "TA0123K", "agency": "01001", "certificate": "sao-mai-vnpt"}


def load(*, log: Callable[[str], None]) -> None:
    _people(log)
    _officer(log)


def _people(log: Callable[[str], None]) -> None:
    with transaction.atomic():
        added = []
        for person in DEMO_PEOPLE:
            taken = InsuredPerson.objects.filter(citizen_id=person.citizen_id).exists() or (
                InsuredPerson.objects.filter(insurance_number=person.insurance_number).exists()
            )
            if taken:
                continue
            row = InsuredPerson.objects.create(
                insurance_number=person.insurance_number,
                citizen_id=person.citizen_id,
                full_name=person.full_name,
                birth_date=person.birth_date,
                gender=person.gender,
                phone=person.phone,
            )
            audit_record(actor=SYSTEM_ACTOR, action="demo.insured_person_created", target=row)
            added.append(person.full_name)
    if added:
        names = ", ".join(added)
        log(f"Cổng dịch vụ công: đã thêm người tham gia {names} (khớp chứng thư số demo).")


def _officer(log: Callable[[str], None]) -> None:
    username, password = DEMO_OFFICER
    if get_user_model().objects.filter(username=username).exists():
        return
    if not Agency.objects.filter(code=DEMO_OFFICER_AGENCY, is_active=True).exists():
        log("Cổng dịch vụ công: chưa có BHXH cơ sở Ba Đình, bỏ qua cán bộ trình diễn.")
        return
    try:
        from ebhxh.agency.registry.services import officer_create
    except ImportError:  # the registry's service is not there yet: the same rows by hand
        with transaction.atomic():
            user = get_user_model().objects.create_user(username, password=password, is_staff=True)
            officer = Officer.objects.create(
                user=user,
                agency=Agency.objects.get(code=DEMO_OFFICER_AGENCY),
                full_name=DEMO_OFFICER_NAME,
            )
            audit_record(actor=SYSTEM_ACTOR, action="demo.officer_created", target=officer)
    else:
        officer_create(
            username=username,
            password=password,
            full_name=DEMO_OFFICER_NAME,
            agency_code=DEMO_OFFICER_AGENCY,
            actor=SYSTEM_ACTOR,
        )
    log(f"Cổng dịch vụ công: cán bộ BHXH cơ sở Ba Đình {username} / {password} (/portal/can-bo/).")
