"""The synthetic rows themselves, as tuples of text in the tables' column order.

Pure Python with no Django, so the PostgreSQL loader can run it in worker processes. Each
row is a function of the plan and its index alone: every block of `RNG_BLOCK` indexes has
its own `random.Random`, seeded from (seed, table, block), so blocks can be generated in any
process and any order and still give the same rows, whatever the batch size.

Values are text, with COPY's own marker `NULL` (backslash-N) for a missing value, so the
PostgreSQL loader joins a row with one C-level `"\t".join` and the ORM path converts the
few typed columns; the vocabulary and the reference names were checked to hold no
character that COPY would need escaped, so no value can be mistaken for the marker.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from statistics import NormalDist
from typing import Final

from ebhxh.agency.registry.seeding import identifiers as ids
from ebhxh.agency.registry.seeding import vocabulary as words

RNG_BLOCK: Final = 1_000

UNIT_COLUMNS: Final = (
    "id",
    "unit_code",
    "tax_code",
    "name",
    "address",
    "province_id",
    "managing_agency_id",
    "email",
    "phone",
    "status",
    "created_at",
)
PERSON_COLUMNS: Final = (
    "id",
    "insurance_number",
    "citizen_id",
    "full_name",
    "birth_date",
    "gender",
    "phone",
    "email",
)
EMPLOYMENT_COLUMNS: Final = ("unit_id", "person_id", "position", "salary", "start_date", "end_date")

NULL: Final = "\\N"
Row = tuple[str, ...]

# Target groups (characters 11-12 of a 2025 unit code) per thousand units, and the letter of
# the synthetic business-type code each uses. Enterprises are the vast majority of payers.
_GROUPS: Final = (("DN", 860, "A"), ("HK", 60, "C"), ("SN", 40, "D"), ("HC", 20, "E"))
_GROUPS_TAIL: Final = (("HX", 15, "B"), ("TC", 5, "F"))
GROUP_TABLE: Final = tuple(
    (group, letter) for group, weight, letter in _GROUPS + _GROUPS_TAIL for _ in range(weight)
)
ORGANISATIONS: Final = words.copy_safe(
    ("Hội Chữ thập đỏ", "Hội Liên hiệp Phụ nữ", "Hội Nông dân", "Hội Cựu chiến binh")
)

# Provinces by share of units: the two big cities hold about half of all enterprises; the
# rest is spread in proportion to the number of wards.
PROVINCE_SHARES: Final = {"01": 220, "79": 280}
PROVINCE_TABLE_SIZE: Final = 1_000

# Salaries (đồng per month), 2026: at least the lowest regional minimum wage (vùng IV,
# Nghị định 293/2025/NĐ-CP) and at most the contribution ceiling of 20 x the base salary.
MIN_SALARY: Final = 3_700_000
MAX_SALARY: Final = 46_800_000
_SALARY_MU: Final = math.log(8_500_000)
_SALARY_SIGMA: Final = 0.5

# Shares of persons, in thousandths: without a current job (only an ended one), with more
# than one current job, and with an ended job before the current one.
NO_CURRENT_JOB: Final = 30
SEVERAL_JOBS: Final = 30
PAST_JOB: Final = 120
# Units that employ more people are rarer: unit rank = units * u**3 for a uniform u, so
# the largest of a million units has about 1 % of all employees and the median about ten.
_SIZE_EXPONENT: Final = 3
# Units out of a thousand that are suspended or closed; they get no current employees.
SUSPENDED_PER_MILLE: Final = 15
CLOSED_PER_MILLE: Final = 15


@dataclass(frozen=True, slots=True)
class WardRef:
    """A real ward, the province it is in, and the BHXH cơ sở that serves it."""

    code: str
    name: str
    province_code: str
    province_label: str  # "Thành phố Hà Nội", "tỉnh Cao Bằng": as an address ends
    agency_code: str


@dataclass(frozen=True)
class SeedPlan:
    """Everything a run's rows depend on; built by `plan.build_plan` from the database.

    Row `j` of the units is synthetic unit `unit_start + j` with id `unit_id_base + j`;
    the same holds for persons. `taken_citizen_ids` are CCCD numbers already held by persons
    outside the synthetic range: a synthetic person whose number is among them gets none.
    """

    seed: int
    as_of: date
    created_at: str
    units: int
    persons: int
    max_jobs: int
    unit_start: int
    unit_id_base: int
    person_start: int
    person_id_base: int
    wards: tuple[WardRef, ...]
    taken_citizen_ids: frozenset[str] = field(default_factory=frozenset)

    @cached_property
    def seed_mix(self) -> int:
        digest = hashlib.sha256(f"ebhxh-seed:{self.seed}".encode()).digest()
        return int.from_bytes(digest[:8], "big")

    def rng(self, stream: str, block: int) -> random.Random:
        return random.Random(f"{self.seed}:{stream}:{block}")

    def unit_status(self, unit_index: int) -> str:
        """active/suspended/closed, a hash of the unit's index: the employment stream needs
        it without generating the unit."""
        mixed = ((unit_index + self.seed_mix) * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        per_mille = (mixed >> 32) % 1000
        if per_mille < CLOSED_PER_MILLE:
            return "closed"
        if per_mille < CLOSED_PER_MILLE + SUSPENDED_PER_MILLE:
            return "suspended"
        return "active"


class _Tables:
    """Lookup tables derived from a plan, built once per process."""

    def __init__(self, plan: SeedPlan) -> None:
        self.cycle = ids.citizen_id_cycle()
        self.first_ordinal = date(ids.CitizenIdCycle.FIRST_YEAR, 1, 1).toordinal()
        self.as_of_ordinal = plan.as_of.toordinal()
        self.date_text = [
            date.fromordinal(n).isoformat()
            for n in range(self.first_ordinal, self.as_of_ordinal + 1)
        ]
        self.year_start = {
            year: date(year, 1, 1).toordinal()
            for year in range(ids.CitizenIdCycle.FIRST_YEAR, plan.as_of.year + 2)
        }
        self.wards_by_province: dict[str, list[WardRef]] = {}
        for ward in plan.wards:
            self.wards_by_province.setdefault(ward.province_code, []).append(ward)
        self.province_table = _province_table(self.wards_by_province)
        self.given_ascii = {
            name: words.ascii_fold(name)
            for name in words.GIVEN_NAMES_FEMALE + words.GIVEN_NAMES_MALE
        }
        self.surname_ascii = {name: words.ascii_fold(name) for name in set(words.SURNAMES)}
        # unit rank -> unit row: a bijection mod the unit count, so the big units are
        # scattered over the id range instead of being the first rows.
        self.unit_multiplier = _coprime_multiplier(plan.units, plan.seed_mix)
        self.unit_shift = plan.seed_mix % max(plan.units, 1)
        self.plan = plan
        self.adult_ordinals = [self.year_start[facts.birth_year + 19] for facts in self.cycle.facts]

    @cached_property
    def active_units(self) -> bytes:
        """1 for each active unit of the run: every employment draw asks, and an index into
        bytes is much cheaper than hashing the unit's index each time."""
        plan = self.plan
        return bytes(
            plan.unit_status(plan.unit_start + row) == "active" for row in range(plan.units)
        )


