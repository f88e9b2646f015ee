"""A dossier that breaks the format: a catalogue code (SCH…), what is wrong, and where."""

from __future__ import annotations


class DossierFormatError(ValueError):
    """`code` is a rejection-catalogue code; `detail` says in Vietnamese what is wrong at
    `xpath`, so the user can find the field."""

    def __init__(self, code: str, detail: str, *, xpath: str) -> None:
        super().__init__(code, detail, xpath)
        self.code = code
        self.detail = detail
        self.xpath = xpath

    def __str__(self) -> str:
        return f"{self.code} tại {self.xpath}: {self.detail}"
