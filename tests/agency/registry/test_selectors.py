"""The gateway's registry look-ups return the right rows, and only those."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Count, Q

from ebhxh.agency.registry import selectors
from ebhxh.agency.registry.models import Employment, InsuredPerson, IvanConnection, Unit
from ebhxh.agency.registry.services import ivan_connection_register
from tests.agency.registry.conftest import make_certificate, pem

pytestmark = pytest.mark.django_db


def test_unit_by_code_normalises_what_was_typed(seeded: tuple[str, str]) -> None:
    unit = Unit.objects.order_by("id")[5]
    assert selectors.unit_by_code(f"  {unit.unit_code.lower()} ") == unit
    with pytest.raises(Unit.DoesNotExist):
        selectors.unit_by_code("0000000000DNA01")


def test_units_by_tax_code(seeded: tuple[str, str]) -> None:
    unit = Unit.objects.order_by("id")[3]
    legacy = Unit.objects.create(
        unit_code="TZH490L",
        tax_code=unit.tax_code,
        name=unit.name,
        address=unit.address,
        province_id=unit.province_id,
        managing_agency_id=unit.managing_agency_id,
    )
    found = list(selectors.units_by_tax_code(f" {unit.tax_code}"))
    assert found == sorted([unit, legacy], key=lambda u: u.unit_code)
    assert not selectors.units_by_tax_code("0100109106").exists()


def test_current_employees_pages_through_every_current_employee(seeded: tuple[str, str]) -> None:
    biggest = (
        Unit.objects.annotate(n=Count("employments", filter=Q(employments__end_date=None)))
        .order_by("-n")
        .first()
    )
    assert biggest is not None and biggest.n > 20  # type: ignore[attr-defined]
    # An ended employment at the same unit must not show.
    ended = InsuredPerson.objects.exclude(employments__unit=biggest).first()
    assert ended is not None
    Employment.objects.create(
        unit=biggest,
        person=ended,
        salary=5_000_000,
        start_date=ended.birth_date.replace(year=ended.birth_date.year + 20),
        end_date=ended.birth_date.replace(year=ended.birth_date.year + 21),
    )
    seen: list[selectors.Employee] = []
    after = None
    while True:
        page = selectors.current_employees(unit_id=biggest.pk, after=after, limit=7)
        assert len(page.employees) <= 7
        seen += page.employees
        if page.next_after is None:
            break
        assert page.next_after == page.employees[-1].person_id
        after = page.next_after
    expected = Employment.objects.filter(unit=biggest, end_date=None).order_by("person_id")
    assert [e.person_id for e in seen] == [e.person_id for e in expected]
    assert ended.pk not in {e.person_id for e in seen}
    first = expected.select_related("person")[0]
    assert seen[0] == selectors.Employee(
        person_id=first.person_id,
        insurance_number=first.person.insurance_number,
        citizen_id=first.person.citizen_id,
        full_name=first.person.full_name,
        birth_date=first.person.birth_date,
        gender=first.person.gender,
        position=first.position,
        salary=first.salary,
        start_date=first.start_date,
    )


def test_current_employees_limits_the_page_size(seeded: tuple[str, str]) -> None:
    unit = Unit.objects.filter(employments__end_date=None).first()
    assert unit is not None
    page = selectors.current_employees(unit_id=unit.pk, limit=0)
    assert len(page.employees) == 1
    everyone = selectors.current_employees(unit_id=unit.pk, limit=10**6)
    assert everyone.next_after is None
    assert selectors.current_employees(unit_id=-1).employees == []


def test_person_look_ups(seeded: tuple[str, str]) -> None:
    person = InsuredPerson.objects.order_by("id")[42]
    assert selectors.person_by_insurance_number(f" {person.insurance_number} ") == person
    assert person.citizen_id is not None
    assert selectors.person_by_citizen_id(person.citizen_id) == person
    with pytest.raises(InsuredPerson.DoesNotExist):
        selectors.person_by_insurance_number("0000000000")
    with pytest.raises(InsuredPerson.DoesNotExist):
        selectors.person_by_citizen_id("001099000000")


@pytest.fixture
def connections(db: None) -> dict[str, Any]:
    made = {}
    for code in ("00110", "00020"):
        certificate = make_certificate(common_name=code)
        made[code] = ivan_connection_register(
            provider_code=code, certificate_pem=pem(certificate), callback_url="", actor="system"
        )
    return made


def test_ivan_connection_by_fingerprint(connections: dict[str, IvanConnection]) -> None:
    misa = connections["00110"]
    colon_form = ":".join(misa.certificate_fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    assert selectors.ivan_connection_by_fingerprint(colon_form) == misa
    assert selectors.ivan_connection_by_fingerprint(misa.certificate_fingerprint) == misa
    misa.status = IvanConnection.Status.SUSPENDED
    misa.save()
    with pytest.raises(IvanConnection.DoesNotExist):
        selectors.ivan_connection_by_fingerprint(misa.certificate_fingerprint)


def test_ivan_connection_by_provider(connections: dict[str, IvanConnection]) -> None:
    assert selectors.ivan_connection_by_provider(" 00020") == connections["00020"]
    assert selectors.ivan_connection_by_provider("00020").provider.short_name
    with pytest.raises(IvanConnection.DoesNotExist):
        selectors.ivan_connection_by_provider("00030")
    IvanConnection.objects.filter(provider_id="00020").update(
        status=IvanConnection.Status.SUSPENDED
    )
    with pytest.raises(IvanConnection.DoesNotExist):
        selectors.ivan_connection_by_provider("00020")
