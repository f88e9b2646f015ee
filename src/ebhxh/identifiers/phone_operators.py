"""Mobile prefixes (the 0 and next two digits) and the operator that holds each.

Numbers move between operators (number portability), so the operator is what the prefix was
allocated to, good for display and for spotting a landline, not for routing SMS.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

_ALLOCATIONS: Final = {
    "Viettel": ("086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039"),
    "Vinaphone": ("088", "091", "094", "081", "082", "083", "084", "085"),
    "MobiFone": ("089", "090", "093", "070", "076", "077", "078", "079"),
    "Vietnamobile": ("092", "056", "058"),
    "Gmobile": ("099", "059"),
    "Itelecom": ("087",),
    "Reddi": ("055",),
}

MOBILE_PREFIXES: Final[Mapping[str, str]] = MappingProxyType(
    {prefix: operator for operator, prefixes in _ALLOCATIONS.items() for prefix in prefixes}
)
