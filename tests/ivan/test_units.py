"""Thêm mới đơn vị (seed 000 §3.2), its field errors with codes, and the e-service state."""

import pytest
from django.urls import reverse

from ebhxh.audit.models import AuditRecord
from ebhxh.core.errors import IllegalTransition
from ebhxh.ivan import selectors, services
from ebhxh.ivan.models import SERVICE_TRANSITIONS, ServiceState, Unit
from ebhxh.ivan.selectors import StepState
from ebhxh.ivan.validation import InvalidInput
from tests.ivan.conftest import SAO_MAI_HCM, make_active, unit_input

pytestmark = pytest.mark.django_db


def codes(error: InvalidInput) -> dict[str, list[str]]:
    return {field: error.codes(field) for field in error.errors}


def test_a_unit_with_its_code(admin):
    unit = services.unit_create(by=admin, data=unit_input(unit_code="ta0123k"))
    assert (unit.unit_code, unit.first_time, unit.service_state) == (
        "TA0123K",
        False,
        ServiceState.NOT_REGISTERED,
    )
    record = AuditRecord.objects.get(action="ivan.unit_created")
    assert record.data["tax_code"] == "0109234567" and record.object_id == str(unit.pk)


def test_a_first_time_unit_in_ha_noi_and_a_branch_tax_code(admin):
    unit = services.unit_create(
        by=admin,
        data=unit_input(
            name="Chi nhánh Long Biên", tax_code="0109234567002", first_time=True, unit_code=""
        ),
    )
    assert unit.tax_code == "0109234567-002" and unit.first_time and unit.unit_code == ""


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"name": " ", "province_code": ""}, {"name": ["REQUIRED"], "province": ["REQUIRED"]}),
        ({"tax_code": "010923456"}, {"tax_code": ["MST_LENGTH"]}),
        ({"tax_code": "0109234568"}, {"tax_code": ["MST_CHECK_DIGIT"]}),
        ({"tax_code": "0109234567-000"}, {"tax_code": ["MST_BRANCH_SUFFIX"]}),
        ({"unit_code": ""}, {"unit_code": ["UNIT_CODE_EMPTY"]}),  # neither checkbox nor code
        ({"unit_code": "TA0123"}, {"unit_code": ["UNIT_CODE_LENGTH"]}),
        ({"unit_code": "1A0123K"}, {"unit_code": ["UNIT_CODE_LEGACY_PREFIX"]}),
        ({"unit_code": "0123456789XXA03"}, {"unit_code": ["UNIT_CODE_TARGET_GROUP"]}),
        ({"first_time": True}, {"unit_code": ["UNIT_CODE_WITH_FIRST_TIME"]}),  # both
        ({"contact_email": "ketoan@"}, {"contact_email": ["EMAIL_INVALID"]}),
        ({"province_code": "99"}, {"province": ["PROVINCE_UNKNOWN"]}),
    ],
)
def test_field_errors_have_codes(admin, overrides, expected):
    with pytest.raises(InvalidInput) as invalid:
        services.unit_create(by=admin, data=unit_input(**overrides))
    assert codes(invalid.value) == expected
    assert not Unit.objects.exists()


def test_one_unit_per_tax_code_in_a_company(admin, unit):
    with pytest.raises(InvalidInput) as invalid:
        services.unit_create(by=admin, data=unit_input(name="Trùng"))
    assert codes(invalid.value) == {"tax_code": ["UNIT_EXISTS"]}


