"""Fixtures for the registry tests: certificates for I-VAN connections, a seeded registry."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from django.core.management import call_command

from ebhxh.agency.registry.models import Employment, InsuredPerson, Unit

AS_OF = date(2026, 6, 30)


def make_certificate(
    *, common_name: str = "I-VAN thử nghiệm", not_before: datetime | None = None, days: int = 365
) -> x509.Certificate:
    """A self-signed EC certificate: enough for fingerprinting, and fast to make."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = not_before or datetime.now(UTC) - timedelta(days=1)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(Encoding.PEM).decode("ascii")


@pytest.fixture
def certificate() -> x509.Certificate:
    return make_certificate()


def run_seed(*args: str) -> tuple[str, str]:
    """Run `ebhxh seed` with a fixed reference date; return (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("seed", "--as-of", AS_OF.isoformat(), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def unit_snapshot() -> list[tuple[object, ...]]:
    """The units as rows without surrogate ids and load time, in code order."""
    return list(
        Unit.objects.order_by("unit_code").values_list(
            "unit_code",
            "tax_code",
            "name",
            "address",
            "province_id",
            "managing_agency_id",
            "email",
            "phone",
            "status",
        )
    )


def person_snapshot() -> list[tuple[object, ...]]:
    return list(
        InsuredPerson.objects.order_by("insurance_number").values_list(
            "insurance_number", "citizen_id", "full_name", "birth_date", "gender", "phone", "email"
        )
    )


def employment_snapshot() -> list[tuple[object, ...]]:
    """Employments keyed by natural keys, so two loads compare whatever ids they got."""
    return list(
        Employment.objects.order_by("id").values_list(
            "unit__unit_code",
            "person__insurance_number",
            "position",
            "salary",
            "start_date",
            "end_date",
        )
    )


Snapshot = Callable[[], list[tuple[object, ...]]]


def registry_snapshot() -> tuple[list[tuple[object, ...]], ...]:
    return unit_snapshot(), person_snapshot(), employment_snapshot()


def clear_registry() -> None:
    Employment.objects.all().delete()
    InsuredPerson.objects.all().delete()
    Unit.objects.all().delete()


@pytest.fixture
def seeded(db: None) -> tuple[str, str]:
    """A small registry: 40 units, 600 persons, seed 11."""
    return run_seed("--units", "40", "--persons", "600", "--seed", "11")
