"""One table of allowed transitions per lifecycle, checked in one place (DESIGN.md §6.3)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum

from ebhxh.core.errors import IllegalTransition


class Transitions:
    """Allowed moves between the members of a status enum; anything else is refused."""

    def __init__(self, name: str, table: Mapping[Enum, Iterable[Enum]]) -> None:
        self.name = name
        self._table: dict[str, frozenset[str]] = {
            str(src.value): frozenset(str(dst.value) for dst in dsts) for src, dsts in table.items()
        }

    def allowed(self, source: str) -> frozenset[str]:
        return self._table.get(str(source), frozenset())

    def check(self, source: str, target: str) -> None:
        if str(target) not in self.allowed(source):
            raise IllegalTransition(
                f"Không thể chuyển {self.name} từ trạng thái '{source}' sang '{target}'.",
                code=f"{self.name.upper()}_ILLEGAL_TRANSITION",
            )