def _province_table(wards_by_province: dict[str, list[WardRef]]) -> tuple[str, ...]:
    big = {code: share for code, share in PROVINCE_SHARES.items() if code in wards_by_province}
    rest = {code: len(w) for code, w in wards_by_province.items() if code not in big}
    rest_share = PROVINCE_TABLE_SIZE - sum(big.values())
    total_rest = sum(rest.values()) or 1
    table: list[str] = []
    for code, share in sorted(big.items()):
        table += [code] * share
    for code, count in sorted(rest.items()):
        table += [code] * max(1, round(rest_share * count / total_rest))
    return tuple(table)


def _coprime_multiplier(modulus: int, mix: int) -> int:
    if modulus <= 1:
        return 1
    candidate = (mix % modulus) | 1
    while math.gcd(candidate, modulus) != 1:
        candidate += 2
    return candidate % modulus or 1


_TABLES: dict[int, tuple[SeedPlan, _Tables]] = {}


def tables_for(plan: SeedPlan) -> _Tables:
    """The lookup tables of `plan`, cached per process (workers build them once)."""
    cached = _TABLES.get(id(plan))
    if cached is None or cached[0] is not plan:
        _TABLES.clear()
        cached = (plan, _Tables(plan))
        _TABLES[id(plan)] = cached
    return cached[1]


