"""The rejection-code catalogue: every fault the design names has its own code, the code
scheme holds, each message tells the user what to do, and the docs list every code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ebhxh.reference.errors import ReferenceDataError, UnknownRejectionError
from ebhxh.reference.models import RejectionCode
from ebhxh.reference.rejections import (
    FAMILY_PREFIX,
    Rejection,
    RejectionCategory,
    all_rejections,
    get_rejection,
    parse_rejections,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "reference-data.md"

# The faults the brief lists, each with the code that reports it.
REQUIRED = {
    "CE007": "registration",  # registered with another I-VAN
    "CE044": "registration",  # registered at the BHXH portal
    "SIG001": "signature",  # missing signature
    "SIG002": "signature",  # invalid signature value
    "SIG003": "signature",  # digest mismatch
    "SIG004": "signature",  # disallowed algorithm
    "SIG005": "signature",  # wrapping / reference not covering the document
    "CRT001": "certificate",  # untrusted chain
    "CRT002": "certificate",  # expired
    "CRT003": "certificate",  # not yet valid
    "CRT004": "certificate",  # revoked
    "CRT005": "certificate",  # revocation status unavailable
    "CRT006": "certificate",  # wrong key usage
    "IDN001": "identity",  # MST in certificate differs from the unit's
    "IDN002": "identity",  # personal ID in certificate differs from the person
    "SCH001": "schema",  # malformed XML
    "SCH002": "schema",  # DTD / entity forbidden
    "SCH003": "schema",  # too large
    "SCH004": "schema",  # too deep
    "SCH005": "schema",  # missing element
    "SCH006": "schema",  # extra element
    "SCH007": "schema",  # invalid field value
    "AUT001": "authorisation",  # unknown I-VAN
    "AUT002": "authorisation",  # I-VAN not serving this unit
    "AUT003": "authorisation",  # I-VAN request signature invalid
    "REG001": "registration",  # unknown unit code
    "REG002": "registration",  # already has an active registration
    "REG003": "registration",  # not active / already stopped
    "REG004": "registration",  # activation code wrong
    "REG005": "registration",  # activation code expired
    "REG006": "registration",  # activation code used
    "REG007": "registration",  # activation locked after too many tries
    "REG008": "registration",  # province not enabled for first-time e-registration
    "REG009": "registration",  # officer refused the unit-code request
    "REG010": "registration",  # unit already has a code or a request under review
    "SYS001": "system",  # system error, retry later
    "SYS002": "system",  # duplicate message id with different content
}


@pytest.mark.parametrize(("code", "category"), REQUIRED.items())
def test_required_codes_exist(code: str, category: str) -> None:
    entry = get_rejection(code)
    assert entry.category.value == category


def test_required_faults_have_distinct_messages() -> None:
    messages = [get_rejection(code).message_vi for code in REQUIRED]
    assert len(messages) == len(set(messages))


def test_ce007_tells_the_unit_to_stop_the_old_provider() -> None:
    entry = get_rejection("CE007")
    assert entry.message_vi.startswith("Đơn vị đã đăng ký giao dịch điện tử với tổ chức I-VAN khác")
    assert "06/NG-IVAN" in entry.message_vi
    assert entry.http_status == 409


def test_ce044_names_the_portal() -> None:
    entry = get_rejection("CE044")
    assert "Cổng thông tin điện tử BHXH Việt Nam" in entry.message_vi
    assert "06/NG-IVAN" in entry.message_vi


@pytest.mark.parametrize("entry", all_rejections(), ids=lambda entry: entry.code)
def test_every_entry_follows_the_scheme(entry: Rejection) -> None:
    if entry.code.startswith("CE"):
        assert entry.category is RejectionCategory.REGISTRATION
    else:
        assert entry.code[:3] == FAMILY_PREFIX[entry.category]
    assert re.fullmatch(r"[A-Z]{2,3}\d{3}", entry.code)
    assert 400 <= entry.http_status <= 599
    if entry.retryable:
        assert entry.http_status >= 500, "only server-side conditions are worth retrying as is"


@pytest.mark.parametrize("entry", all_rejections(), ids=lambda entry: entry.code)
def test_every_message_tells_the_user_what_to_do(entry: Rejection) -> None:
    text = entry.message_vi.lower()
    assert any(hint in text for hint in ("vui lòng", "có thể nộp")), entry.code
    assert entry.message_en
    assert entry.message_en != entry.message_vi


def test_retryable_codes() -> None:
    assert {entry.code for entry in all_rejections() if entry.retryable} == {"CRT005", "SYS001"}


def test_message_language() -> None:
    entry = get_rejection("SIG001")
    assert entry.message() == entry.message_vi
    assert entry.message("en-us") == entry.message_en
    assert entry.message("vi") == entry.message_vi


def test_unknown_code_raises_a_specific_error() -> None:
    with pytest.raises(UnknownRejectionError) as caught:
        get_rejection("XX999")
    assert caught.value.code == "XX999"
    assert isinstance(caught.value, LookupError)


@pytest.mark.parametrize(
    ("code", "category", "status"),
    [
        ("SIG01", RejectionCategory.SIGNATURE, 422),  # two digits
        ("CRT001", RejectionCategory.SIGNATURE, 422),  # prefix of another category
        ("CE100", RejectionCategory.SYSTEM, 503),  # CE codes are registration conflicts
        ("SYS009", RejectionCategory.SYSTEM, 200),  # not an error status
        ("sig001", RejectionCategory.SIGNATURE, 422),
    ],
)
def test_an_entry_breaking_the_scheme_is_refused(
    code: str, category: RejectionCategory, status: int
) -> None:
    with pytest.raises(ReferenceDataError):
        Rejection(code, category, "Vui lòng thử.", "Please try.", status)


def test_a_duplicate_code_in_the_file_is_refused() -> None:
    item = {
        "code": "SYS001",
        "category": "system",
        "message_vi": "Vui lòng thử lại.",
        "message_en": "Try again.",
        "http_status": 503,
    }
    with pytest.raises(ReferenceDataError, match="trùng"):
        parse_rejections({"rejections": [item, item]}, source="test")
    with pytest.raises(ReferenceDataError):
        parse_rejections({"rejections": [{**item, "category": "weather"}]}, source="test")


def test_model_choices_match_the_categories() -> None:
    assert set(RejectionCode.Category.values) == {c.value for c in RejectionCategory}


@pytest.mark.django_db
def test_the_rejection_table_mirrors_the_catalogue() -> None:
    rows = {row.code: row for row in RejectionCode.objects.all()}
    assert set(rows) == {entry.code for entry in all_rejections()}
    for entry in all_rejections():
        row = rows[entry.code]
        assert (row.category, row.message_vi, row.message_en) == (
            entry.category.value,
            entry.message_vi,
            entry.message_en,
        )
        assert (row.http_status, row.retryable) == (entry.http_status, entry.retryable)


def test_the_docs_list_every_code_with_its_message() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for entry in all_rejections():
        row = f"| `{entry.code}` | {entry.category.value} | {entry.message_vi} |"
        assert row in text, f"docs/reference-data.md lacks {entry.code} or its message changed"
