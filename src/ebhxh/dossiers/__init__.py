"""The dossier wire format (DESIGN.md §2): the `Hoso` envelope and the forms it carries.

Pure Python (an import contract forbids Django here) because both sides use it: the I-VAN
builds and checks a dossier with it before the user signs, and the gateway checks what it
receives with the very same code ("one validator, both sides").
"""

from ebhxh.dossiers.envelope import (
    Envelope,
    FormFile,
    IvanInfo,
    UnitInfo,
    build_envelope,
    parse_envelope,
    read_envelope,
)
from ebhxh.dossiers.errors import DossierFormatError

__all__ = [
    "DossierFormatError",
    "Envelope",
    "FormFile",
    "IvanInfo",
    "UnitInfo",
    "build_envelope",
    "parse_envelope",
    "read_envelope",
]
