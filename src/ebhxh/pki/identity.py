"""Who a Vietnamese certificate names, and whether that is the unit or person on the dossier.

Vietnamese CAs put the holder's identifier in the subject's UID attribute (OID
0.9.2342.19200300.100.1.1) with a prefix: `MST:` tax code for organisations, `CCCD:`,
`CMND:`/`CMT:` or `HC:` (passport) for people, `MNS:` budget-unit code for state bodies. A
certificate of a person working for a company may carry two UIDs (the company's MST and the
person's CCCD). Values are typed by hand at the CA, so prefixes and spacing vary; this module
normalises them before anything is compared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Final

from cryptography import x509
from cryptography.x509.oid import NameOID

from ebhxh.identifiers import IdentifierError, parse_tax_code
from ebhxh.pki.errors import CertificateError
from ebhxh.pki.types import CertIdentity, ValidatedCertificate

# Prefix as written in certificates -> the kind of identifier it introduces.
UID_PREFIXES: Final[Mapping[str, str]] = {
    "MST": "tax_code",
    "CCCD": "citizen_id",
    "CMND": "legacy_id",
    "CMT": "legacy_id",
    "HC": "passport",
    "MNS": "budget_code",
}
_UID_VALUE = re.compile(r"^\s*(?P<prefix>[A-Za-z]+)\s*[:=]\s*(?P<value>.+?)\s*$")
_SPACES = re.compile(r"\s+")


def _clean_text(value: str) -> str:
    """NFC and single spaces: some signing tools write decomposed Vietnamese diacritics."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def _normalise(kind: str, value: str) -> str:
    compact = _SPACES.sub("", unicodedata.normalize("NFKC", value)).upper()
    if kind == "tax_code":
        try:
            return parse_tax_code(compact).value
        except IdentifierError:
            return compact  # kept as written, so a mismatch message can show it
    return compact


def uid_values(certificate: x509.Certificate) -> dict[str, tuple[str, ...]]:
    """Every recognised UID identifier by kind (`tax_code`, `citizen_id`, ...), normalised,
    without duplicates, in subject order. Unknown prefixes are ignored."""
    found: dict[str, list[str]] = {}
    for attribute in certificate.subject.get_attributes_for_oid(NameOID.USER_ID):
        raw = attribute.value if isinstance(attribute.value, str) else attribute.value.decode()
        match = _UID_VALUE.match(raw)
        if match is None:
            continue
        kind = UID_PREFIXES.get(match["prefix"].upper())
        if kind is None:
            continue
        value = _normalise(kind, match["value"])
        values = found.setdefault(kind, [])
        if value not in values:
            values.append(value)
    return {kind: tuple(values) for kind, values in found.items()}


def _first_text(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    attributes = name.get_attributes_for_oid(oid)
    if not attributes:
        return None
    value = attributes[0].value
    return _clean_text(value if isinstance(value, str) else value.decode())


def _single(values: tuple[str, ...]) -> str | None:
    """One value, or None when absent or contradictory: two different MSTs name no one unit."""
    return values[0] if len(values) == 1 else None


def identity_of(certificate: x509.Certificate) -> CertIdentity:
    """The names and identifiers in the subject. `citizen_id` is the CCCD, or the legacy CMND
    number when the certificate carries no CCCD."""
    uids = uid_values(certificate)
    citizen_id = _single(uids.get("citizen_id", ()))
    if citizen_id is None and "citizen_id" not in uids:
        citizen_id = _single(uids.get("legacy_id", ()))
    return CertIdentity(
        common_name=_first_text(certificate.subject, NameOID.COMMON_NAME) or "",
        organization=_first_text(certificate.subject, NameOID.ORGANIZATION_NAME),
        tax_code=_single(uids.get("tax_code", ())),
        citizen_id=citizen_id,
        subject=certificate.subject.rfc4514_string(),
    )


def require_tax_code(
    validated: ValidatedCertificate, tax_code: str, *, xpath: str | None = None
) -> None:
    """IDN001 unless the certificate names exactly this unit.

    Exact match after normalisation: a parent company's certificate (`0100109106`) does not
    sign for its branch (`0100109106-001`), nor a branch's for the parent, because they are
    separate units with their own BHXH registration.
    """
    certificate_codes = uid_values(validated.certificate).get("tax_code", ())
    try:
        wanted = parse_tax_code(tax_code).value
    except IdentifierError:
        wanted = _normalise("tax_code", tax_code)
    if len(certificate_codes) > 1:
        raise CertificateError(
            "IDN001",
            f"chứng thư số ghi nhiều mã số thuế khác nhau ({', '.join(certificate_codes)})",
            xpath=xpath,
        )
    if not certificate_codes:
        raise CertificateError(
            "IDN001", "chứng thư số không ghi mã số thuế (UID=MST:)", xpath=xpath
        )
    if certificate_codes[0] != wanted:
        raise CertificateError(
            "IDN001",
            f"chứng thư số ghi MST {certificate_codes[0]}, đơn vị có MST {wanted}",
            xpath=xpath,
        )


def require_citizen_id(
    validated: ValidatedCertificate, citizen_id: str, *, xpath: str | None = None
) -> None:
    """IDN002 unless one of the person's ID numbers in the certificate (CCCD, or an old CMND
    still on the certificate) equals the declared one."""
    uids = uid_values(validated.certificate)
    numbers = uids.get("citizen_id", ()) + uids.get("legacy_id", ())
    wanted = _normalise("citizen_id", citizen_id)
    if not numbers:
        raise CertificateError(
            "IDN002", "chứng thư số không ghi số định danh cá nhân (UID=CCCD:)", xpath=xpath
        )
    if wanted not in numbers:
        raise CertificateError(
            "IDN002",
            f"chứng thư số ghi số {', '.join(numbers)}, người kê khai có số {wanted}",
            xpath=xpath,
        )
