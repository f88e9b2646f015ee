"""Vietnamese words the synthetic rows are built from, taken from Faker's `vi_VN` providers.

Calling Faker once per row would cost tens of microseconds; 20 million persons need a few.
So the word lists are read from Faker's provider classes once and drawn from with a seeded
`random.Random`. Faker orders names the Western way and mixes genders in its middle names;
a Vietnamese name is họ + tên đệm + tên, and "Thị" is a woman's middle name, so the lists
are regrouped here. Surnames are weighted by how common they are (Nguyễn is about four in
ten people), with the few frequent ones Faker lacks added.

Every word is checked once at import for the characters COPY's text format would need to
escape (tab, newline, backslash), so the loader can join fields without escaping each one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Final

from faker.providers.address.vi_VN import Provider as _Address
from faker.providers.company.vi_VN import Provider as _Company
from faker.providers.job.vi_VN import Provider as _Job
from faker.providers.person.vi_VN import Provider as _Person

_COPY_UNSAFE: Final = frozenset("\t\n\r\\")


def copy_safe(words: Iterable[str]) -> tuple[str, ...]:
    """The words as a tuple; refuse one that COPY's text format would need escaped."""
    result = tuple(words)
    for word in result:
        if _COPY_UNSAFE.intersection(word):
            raise ValueError(f"ký tự không dùng được trong dữ liệu tổng hợp: {word!r}")
    return result


def weighted(pairs: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    """A table where each word appears `weight` times: a weighted draw is one index."""
    return copy_safe(word for word, weight in pairs for _ in range(weight))


def ascii_fold(text: str) -> str:
    """'Nguyễn Đức' -> 'nguyenduc', for e-mail local parts."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


# Surname shares after the usual Vietnamese surveys, in percent; the tail is spread evenly.
_SURNAME_WEIGHTS: Final = {
    "Nguyễn": 38,
    "Trần": 11,
    "Lê": 9,
    "Phạm": 7,
    "Hoàng": 5,
    "Huỳnh": 4,
    "Phan": 4,
    "Vũ": 4,
    "Võ": 4,
    "Đặng": 2,
    "Bùi": 2,
    "Đỗ": 2,
    "Hồ": 2,
    "Ngô": 2,
    "Dương": 1,
    "Mai": 1,
}
SURNAMES: Final = weighted(
    [(name, _SURNAME_WEIGHTS.get(name, 1)) for name in dict.fromkeys(_Person.last_names)]
    + [
        (name, weight)
        for name, weight in _SURNAME_WEIGHTS.items()
        if name not in _Person.last_names
    ]
)

_FEMALE_MIDDLES: Final = frozenset({"Thị", "Mai", "Xuân", "Bảo", "Hải"})
_MALE_MIDDLES: Final = frozenset(_Person.middle_names) - {"Thị", "Mai", "Mai Bảo"}
# "Thị" and "Văn" are by far the most common; the others share the rest.
MIDDLE_NAMES_FEMALE: Final = weighted(
    [("Thị", 12)] + [(m, 1) for m in sorted(_FEMALE_MIDDLES - {"Thị"})] + [("Ngọc", 2)]
)
MIDDLE_NAMES_MALE: Final = weighted(
    [("Văn", 8)] + [(m, 1) for m in sorted(_MALE_MIDDLES - {"Văn"})] + [("Minh", 2)]
)
GIVEN_NAMES_FEMALE: Final = copy_safe(
    dict.fromkeys(_Person.first_names_female + _Person.first_names_unisex)
)
GIVEN_NAMES_MALE: Final = copy_safe(
    dict.fromkeys(_Person.first_names_male + _Person.first_names_unisex)
)

STREETS: Final = copy_safe(_Address.streets)
STREET_PREFIXES: Final = copy_safe(p for p in _Address.street_prefixes if p.islower())
SUB_STREET_PREFIXES: Final = copy_safe(p.lower() for p in _Address.sub_street_prefixes)

# Legal forms of enterprises; Faker's list also holds a group name and a spelled-out
# duplicate, which no unit registers under.
COMPANY_FORMS: Final = weighted(
    [
        (form, {"Công ty TNHH": 9, "Công ty TNHH MTV": 5, "Công ty Cổ phần": 5}.get(form, 1))
        for form in _Company.company_suffixes
        if form not in {"Tập Đoàn", "Công ty Trách nhiệm hữu hạn"}
    ]
)
BUSINESS_LINES: Final = copy_safe(
    (
        "Thương mại",
        "Dịch vụ",
        "Thương mại và Dịch vụ",
        "Xây dựng",
        "Sản xuất",
        "Đầu tư",
        "Công nghệ",
        "Vận tải",
        "May mặc",
        "Thực phẩm",
        "Cơ khí",
        "Xuất nhập khẩu",
        "Điện tử",
        "Nội thất",
        "Du lịch",
        "Logistics",
        "Phần mềm",
        "Dược phẩm",
    )
)
SCHOOL_KINDS: Final = copy_safe(
    ("Trường Mầm non", "Trường Tiểu học", "Trường Trung học cơ sở", "Trường THPT")
)

# Faker's job titles without the English ones and the self-employed, in sentence case;
# factory work dominates Vietnamese payrolls, so it weighs more.
_JOBS: Final = tuple(
    dict.fromkeys(
        job[0] + job[1:].lower()
        for job in _Job.jobs
        if not job.isascii() and job not in {"Nông dân", "Thực Tập", "Nghệ sĩ"}
    )
)
POSITIONS: Final = weighted(
    [(job, 12 if job == "Công nhân sản xuất" else 1) for job in _JOBS]
    + [("Nhân viên văn phòng", 6), ("Công nhân", 10), ("Lái xe", 2), ("Bảo vệ", 2)]
)