def _blocks(start: int, stop: int) -> Iterator[tuple[int, int, int]]:
    """(block number, first index wanted, end index) covering [start, stop).

    A range that starts inside a block is generated from the block's start and the rows
    before `start` dropped: a row depends on the draws of the rows before it in its block.
    """
    index = start
    while index < stop:
        block = index // RNG_BLOCK
        end = min(stop, (block + 1) * RNG_BLOCK)
        yield block, index, end
        index = end


def person_name(rng: random.Random, gender: str) -> tuple[str, str, str]:
    """(surname, middle name, given name) for a person of this gender."""
    bits = rng.getrandbits(48)
    surname = words.SURNAMES[bits % len(words.SURNAMES)]
    bits //= len(words.SURNAMES)
    if gender == "female":
        middle = words.MIDDLE_NAMES_FEMALE[bits % len(words.MIDDLE_NAMES_FEMALE)]
        bits //= len(words.MIDDLE_NAMES_FEMALE)
        given = words.GIVEN_NAMES_FEMALE[bits % len(words.GIVEN_NAMES_FEMALE)]
    else:
        middle = words.MIDDLE_NAMES_MALE[bits % len(words.MIDDLE_NAMES_MALE)]
        bits //= len(words.MIDDLE_NAMES_MALE)
        given = words.GIVEN_NAMES_MALE[bits % len(words.GIVEN_NAMES_MALE)]
    return surname, middle, given


def unit_rows(plan: SeedPlan, start: int, stop: int) -> Iterator[Row]:
    """Units `start`..`stop - 1` of the run (row numbers, not synthetic indexes)."""
    tables = tables_for(plan)
    first = plan.unit_start
    for block, begin, end in _blocks(first + start, first + stop):
        rng = plan.rng("unit", block)
        for index in range(block * RNG_BLOCK, end):
            row = _unit_row(plan, tables, rng, index)
            if index >= begin:
                yield row


def _unit_row(plan: SeedPlan, tables: _Tables, rng: random.Random, index: int) -> Row:
    tax_code = ids.tax_code(index)
    bits = rng.getrandbits(64)
    group, letter = GROUP_TABLE[bits % len(GROUP_TABLE)]
    bits //= len(GROUP_TABLE)
    business_type = f"{letter}{bits % 5 + 1:02d}"
    bits //= 5
    province = tables.province_table[bits % len(tables.province_table)]
    bits //= len(tables.province_table)
    wards = tables.wards_by_province[province]
    ward = wards[bits % len(wards)]
    bits //= len(wards)
    street = words.STREETS[bits % len(words.STREETS)]
    bits //= len(words.STREETS)
    street_prefix = words.STREET_PREFIXES[bits % len(words.STREET_PREFIXES)]
    bits //= len(words.STREET_PREFIXES)
    number = bits % 300 + 1
    bits //= 300
    shape = bits % 4
    bits //= 4
    if shape == 0:
        house = f"{number}/{bits % 60 + 1}"
    elif shape == 1:
        sub = words.SUB_STREET_PREFIXES[bits % len(words.SUB_STREET_PREFIXES)]
        house = f"Số {bits % 97 + 1}, {sub} {number}"
    else:
        house = f"Số {number}"
    address = f"{house} {street_prefix} {street}, {ward.name}, {ward.province_label}"
    name = _unit_name(rng, group, ward, street)
    return (
        str(plan.unit_id_base + index - plan.unit_start),
        f"{tax_code}{group}{business_type}",
        tax_code,
        name,
        address,
        ward.province_code,
        ward.agency_code,
        f"ketoan.{tax_code}@example.com",
        ids.phone(ids.PHONE_UNIT_BASE + index),
        plan.unit_status(index),
        plan.created_at,
    )


