"""Fixtures for registration tests: the demo PKI as the gateway's trust store and signing key,
the three demo I-VANs connected, demo units and officers, and a gateway client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.utils import timezone

from ebhxh.agency.gateway import signing, trust
from ebhxh.agency.registrations import services
from ebhxh.agency.registrations.certificates import CertificateInfo
from ebhxh.agency.registry.models import Employment, InsuredPerson, IvanConnection, Officer, Unit
from ebhxh.pki.demo import DemoPki
from ebhxh.pki.loading import fingerprint_sha256
from ebhxh.reference.models import Agency, IvanProvider
from tests.agency.registrations.support import IVAN_CODES, SAO_MAI, SONG_HAU, Gateway
from tests.pki.support import demo_pki  # noqa: F401 - fixture


@pytest.fixture
def gateway_trust(settings: Any, demo_pki: DemoPki) -> Iterator[DemoPki]:  # noqa: F811
    """The gateway trusts the demo PKI and signs receipts with the demo agency key."""
    settings.DEMO = True
    settings.DEMO_PKI_DIR = demo_pki.directory
    trust.reset()
    signing.reset()
    yield demo_pki
    trust.reset()
    signing.reset()


@pytest.fixture
def ivans(db: None, gateway_trust: DemoPki) -> dict[str, IvanConnection]:
    connections = {}
    for slug, code in IVAN_CODES.items():
        certificate = gateway_trust.certificate(slug)
        connections[slug] = IvanConnection.objects.create(
            provider=IvanProvider.objects.get(code=code),
            certificate_pem=certificate.public_bytes(Encoding.PEM).decode("ascii"),
            certificate_fingerprint=fingerprint_sha256(certificate),
        )
    return connections


def _unit(data: dict[str, str], name: str) -> Unit:
    agency = Agency.objects.get(code=data["agency"])
    return Unit.objects.create(
        unit_code=data["unit_code"],
        tax_code=data["tax_code"],
        name=name,
        address="Địa chỉ thử",
        province=agency.province,
        managing_agency=agency,
        email="donvi@example.vn",
    )


@pytest.fixture
def sao_mai(db: None) -> Unit:
    """Hà Nội, managed by BHXH cơ sở 01001."""
    return _unit(SAO_MAI, "Công ty TNHH Công nghệ Sao Mai")


@pytest.fixture
def song_hau(db: None) -> Unit:
    """Cần Thơ, managed by 92001."""
    return _unit(SONG_HAU, "Công ty TNHH Thực phẩm Sông Hậu")


@pytest.fixture
def employees(sao_mai: Unit) -> list[Employment]:
    """Two current employees of Sao Mai and one who left."""
    rows = []
    for index, (end, position) in enumerate(
        [(None, "Kế toán"), (None, "Kỹ sư"), (date(2024, 12, 31), "Bảo vệ")], start=1
    ):
        person = InsuredPerson.objects.create(
            insurance_number=f"01230000{index:02d}",
            citizen_id=f"0011900000{index:02d}",
            full_name=f"Người Lao Động {index}",
            birth_date=date(1990, 1, index),
            gender=InsuredPerson.Gender.FEMALE if index % 2 else InsuredPerson.Gender.MALE,
        )
        rows.append(
            Employment.objects.create(
                unit=sao_mai,
                person=person,
                position=position,
                salary=10_000_000 + index,
                start_date=date(2023, 1, 1),
                end_date=end,
            )
        )
    return rows


@pytest.fixture
def gateway(
    gateway_trust: DemoPki,
    ivans: dict[str, IvanConnection],
    django_capture_on_commit_callbacks: Any,
) -> Gateway:
    return Gateway(pki=gateway_trust, capture=django_capture_on_commit_callbacks)


def _officer(django_user_model: Any, username: str, agency_code: str) -> Officer:
    user = django_user_model.objects.create_user(username, is_staff=True)  # no password: fast
    return Officer.objects.create(
        user=user, agency=Agency.objects.get(code=agency_code), full_name=f"Cán bộ {username}"
    )


@pytest.fixture
def officers(db: None, django_user_model: Any) -> dict[str, Officer]:
    """Hà Nội's provincial office, one of its local offices, and Cần Thơ's provincial office."""
    return {
        "hanoi": _officer(django_user_model, "canbo_hanoi", "01000"),
        "hanoi_local": _officer(django_user_model, "canbo_badinh", "01001"),
        "cantho": _officer(django_user_model, "canbo_cantho", "92000"),
    }


@pytest.fixture
def certificate(gateway_trust: DemoPki) -> Callable[[str], CertificateInfo]:
    """The CertificateInfo of a demo holder, for calling services directly."""
    return lambda slug: CertificateInfo.of(gateway_trust.certificate(slug))


@pytest.fixture
def contact() -> services.Contact:
    return services.Contact(name="Nguyễn Thị Kế Toán", email="ketoan@saomai.vn", phone="0912345678")


class ShiftedClock:
    """Moves the whole system's clock (`django.utils.timezone.now`) by `offset`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._real = timezone.now
        self.offset = timedelta(0)
        monkeypatch.setattr(timezone, "now", self.now)

    def now(self) -> datetime:
        return self._real() + self.offset

    def shift(self, delta: timedelta) -> None:
        self.offset += delta


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> ShiftedClock:
    return ShiftedClock(monkeypatch)
