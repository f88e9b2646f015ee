"""Identifier checks for BHXH dossiers: tax codes, CCCD, BHXH numbers, unit codes, phones.

Pure Python with no Django or database (an import contract enforces it), so the same checks
run in the web apps, the gateway, the `ebhxh check` command and scripts. Each kind has a
`parse_<kind>` that returns a frozen dataclass or raises IdentifierError with a stable code
and a Vietnamese message, and an `is_valid_<kind>` for yes/no questions.
"""

from ebhxh.identifiers.citizen_id import (
    CitizenId,
    century_digit,
    citizen_id_mismatches,
    is_valid_citizen_id,
    parse_citizen_id,
)
from ebhxh.identifiers.errors import IdentifierError
from ebhxh.identifiers.gender import Gender, parse_gender
from ebhxh.identifiers.insurance_number import (
    InsuranceNumber,
    is_valid_insurance_number,
    parse_insurance_number,
)
from ebhxh.identifiers.phone import PhoneNumber, is_valid_phone, parse_phone
from ebhxh.identifiers.phone_operators import MOBILE_PREFIXES
from ebhxh.identifiers.provinces import BIRTH_PROVINCES
from ebhxh.identifiers.reasons import REASONS
from ebhxh.identifiers.target_groups import TARGET_GROUPS
from ebhxh.identifiers.tax_code import (
    TaxCode,
    is_valid_tax_code,
    parse_tax_code,
    tax_code_check_digit,
)
from ebhxh.identifiers.unit_code import UnitCode, UnitCodeKind, is_valid_unit_code, parse_unit_code

__all__ = [
    "BIRTH_PROVINCES",
    "MOBILE_PREFIXES",
    "REASONS",
    "TARGET_GROUPS",
    "CitizenId",
    "Gender",
    "IdentifierError",
    "InsuranceNumber",
    "PhoneNumber",
    "TaxCode",
    "UnitCode",
    "UnitCodeKind",
    "century_digit",
    "citizen_id_mismatches",
    "is_valid_citizen_id",
    "is_valid_insurance_number",
    "is_valid_phone",
    "is_valid_tax_code",
    "is_valid_unit_code",
    "parse_citizen_id",
    "parse_gender",
    "parse_insurance_number",
    "parse_phone",
    "parse_tax_code",
    "parse_unit_code",
    "tax_code_check_digit",
]
