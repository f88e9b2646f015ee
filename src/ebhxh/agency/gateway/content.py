"""What a stored dossier says, for the handlers that decide it.

The stored envelope is the bytes as received. Handlers read it through `open_dossier`, which
verifies the unit's signature again at the receipt time and reads only what the signature
covers (never the raw bytes, where comments or unsigned elements could change a value), and
verify each form with `verify_form`. Both raise the same refusals as intake (SIG*, CRT*,
SCH*), which a handler turns into a rejection with `dossier_conclude`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ebhxh.agency.gateway import trust
from ebhxh.agency.gateway.models import Dossier
from ebhxh.dossiers.envelope import Envelope, FormFile, file_xpath, read_envelope
from ebhxh.pki.identity import require_tax_code
from ebhxh.xmldsig import ENVELOPE, FORM, VerifiedDocument, verify_xml


@dataclass(frozen=True)
class OpenedDossier:
    envelope: Envelope
    verified: VerifiedDocument


def open_dossier(dossier: Dossier) -> OpenedDossier:
    """The verified envelope of a stored dossier."""
    verified = verify_xml(
        bytes(dossier.envelope),
        checker=trust.validator(),
        location=ENVELOPE,
        at=dossier.received_at,
    )
    return OpenedDossier(envelope=read_envelope(verified.root), verified=verified)


def verify_form(dossier: Dossier, envelope: Envelope, index: int) -> VerifiedDocument:
    """Verify the `index`-th (1-based) form's own signature (`Cky`) at the receipt time and
    that the unit signed it (IDN001, pointing at the file in the envelope)."""
    file: FormFile = envelope.files[index - 1]
    verified = verify_xml(
        file.content, checker=trust.validator(), location=FORM, at=dossier.received_at
    )
    require_tax_code(
        verified.validated, envelope.unit.tax_code, xpath=file_xpath(index, "NoiDungFile")
    )
    return verified
