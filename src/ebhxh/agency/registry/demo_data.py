"""Demo registry: the demo PKI's companies as units with employees, the demo I-VANs connected
to the gateway with their certificates, and a small synthetic registry around them.

So that what an I-VAN or the portal submits in the demo meets a registry that knows the
signer: the units carry the MSTs of the demo certificates.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from ebhxh.agency.registry.models import Employment, InsuredPerson, IvanConnection, Unit
from ebhxh.agency.registry.services import ivan_connection_register, unit_create
from ebhxh.audit.services import SYSTEM_ACTOR
from ebhxh.pki.demo import load_if_complete
from ebhxh.reference.models import Agency


@dataclass(frozen=True)
class _DemoUnit:
    unit_code: str
    tax_code: str
    name: str
    address: str
    province_code: str
    agency_code: str  # empty: the province's first local office


DEMO_UNITS = (
    _DemoUnit(
        "TA0123K",
        "0109234567",
        "Công ty TNHH Công nghệ Sao Mai",
        "Số 12 phố Kim Mã, phường Giảng Võ, Thành phố Hà Nội",
        "01",
        "01001",
    ),
    _DemoUnit(
        "0109123458DNA01",
        "0109123458",
        "Công ty Cổ phần Thương mại Hòa Bình",
        "Số 5 phố Đội Cấn, phường Ba Đình, Thành phố Hà Nội",
        "01",
        "01001",
    ),
    _DemoUnit(
        "1800123450DNA01",
        "1800123450",
        "Công ty TNHH Thủy sản Sông Hậu",
        "Số 20 đường Hai Bà Trưng, phường Ninh Kiều, Thành phố Cần Thơ",
        "92",
        "",
    ),
)
# (slug in the demo PKI, MaIVAN)
DEMO_IVANS = (("ivan-misa", "00110"), ("ivan-vnpt", "00020"), ("ivan-viettel", "00050"))
# A registry around the demo units, big enough for the officer queues to have neighbours.
SYNTHETIC_UNITS = 40
SYNTHETIC_PERSONS = 400
EMPLOYEES_PER_DEMO_UNIT = 12


def load(*, log: Callable[[str], None]) -> None:
    _ivans(log)
    _synthetic(log)
    _units(log)


def _ivans(log: Callable[[str], None]) -> None:
    pki = load_if_complete(Path(settings.DEMO_PKI_DIR))
    if pki is None:
        return
    added = []
    for slug, code in DEMO_IVANS:
        if IvanConnection.objects.filter(provider_id=code).exists():
            continue
        pem = pki.certificate(slug).public_bytes(Encoding.PEM).decode("ascii")
        ivan_connection_register(
            provider_code=code, certificate_pem=pem, callback_url="", actor=SYSTEM_ACTOR
        )
        added.append(code)
    if added:
        log(f"Cổng tiếp nhận: đã kết nối các I-VAN demo {', '.join(added)}.")


def _synthetic(log: Callable[[str], None]) -> None:
    if Unit.objects.exists():
        return
    call_command(
        "seed",
        units=SYNTHETIC_UNITS,
        persons=SYNTHETIC_PERSONS,
        seed=2026,
        workers=0,
        verbosity=0,
        stderr=io.StringIO(),
        stdout=io.StringIO(),
    )
    log(f"Sổ đăng ký: {SYNTHETIC_UNITS} đơn vị và {SYNTHETIC_PERSONS} người tham gia tổng hợp.")


def _units(log: Callable[[str], None]) -> None:
    """The demo companies, each employing a dozen of the synthetic persons."""
    added = []
    for position, spec in enumerate(DEMO_UNITS):
        if Unit.objects.filter(unit_code=spec.unit_code).exists():
            continue
        agency_code = spec.agency_code or _first_local_agency(spec.province_code)
        with transaction.atomic():
            unit = unit_create(
                unit_code=spec.unit_code,
                tax_code=spec.tax_code,
                name=spec.name,
                address=spec.address,
                province_code=spec.province_code,
                managing_agency_code=agency_code,
                email="demo@ebhxh.local",
                phone="0912345678",
                actor=SYSTEM_ACTOR,
            )
            start = position * EMPLOYEES_PER_DEMO_UNIT
            people = InsuredPerson.objects.order_by("insurance_number")[
                start : start + EMPLOYEES_PER_DEMO_UNIT
            ]
            Employment.objects.bulk_create(
                Employment(
                    unit=unit,
                    person=person,
                    position="Nhân viên",
                    salary=8_500_000 + 250_000 * index,
                    start_date=date(2024, 1 + index % 12, 1),
                )
                for index, person in enumerate(people)
            )
        added.append(spec.unit_code)
    if added:
        log(f"Sổ đăng ký: đã thêm các đơn vị demo {', '.join(added)} cùng người lao động.")


def _first_local_agency(province_code: str) -> str:
    agency = (
        Agency.objects.filter(province_id=province_code, level=Agency.Level.LOCAL, is_active=True)
        .order_by("code")
        .first()
    )
    if agency is None:
        raise RuntimeError(f"Không có BHXH cơ sở nào của tỉnh {province_code} trong dữ liệu.")
    return agency.code