def _unit_name(rng: random.Random, group: str, ward: WardRef, street: str) -> str:
    bits = rng.getrandbits(48)
    if group == "HK":
        gender = "female" if bits & 1 else "male"
        return "Hộ kinh doanh " + " ".join(person_name(rng, gender))
    if group == "SN":
        return f"{words.SCHOOL_KINDS[bits % len(words.SCHOOL_KINDS)]} {street}"
    if group == "HC":
        return f"Ủy ban nhân dân {ward.name}"
    if group == "TC":
        return f"{ORGANISATIONS[bits % len(ORGANISATIONS)]} {ward.name}"
    line = words.BUSINESS_LINES[bits % len(words.BUSINESS_LINES)]
    bits //= len(words.BUSINESS_LINES)
    first = words.GIVEN_NAMES_MALE[bits % len(words.GIVEN_NAMES_MALE)]
    bits //= len(words.GIVEN_NAMES_MALE)
    second = words.GIVEN_NAMES_FEMALE[bits % len(words.GIVEN_NAMES_FEMALE)]
    bits //= len(words.GIVEN_NAMES_FEMALE)
    if first == second:
        second = words.STREETS[bits % len(words.STREETS)]
    if group == "HX":
        return f"Hợp tác xã {line} {first} {second}"
    form = words.COMPANY_FORMS[bits % len(words.COMPANY_FORMS)]
    return f"{form} {line} {first} {second}"


def person_rows(plan: SeedPlan, start: int, stop: int) -> Iterator[Row]:
    """Persons `start`..`stop - 1` of the run."""
    tables = tables_for(plan)
    first = plan.person_start
    citizen_id = tables.cycle.citizen_id
    taken = plan.taken_citizen_ids
    date_text = tables.date_text
    year_start = tables.year_start
    first_ordinal = tables.first_ordinal
    given_ascii = tables.given_ascii
    surname_ascii = tables.surname_ascii
    id_shift = plan.person_id_base - first
    for block, begin, end in _blocks(first + start, first + stop):
        rng = plan.rng("person", block)
        for index in range(block * RNG_BLOCK, end):
            number, facts = citizen_id(index)
            year = facts.birth_year
            days = year_start[year + 1] - year_start[year]
            birth = date_text[year_start[year] + int(rng.random() * days) - first_ordinal]
            surname, middle, given = person_name(rng, facts.gender)
            contact = rng.getrandbits(10)
            if index < begin:
                continue
            email = (
                f"{given_ascii[given]}.{surname_ascii[surname]}{index}@example.com"
                if contact < 310
                else ""
            )
            yield (
                str(id_shift + index),
                ids.insurance_number(index),
                NULL if number in taken else number,
                f"{surname} {middle} {given}",
                birth,
                facts.gender,
                ids.phone(index) if contact < 950 else "",
                email,
            )


