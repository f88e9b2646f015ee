"""Identifiers for synthetic rows, computed from the row's index rather than drawn at random.

Random draws collide (20 million CCCD numbers from a few billion possible ones collide
thousands of times) and would need a lookup per row. A bijection from the index does not:
each function below gives distinct values for distinct indexes, with the check digits and
the CCCD structure computed, so every value passes `ebhxh.identifiers` by construction.

The indexes are global, not per run: a run continues after the highest synthetic index
already in the registry (see `plan`), so a second run never reuses a number. The values
live in ranges kept for synthetic data (mã số BHXH and MST in their own leading-digit
blocks) so that the next free index can be found with one indexed MAX query.
"""

from __future__ import annotations

import functools
import itertools
import random
from dataclasses import dataclass
from typing import Final

from ebhxh.identifiers import (
    BIRTH_PROVINCES,
    MOBILE_PREFIXES,
    Gender,
    century_digit,
    tax_code_check_digit,
)

# mã số BHXH 90xxxxxxxx: its first two digits are the issuing province's code, and no
# province has 90, so a synthetic number is never a real person's.
INSURANCE_BASE: Final = 9_000_000_000
INSURANCE_CAPACITY: Final = 100_000_000

# MST: the first eight digits are TAX_BASE + index, the ninth is chosen so that a check
# digit exists (tax_code_check_digit returns None for one ninth digit in eleven at most).
TAX_BASE: Final = 50_000_000
TAX_CAPACITY: Final = 10_000_000
TAX_BLOCK: Final = ("5000000000", "6000000000")

# Phones: the index is first spread over the whole space by an affine bijection, then
# split into a prefix and 7 subscriber digits. Persons use indexes below PHONE_UNIT_BASE and
# units the ones above it, so no two synthetic rows share a number.
MOBILE_PREFIX_LIST: Final = tuple(sorted(MOBILE_PREFIXES))
PHONE_CAPACITY: Final = len(MOBILE_PREFIX_LIST) * 10_000_000
PHONE_UNIT_BASE: Final = PHONE_CAPACITY - 20_000_000
# Coprime with PHONE_CAPACITY (= 2**7 * 5**7 * 7 * 5 here): neither even nor a multiple of 5 or 7.
_PHONE_MULTIPLIER: Final = 216_311_897  # about 0.618 of the space: neighbours land far apart
_PHONE_SHIFT: Final = 12_345_678
# A bijection of the 6-digit CCCD serial, so numbers do not all end in 000000, 000001...
_SERIAL_MULTIPLIER: Final = 381_667
_SERIAL_SHIFT: Final = 271_828  # plus a shift per birth-facts prefix, constant within one


def insurance_number(index: int) -> str:
    """The 10-digit mã số BHXH of synthetic person `index`."""
    if not 0 <= index < INSURANCE_CAPACITY:
        raise ValueError(f"person index {index} outside the synthetic range")
    return str(INSURANCE_BASE + index)


def insurance_index(number: str) -> int:
    """Inverse of `insurance_number` (for finding where the last run stopped)."""
    return int(number) - INSURANCE_BASE


def tax_code(index: int) -> str:
    """The valid 10-digit MST of synthetic unit `index`."""
    if not 0 <= index < TAX_CAPACITY:
        raise ValueError(f"unit index {index} outside the synthetic range")
    base = f"{TAX_BASE + index:08d}"
    for ninth in "01":
        check = tax_code_check_digit(base + ninth)
        if check is not None:
            return f"{base}{ninth}{check}"
    raise AssertionError("unreachable: two ninth digits cannot both lack a check digit")


def tax_index(code: str) -> int:
    """Inverse of `tax_code`, also for unit codes that start with such an MST."""
    return int(code[:8]) - TAX_BASE


