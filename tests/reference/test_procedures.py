"""The procedure catalogue: the procedures the seeds name, their forms, and seed 002's rule
that registration dossiers are confirmed once on the signing device and others twice."""

from __future__ import annotations

from typing import Any

import pytest

from ebhxh.reference.errors import ReferenceDataError, UnknownProcedureError
from ebhxh.reference.models import Procedure
from ebhxh.reference.procedures import (
    Applicant,
    FormSpec,
    ProcedureKind,
    ProcedureSpec,
    all_procedures,
    get_procedure,
    parse_procedures,
)


@pytest.mark.parametrize(
    ("code", "kind", "applicant", "forms"),
    [
        ("04/ĐK-IVAN", ProcedureKind.REGISTRATION, Applicant.UNIT, {"04/ĐK-IVAN"}),
        ("05/SD-IVAN", ProcedureKind.REGISTRATION, Applicant.UNIT, {"05/SD-IVAN"}),
        ("06/NG-IVAN", ProcedureKind.REGISTRATION, Applicant.UNIT, {"06/NG-IVAN"}),
        ("HSDKLanDau", ProcedureKind.REGISTRATION, Applicant.UNIT, {"TK3-TS"}),
        ("600", ProcedureKind.BUSINESS, Applicant.UNIT, {"D02-TS", "TK1-TS"}),
        ("Mau01", ProcedureKind.REGISTRATION, Applicant.INDIVIDUAL, {"Mau01"}),
    ],
)
def test_known_procedures(
    code: str, kind: ProcedureKind, applicant: Applicant, forms: set[str]
) -> None:
    spec = get_procedure(code)
    assert spec.code == code
    assert spec.kind is kind
    assert spec.applicant is applicant
    assert spec.form_codes == forms
    assert all(form.description for form in spec.forms)
    assert spec.name


def test_names_are_vietnamese() -> None:
    assert "giao dịch điện tử" in get_procedure("04/ĐK-IVAN").name
    assert get_procedure("600").name.startswith("Báo tăng, báo giảm")
    assert "Ngừng" in get_procedure("06/NG-IVAN").name


@pytest.mark.parametrize("spec", all_procedures(), ids=lambda spec: spec.code)
def test_device_confirmations_follow_the_kind(spec: ProcedureSpec) -> None:
    expected = 1 if spec.kind is ProcedureKind.REGISTRATION else 2
    assert spec.device_confirmations == expected


def test_carries_form() -> None:
    spec = get_procedure("600")
    assert spec.carries_form("D02-TS")
    assert not spec.carries_form("04/ĐK-IVAN")


def test_unknown_code_raises_a_specific_error() -> None:
    with pytest.raises(UnknownProcedureError) as caught:
        get_procedure("999")
    assert caught.value.code == "999"
    assert isinstance(caught.value, LookupError)
    assert "999" in str(caught.value)


def test_all_procedures_are_unique_and_stable() -> None:
    codes = [spec.code for spec in all_procedures()]
    assert len(codes) == len(set(codes))
    assert codes[:3] == ["04/ĐK-IVAN", "05/SD-IVAN", "06/NG-IVAN"]


def test_specs_are_frozen() -> None:
    spec = get_procedure("600")
    with pytest.raises(AttributeError):
        spec.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kind", "confirmations"),
    [(ProcedureKind.REGISTRATION, 2), (ProcedureKind.BUSINESS, 1), (ProcedureKind.BUSINESS, 0)],
)
def test_a_spec_breaking_the_confirmation_rule_is_refused(
    kind: ProcedureKind, confirmations: int
) -> None:
    with pytest.raises(ReferenceDataError, match="xác nhận ký"):
        ProcedureSpec(
            code="X",
            name="Thử",
            kind=kind,
            applicant=Applicant.UNIT,
            forms=(FormSpec("F", "Tờ khai"),),
            device_confirmations=confirmations,
        )


def _item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "code": "X",
        "name": "Thử",
        "kind": "business",
        "applicant": "unit",
        "device_confirmations": 2,
        "forms": [{"code": "F", "description": "Tờ khai"}],
    }
    item.update(overrides)
    return item


@pytest.mark.parametrize(
    "items",
    [
        [_item(), _item()],
        [_item(kind="other")],
        [_item(applicant="robot")],
        [_item(forms=[])],
        [_item(forms=[{"code": "F", "description": "a"}, {"code": "F", "description": "b"}])],
        [_item(device_confirmations="2")],
        [_item(name="")],
        [{k: v for k, v in _item().items() if k != "forms"}],
    ],
)
def test_a_bad_procedures_file_is_refused(items: list[dict[str, Any]]) -> None:
    with pytest.raises(ReferenceDataError):
        parse_procedures({"procedures": items}, source="test")


def test_model_choices_match_the_catalogue_enums() -> None:
    assert set(Procedure.Kind.values) == {kind.value for kind in ProcedureKind}
    assert set(Procedure.ApplicantType.values) == {a.value for a in Applicant}


@pytest.mark.django_db
def test_the_procedure_table_mirrors_the_catalogue() -> None:
    rows = {row.code: row for row in Procedure.objects.all()}
    assert set(rows) == {spec.code for spec in all_procedures()}
    for spec in all_procedures():
        row = rows[spec.code]
        assert row.name == spec.name
        assert row.kind == spec.kind.value
        assert row.applicant == spec.applicant.value
        assert row.device_confirmations == spec.device_confirmations
        assert row.forms == [{"code": f.code, "description": f.description} for f in spec.forms]