def employment_rows(plan: SeedPlan, start: int, stop: int) -> Iterator[Row]:
    """The employments of persons `start`..`stop - 1` of the run, ended ones first.

    Written as one loop with local names: it runs 20 million times in a large load, and
    attribute look-ups and helper calls were most of its cost.
    """
    if plan.units <= 0:
        return
    tables = tables_for(plan)
    active = tables.active_units
    date_text = tables.date_text
    first_ordinal = tables.first_ordinal
    as_of = tables.as_of_ordinal
    adult_of = tables.adult_ordinals
    cycle_length = len(adult_of)
    recent = (plan.as_of - timedelta(days=365 * 15)).toordinal()
    positions = words.POSITIONS
    position_count = len(positions)
    salaries, past_salaries = _SALARIES[1.0], _SALARIES[0.8]
    quantiles = _SALARY_QUANTILES
    unit_base = plan.unit_id_base
    count, multiplier, shift = plan.units, tables.unit_multiplier, tables.unit_shift
    max_jobs = plan.max_jobs
    no_job, several = NO_CURRENT_JOB / 1000, (NO_CURRENT_JOB + SEVERAL_JOBS) / 1000
    past_share = PAST_JOB / 1000
    id_shift = plan.person_id_base - plan.person_start
    first = plan.person_start
    for block, begin, end in _blocks(first + start, first + stop):
        rng = plan.rng("employment", block)
        random = rng.random
        for index in range(block * RNG_BLOCK, end):
            adult = adult_of[index % cycle_length]
            earliest = adult if adult > recent else recent
            draw = random()
            if draw < no_job and as_of - adult > 60:
                current = 0
            elif draw < several and max_jobs > 1:
                current = 2 + int(random() * (max_jobs - 1))
            else:
                current = 1
            # The common case, one unit, inline; _draw_unit is the same draw for the rest.
            if current == 1:
                row = (int(count * random() ** _SIZE_EXPONENT) * multiplier + shift) % count
                if not active[row]:
                    row = _draw_unit(tables, rng, exclude=(), only_active=True)
                units = [row]
            else:
                units = []
                for _ in range(current):
                    units.append(_draw_unit(tables, rng, exclude=units, only_active=True))
            starts = [earliest + int(random() * (as_of - earliest + 1)) for _ in units]
            horizon = (min(starts) if starts else as_of + 1) - 1
            past = None
            if (current == 0 or random() < past_share) and horizon - adult > 60:
                past_start = adult + int(random() * (horizon - 60 - adult))
                past_end = past_start + 30 + int(random() * (horizon - past_start - 30))
                past = (
                    str(unit_base + _draw_unit(tables, rng, exclude=(), only_active=False)),
                    positions[int(random() * position_count)],
                    past_salaries[int(random() * quantiles)],
                    date_text[past_start - first_ordinal],
                    date_text[past_end - first_ordinal],
                )
            jobs = [
                (
                    str(unit_base + unit),
                    positions[int(random() * position_count)],
                    salaries[int(random() * quantiles)],
                    date_text[started - first_ordinal],
                )
                for unit, started in zip(units, starts, strict=True)
            ]
            if index < begin:
                continue
            person_id = str(id_shift + index)
            if past is not None:
                yield (past[0], person_id, past[1], past[2], past[3], past[4])
            for unit_id, position, salary, started_text in jobs:
                yield (unit_id, person_id, position, salary, started_text, NULL)


def _draw_unit(
    tables: _Tables,
    rng: random.Random,
    *,
    exclude: Sequence[int],
    only_active: bool,
) -> int:
    """A unit row, big units more often (rank = units * u**3, scattered by a bijection);
    active and not in `exclude` when asked. Falls back to uniform draws, then to a scan,
    only when nearly every unit is excluded or inactive."""
    count = len(tables.active_units)
    random = rng.random
    for attempt in range(64):
        rank = int(count * random() ** _SIZE_EXPONENT) if attempt < 32 else int(random() * count)
        row = (rank * tables.unit_multiplier + tables.unit_shift) % count
        if row not in exclude and (tables.active_units[row] or not only_active):
            return row
    for row in range(count):
        if row not in exclude and tables.active_units[row]:
            return row
    raise ValueError("không còn đơn vị đang hoạt động để gán lao động")


def _salary_table(scale: float) -> tuple[str, ...]:
    """Quantiles of the log-normal salary distribution: a draw is one table index, which is
    several times cheaper than `gauss` and `exp` per row."""
    normal = NormalDist(_SALARY_MU, _SALARY_SIGMA)
    size = _SALARY_QUANTILES
    amounts = (int(math.exp(normal.inv_cdf((k + 0.5) / size)) * scale) for k in range(size))
    return tuple(str(min(MAX_SALARY, max(MIN_SALARY, a // 1000 * 1000))) for a in amounts)


_SALARY_QUANTILES: Final = 4096
_SALARIES: Final = {1.0: _salary_table(1.0), 0.8: _salary_table(0.8)}