def test_the_form_shows_every_error_beside_its_field(client, preparer):
    client.force_login(preparer.user)
    response = client.post(
        reverse("ivan:unit_new"), {"name": "", "province": "", "tax_code": "123", "unit_code": "X"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert {name: [e.code for e in found] for name, found in errors.items()} == {
        "name": ["REQUIRED"],
        "province": ["REQUIRED"],
        "tax_code": ["MST_LENGTH"],
        "unit_code": ["UNIT_CODE_LENGTH"],
    }
    html = response.content.decode()
    assert "Chưa nhập tên đơn vị." in html and 'data-code="MST_LENGTH"' in html
    assert 'id="id_unit_code-error"' in html


def test_continue_leads_to_the_signature_setup(client, preparer):
    client.force_login(preparer.user)
    response = client.post(
        reverse("ivan:unit_new"),
        {
            "name": "Chi nhánh Long Biên",
            "province": "01",
            "tax_code": "0109234567-002",
            "first_time": "on",
        },
    )
    unit = Unit.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("ivan:signature", args=[unit.pk])
    page = client.get(response.url).content.decode()
    assert "Đã khai báo Chi nhánh Long Biên" in page
    assert "Chỉ người có vai trò Quản trị hoặc Ký nộp" in page  # a preparer does not sign


def test_the_checklist_follows_the_unit(admin, unit):
    steps = selectors.unit_checklist(unit)
    assert [(s.key, s.state) for s in steps] == [
        ("declare", StepState.DONE),
        ("signature", StepState.CURRENT),
        ("register", StepState.UPCOMING),
        ("employees", StepState.UPCOMING),
    ]
    unit = services.unit_service_state_change(
        actor="system",
        unit=unit,
        to=ServiceState.REFUSED,
        refusal_code="CE007",
        refusal_message="Đơn vị đã đăng ký với tổ chức I-VAN khác.",
    )
    register = selectors.unit_checklist(unit)[2]
    assert register.state == StepState.BLOCKED and register.note.startswith("CE007")
    first_time = services.unit_create(
        by=admin, data=unit_input(tax_code=SAO_MAI_HCM, first_time=True, unit_code="")
    )
    assert selectors.unit_checklist(first_time)[2].title == "Đăng ký cấp mã đơn vị"


def test_the_service_state_machine(unit):
    assert SERVICE_TRANSITIONS.allowed(ServiceState.ACTIVE) == {ServiceState.STOPPED}
    with pytest.raises(IllegalTransition) as illegal:
        services.unit_service_state_change(actor="system", unit=unit, to=ServiceState.ACTIVE)
    assert illegal.value.code == "UNIT_SERVICE_ILLEGAL_TRANSITION"
    unit = services.unit_service_state_change(
        actor="system",
        unit=unit,
        to=ServiceState.REFUSED,
        refusal_code="CE044",
        refusal_message="…",
    )
    assert (unit.refusal_code, unit.service_state_changed_at is not None) == ("CE044", True)
    unit = services.unit_service_state_change(
        actor="system", unit=unit, to=ServiceState.PENDING_ACTIVATION
    )
    assert unit.refusal_code == ""  # cleared once the unit moves on
    unit = services.unit_service_state_change(
        actor="system", unit=unit, to=ServiceState.ACTIVE, registered_fingerprint="ab" * 32
    )
    assert unit.registered_fingerprint == "ab" * 32
    assert AuditRecord.objects.filter(action="ivan.unit_service_state_changed").count() == 3


def test_a_new_unit_code_on_an_active_unit_needs_a_change_dossier(admin):
    unit = services.unit_create(
        by=admin, data=unit_input(first_time=True, unit_code="", tax_code=SAO_MAI_HCM)
    )
    unit = make_active(unit, "ab" * 32)  # approved first-time request
    unit = services.unit_update(
        by=admin,
        unit=unit,
        data=unit_input(first_time=True, unit_code="YN0456B", tax_code=SAO_MAI_HCM),
    )
    assert unit.unit_code == "YN0456B"
    assert unit.change_dossier_required and "mã đơn vị" in unit.change_dossier_reason


def test_the_tax_code_is_fixed_once_registered(admin, unit):
    unit = make_active(unit, "ab" * 32)
    with pytest.raises(InvalidInput) as invalid:
        services.unit_update(by=admin, unit=unit, data=unit_input(tax_code=SAO_MAI_HCM))
    assert codes(invalid.value) == {"tax_code": ["UNIT_TAX_CODE_LOCKED"]}


def test_unit_pages(client, admin, unit):
    client.force_login(admin.user)
    listing = client.get(reverse("ivan:units")).content.decode()
    assert "Công ty Cổ phần Sao Mai" in listing and "Thiết lập chữ ký số" in listing
    detail = client.get(reverse("ivan:unit", args=[unit.pk])).content.decode()
    assert "TA0123K" in detail and "Chưa thiết lập chữ ký số" in detail
    response = client.post(
        reverse("ivan:unit_edit", args=[unit.pk]),
        {
            "name": "Công ty CP Sao Mai",
            "province": "01",
            "tax_code": unit.tax_code,
            "unit_code": "TA0123K",
        },
    )
    assert response.status_code == 302
    assert Unit.objects.get(pk=unit.pk).name == "Công ty CP Sao Mai"
    for name in ("ivan:dossiers", "ivan:employees", "ivan:settings"):
        assert client.get(reverse(name)).status_code == 200
