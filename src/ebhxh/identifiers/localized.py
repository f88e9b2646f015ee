"""A message part that reads differently in Vietnamese and English (nam/male, dấu cách/a space)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Localized:
    vi: str
    en: str