def phone(index: int) -> str:
    """A valid mobile number, distinct for distinct indexes below PHONE_CAPACITY."""
    if not 0 <= index < PHONE_CAPACITY:
        raise ValueError(f"phone index {index} outside the synthetic range")
    spread = (index * _PHONE_MULTIPLIER + _PHONE_SHIFT) % PHONE_CAPACITY
    subscriber, slot = divmod(spread, len(MOBILE_PREFIX_LIST))
    return f"{MOBILE_PREFIX_LIST[slot]}{subscriber:07d}"


@dataclass(frozen=True, slots=True)
class BirthFacts:
    """What a CCCD number's first six digits say: birth province, gender, year."""

    province_code: str
    gender: Gender
    birth_year: int


class CitizenIdCycle:
    """Unique CCCD numbers for synthetic persons, with realistic birth facts.

    A cycle of `length` slots is filled once with birth facts (province, gender, year) drawn
    with fixed weights. Person `index` takes slot `index % length`; among the slots holding
    the same facts, slot s has rank r and there are c of them, and the 6-digit serial is
    `(index // length) * c + r`, passed through a bijection of the six digits so that the
    numbers do not look sequential. Two persons with the same facts therefore get different
    serials, and the number stays unique for more than a billion persons.

    The cycle is built from a constant, not from the run's seed, so runs with different
    seeds continue the same sequence and never collide with one another. Changing
    `SEED`, `LENGTH`, the weights or the years would break that for existing data.
    """

    SEED: Final = "ebhxh-seed-cccd-cycle-v1"
    LENGTH: Final = 20_000
    # Working age in the 2020s; the latest year keeps every person 19 or older from 2025.
    FIRST_YEAR: Final = 1966
    LAST_YEAR: Final = 2006

    def __init__(self) -> None:
        rng = random.Random(self.SEED)
        length = self.LENGTH
        years = list(range(self.FIRST_YEAR, self.LAST_YEAR + 1))
        # Working-age people cluster in their thirties; a triangular weight is close enough.
        middle = (self.FIRST_YEAR + self.LAST_YEAR) / 2
        year_weights = [1.0 + (len(years) / 2 - abs(year - middle)) for year in years]
        cumulative = list(itertools.accumulate(year_weights))
        provinces = sorted(BIRTH_PROVINCES)
        self.length = length
        self.facts: list[BirthFacts] = []
        self.ranks: list[int] = []
        counts: dict[BirthFacts, int] = {}
        for _ in range(length):
            gender: Gender = "female" if rng.random() < 0.48 else "male"
            facts = BirthFacts(
                province_code=rng.choice(provinces),
                gender=gender,
                birth_year=rng.choices(years, cum_weights=cumulative)[0],
            )
            self.facts.append(facts)
            self.ranks.append(counts.get(facts, 0))
            counts[facts] = counts.get(facts, 0) + 1
        self.counts = [counts[facts] for facts in self.facts]
        self.prefixes = [
            f"{f.province_code}{century_digit(f.birth_year, f.gender)}{f.birth_year % 100:02d}"
            for f in self.facts
        ]
        # The shift depends on the prefix only, so within one prefix it is a bijection.
        self.shifts = [
            (int(prefix) * 7_919 + _SERIAL_SHIFT) % 1_000_000 for prefix in self.prefixes
        ]
        self.capacity = (1_000_000 // max(counts.values())) * length

    def citizen_id(self, index: int) -> tuple[str, BirthFacts]:
        """The CCCD number of synthetic person `index` and the birth facts it encodes."""
        if not 0 <= index < self.capacity:
            raise ValueError(f"person index {index} outside the CCCD cycle's capacity")
        quotient, slot = divmod(index, self.length)
        serial = quotient * self.counts[slot] + self.ranks[slot]
        scrambled = (serial * _SERIAL_MULTIPLIER + self.shifts[slot]) % 1_000_000
        return f"{self.prefixes[slot]}{scrambled:06d}", self.facts[slot]

    def facts_of(self, index: int) -> BirthFacts:
        """The birth facts of synthetic person `index`, without building the number."""
        return self.facts[index % self.length]


@functools.cache
def citizen_id_cycle() -> CitizenIdCycle:
    """The one cycle, built once per process (about a third of a second)."""
    return CitizenIdCycle()
