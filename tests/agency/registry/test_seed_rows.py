"""The row generators, without a database: determinism, valid and unique identifiers."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from datetime import date

import pytest

from ebhxh.agency.registry.seeding import identifiers as ids
from ebhxh.agency.registry.seeding import vocabulary
from ebhxh.agency.registry.seeding.pipeline import WorkerFailed, encode, jobs_for, payloads
from ebhxh.agency.registry.seeding.rows import (
    EMPLOYMENT_COLUMNS,
    NULL,
    PERSON_COLUMNS,
    RNG_BLOCK,
    UNIT_COLUMNS,
    SeedPlan,
    WardRef,
    employment_rows,
    person_rows,
    unit_rows,
)
from ebhxh.identifiers import (
    parse_citizen_id,
    parse_insurance_number,
    parse_phone,
    parse_tax_code,
    parse_unit_code,
)

AS_OF = date(2026, 6, 30)
WARDS = (
    WardRef("00004", "Phường Ba Đình", "01", "Thành phố Hà Nội", "01001"),
    WardRef("26734", "Phường Sài Gòn", "79", "Thành phố Hồ Chí Minh", "79001"),
    WardRef("01273", "Xã Hòa An", "04", "tỉnh Cao Bằng", "04001"),
)


def make_plan(**changes: object) -> SeedPlan:
    plan = SeedPlan(
        seed=5,
        as_of=AS_OF,
        created_at="2026-06-30T09:00:00+07:00",
        units=300,
        persons=4_000,
        max_jobs=3,
        unit_start=0,
        unit_id_base=1,
        person_start=0,
        person_id_base=1,
        wards=WARDS,
    )
    return dataclasses.replace(plan, **changes)  # type: ignore[arg-type]


def all_rows(plan: SeedPlan) -> tuple[list[tuple[str, ...]], ...]:
    return (
        list(unit_rows(plan, 0, plan.units)),
        list(person_rows(plan, 0, plan.persons)),
        list(employment_rows(plan, 0, plan.persons)),
    )


def test_same_plan_gives_the_same_rows() -> None:
    assert all_rows(make_plan()) == all_rows(make_plan())


def test_another_seed_gives_other_rows_with_the_same_identifiers() -> None:
    first, second = all_rows(make_plan(seed=5)), all_rows(make_plan(seed=6))
    assert first != second
    # Identifiers come from the index, the rest from the seed.
    assert [row[1] for row in first[1]] == [row[1] for row in second[1]]
    assert [row[3] for row in first[1]] != [row[3] for row in second[1]]


@pytest.mark.parametrize("start", [0, 17, RNG_BLOCK - 1, 2 * RNG_BLOCK + 5])
def test_rows_do_not_depend_on_how_a_range_is_split(start: int) -> None:
    """A batch may start inside an RNG block (runs continue where the last one stopped)."""
    plan = make_plan(person_start=start, unit_start=start)
    whole = all_rows(plan)
    cuts = [0, 1, 999, 1000, 1001, 2345, plan.persons]
    pieces = [row for low, high in itertools.pairwise(cuts) for row in person_rows(plan, low, high)]
    assert pieces == whole[1]
    employment_pieces = [
        row for low, high in itertools.pairwise(cuts) for row in employment_rows(plan, low, high)
    ]
    assert employment_pieces == whole[2]
    assert list(unit_rows(plan, 0, 150)) + list(unit_rows(plan, 150, 300)) == whole[0]


def test_units_have_valid_identifiers_and_real_places() -> None:
    plan = make_plan()
    units = list(unit_rows(plan, 0, plan.units))
    assert all(len(row) == len(UNIT_COLUMNS) for row in units)
    ward_places = {(w.province_code, w.agency_code) for w in WARDS}
    for row in units:
        values = dict(zip(UNIT_COLUMNS, row, strict=True))
        code = parse_unit_code(values["unit_code"])
        tax = parse_tax_code(values["tax_code"])
        assert code.kind == "2025"
        assert code.enterprise_number == tax.value
        assert parse_phone(values["phone"]).national == values["phone"]
        assert (values["province_id"], values["managing_agency_id"]) in ward_places
        assert values["address"].endswith(
            next(w.province_label for w in WARDS if w.province_code == values["province_id"])
        )
        assert values["email"].endswith("@example.com")
        assert values["status"] in {"active", "suspended", "closed"}
    assert len({row[1] for row in units}) == len(units)
    groups = Counter(row[1][10:12] for row in units)
    assert groups.most_common(1)[0][0] == "DN"


def test_persons_have_valid_consistent_identifiers() -> None:
    plan = make_plan()
    persons = list(person_rows(plan, 0, plan.persons))
    for row in persons:
        values = dict(zip(PERSON_COLUMNS, row, strict=True))
        birth = date.fromisoformat(values["birth_date"])
        parse_insurance_number(values["insurance_number"])
        # The CCCD's province/century/year digits agree with the birth date and gender.
        parse_citizen_id(
            values["citizen_id"], birth_date=birth, gender=values["gender"], today=AS_OF
        )
        if values["phone"]:
            parse_phone(values["phone"])
        assert len(values["full_name"].split()) >= 3
        if values["gender"] == "male":
            assert " Thị " not in values["full_name"]
    for column in (1, 2, 6):
        filled = [row[column] for row in persons if row[column]]
        assert len(set(filled)) == len(filled)
    genders = Counter(row[5] for row in persons)
    assert 0.4 < genders["female"] / len(persons) < 0.56


def test_employment_invariants() -> None:
    plan = make_plan()
    persons = {row[0]: row for row in person_rows(plan, 0, plan.persons)}
    units = {row[0]: row for row in unit_rows(plan, 0, plan.units)}
    current: Counter[str] = Counter()
    for row in employment_rows(plan, 0, plan.persons):
        values = dict(zip(EMPLOYMENT_COLUMNS, row, strict=True))
        person = persons[values["person_id"]]
        unit = units[values["unit_id"]]
        start = date.fromisoformat(values["start_date"])
        birth = date.fromisoformat(person[4])
        assert start.year - birth.year >= 19
        assert start <= AS_OF
        assert 3_700_000 <= int(values["salary"]) <= 46_800_000
        assert values["position"]
        if values["end_date"] == NULL:
            current[values["person_id"]] += 1
            assert unit[9] == "active"
        else:
            assert start < date.fromisoformat(values["end_date"]) < AS_OF
    per_person = Counter(current.values())
    # Most persons work at exactly one unit; a few at two or three; a few at none.
    assert per_person[1] > 0.9 * plan.persons
    assert per_person[2] + per_person[3] > 0
    assert max(per_person) <= plan.max_jobs
    assert 0 < plan.persons - len(current) < 0.06 * plan.persons


def test_one_job_each_when_asked() -> None:
    plan = make_plan(max_jobs=1)
    current = Counter(row[1] for row in employment_rows(plan, 0, plan.persons) if row[5] == NULL)
    assert set(current.values()) == {1}


def test_a_taken_citizen_id_is_left_empty() -> None:
    plan = make_plan()
    number = next(person_rows(plan, 10, 11))[2]
    taken = make_plan(taken_citizen_ids=frozenset({number}))
    assert next(person_rows(taken, 10, 11))[2] == NULL
    assert next(person_rows(taken, 11, 12)) == next(person_rows(plan, 11, 12))


def test_citizen_ids_stay_unique_deep_into_the_range() -> None:
    cycle = ids.citizen_id_cycle()
    assert cycle.capacity > 1_000_000_000
    for start in (0, 19_990_000, cycle.capacity - 50_000):
        numbers = [cycle.citizen_id(index)[0] for index in range(start, start + 50_000)]
        assert len(set(numbers)) == len(numbers)
    # Same birth facts, indexes one cycle apart: the serial differs.
    assert cycle.citizen_id(7)[0][:6] == cycle.citizen_id(7 + cycle.length)[0][:6]
    assert cycle.citizen_id(7)[0] != cycle.citizen_id(7 + cycle.length)[0]
    with pytest.raises(ValueError):
        cycle.citizen_id(cycle.capacity)


def test_tax_codes_and_phones_are_bijections_of_the_index() -> None:
    taxes = [ids.tax_code(index) for index in range(0, 200_000)]
    assert len(set(taxes)) == len(taxes)
    assert all(ids.tax_index(code) == index for index, code in enumerate(taxes[:1000]))
    for code in taxes[::997]:
        parse_tax_code(code)
    phones = [
        ids.phone(index)
        for index in range(ids.PHONE_UNIT_BASE - 50_000, ids.PHONE_UNIT_BASE + 50_000)
    ]
    assert len(set(phones)) == len(phones)
    assert ids.insurance_index(ids.insurance_number(123)) == 123


def test_vocabulary_is_safe_for_copy() -> None:
    for name in dir(vocabulary):
        value = getattr(vocabulary, name)
        if name.isupper() and isinstance(value, tuple):
            assert vocabulary.copy_safe(value) == value
    with pytest.raises(ValueError):
        vocabulary.copy_safe(["Nguyễn\tVăn"])
    assert "Nguyễn" in vocabulary.SURNAMES
    assert vocabulary.ascii_fold("Đặng Thị") == "dangthi"


def test_jobs_cover_every_row_on_block_boundaries() -> None:
    plan = make_plan(person_start=1_500, unit_start=20)
    jobs = jobs_for(plan, batch=1_000)
    for key, total, offset in (
        ("unit", plan.units, plan.unit_start),
        ("person", plan.persons, plan.person_start),
        ("employment", plan.persons, plan.person_start),
    ):
        mine = [(start, stop) for job_key, start, stop in jobs if job_key == key]
        assert mine[0][0] == 0 and mine[-1][1] == total
        assert all(a[1] == b[0] for a, b in itertools.pairwise(mine))
        assert all((offset + stop) % RNG_BLOCK == 0 for _, stop in mine[:-1])


def test_encoded_batches_are_copy_text() -> None:
    plan = make_plan()
    rows, payload = encode(plan, ("employment", 0, 500))
    lines = payload.decode().splitlines()
    assert rows == len(lines) > 500
    assert all(line.count("\t") == len(EMPLOYMENT_COLUMNS) - 1 for line in lines)
    assert encode(plan, ("person", 0, 0)) == (0, b"")


def test_worker_processes_make_the_same_batches() -> None:
    plan = make_plan(persons=2_500)
    jobs = jobs_for(plan, batch=1_000)
    assert list(payloads(plan, jobs, workers=2)) == list(payloads(plan, jobs, workers=0))


def test_a_failing_worker_stops_the_load() -> None:
    plan = make_plan(person_start=ids.INSURANCE_CAPACITY - 1, persons=5)
    with pytest.raises(WorkerFailed, match="ValueError"):
        list(payloads(plan, [("person", 0, 5)], workers=1))
