"""Procedure 600: the D02-TS list from a sheet or the page, checked cell by cell (dry run),
then created and handed to signing; the pages of the engine (list, filters, token JSON)."""

from __future__ import annotations

import base64
import io
import json

import pytest
from openpyxl import Workbook

from ebhxh.dossiers.forms.business import parse_d02
from ebhxh.ivan.filings import d02, services
from ebhxh.ivan.filings.d02_views import D02RowForm
from ebhxh.ivan.filings.models import Filing, FilingState
from ebhxh.ivan.models import Role
from tests.ivan.filings.conftest import PERIOD, d02_form

pytestmark = pytest.mark.django_db

GOOD = (
    "Nguyễn Văn Bình",
    "0123456789",
    "001090012345",
    "01/02/1990",
    "Nam",
    "Kế toán",
    "8000000",
    "TM",
    PERIOD,
    "",
)
LEAVER = (
    "Trần Thị Hoa",
    "0123456790",
    "001190012346",
    "05/06/1990",
    "Nữ",
    "",
    "",
    "GH",
    PERIOD,
    "Nghỉ việc",
)


def table(*rows: tuple[object, ...]) -> list[tuple[object, ...]]:
    return [tuple(d02.HEADERS), *rows]


def check(*rows: tuple[object, ...]) -> d02.D02Check:
    return d02.check_d02_rows(table(*rows), period=PERIOD, unit_code="TA0123K")


def test_a_clean_table_becomes_a_form_the_gateway_reader_accepts() -> None:
    result = check(GOOD, LEAVER)
    assert result.ok, result.issues
    report = parse_d02(result.xml)
    assert [e.plan.value for e in report.employees] == ["TM", "GH"]
    assert report.employees[1].salary is None
    assert result.counts() == {"increase": 1, "decrease": 1, "adjustment": 0}


def test_the_dry_run_names_every_bad_cell() -> None:
    bad_id = (
        "Lê Văn C",
        "0123456791",
        "001090012399",
        "01/02/1991",
        "Nam",
        "",
        "7000000",
        "TM",
        PERIOD,
        "",
    )
    no_plan = (
        "Phạm D",
        "0123456792",
        "001090012347",
        "01/02/1990",
        "Nam",
        "",
        "7000000",
        "XX",
        "13/2026",
        "",
    )
    no_number = ("Vũ E", "", "001090012348", "01/02/1990", "Nam", "", "", "GC", PERIOD, "")
    no_salary = (
        "Đỗ F",
        "0123456793",
        "001090012349",
        "01/02/1990",
        "Nam",
        "",
        "",
        "DL",
        PERIOD,
        "",
    )
    result = check(GOOD, bad_id, no_plan, no_number, no_salary)
    assert not result.ok and result.report is None
    found = {(i.row, i.column_header, i.code) for i in result.issues}
    assert any(i.row == 3 and i.column_header == "Số CCCD" for i in result.issues)
    assert (4, "Phương án", "D02_PLAN") in found
    assert (4, "Từ tháng", "D02_FROM_MONTH") in found
    assert (5, "Mã số BHXH", "D02_BHXH_REQUIRED") in found
    assert (6, "Mức lương", "D02_SALARY_REQUIRED") in found
    assert all(i.row != 2 for i in result.issues)  # the good row is fine


def test_a_missing_column_is_named() -> None:
    rows = [("Họ và tên", "Mã số BHXH", "Số CCCD", "Ngày sinh", "Giới tính"), GOOD[:5]]
    result = d02.check_d02_rows(rows, period=PERIOD, unit_code="TA0123K")
    assert [i.code for i in result.issues] == ["D02_MISSING_COLUMN"]
    assert "Phương án" in result.issues[0].message


def test_excel_dropping_leading_zeros_is_caught() -> None:
    row = list(GOOD)
    row[2] = 1090012345  # the CCCD typed into a number cell
    result = check(tuple(row))
    assert [i.code for i in result.issues] == ["SHEET_LEADING_ZEROS_LOST"]


def _xlsx(*rows: tuple[object, ...]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    for row in table(*rows):
        sheet.append(list(row))
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "bang-ke.xlsx"
    return data


def test_upload_check_then_create_then_sign_page(client, admin, sao_mai) -> None:
    client.force_login(admin.user)
    page = client.post(
        "/ivan/ho-so/600/lap-moi/",
        {
            "action": "check",
            "unit": sao_mai.pk,
            "period": PERIOD,
            "sheet": _xlsx(GOOD, LEAVER),
            "rows-TOTAL_FORMS": "0",
            "rows-INITIAL_FORMS": "0",
        },
    )
    html = page.content.decode()
    assert 'id="d02-ok"' in html, html
    assert "tăng 1, giảm 1" in html
    assert not Filing.objects.exists()  # a dry run creates nothing
    created = client.post("/ivan/ho-so/600/lap-moi/", {"action": "create"})
    filing = Filing.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/ivan/ho-so/{filing.pk}/ky/"
    assert filing.purpose == "Báo tăng 1, giảm 1, điều chỉnh 0 lao động"
    sign = client.get(created["Location"]).content.decode()
    assert 'id="token-steps"' in sign and sao_mai.signature.fingerprint_sha256 in sign


def test_upload_with_errors_lists_them(client, admin, sao_mai) -> None:
    client.force_login(admin.user)
    bad = (
        "Phạm D",
        "0123456792",
        "001090012347",
        "01/02/1990",
        "Nam",
        "",
        "7000000",
        "XX",
        PERIOD,
        "",
    )
    page = client.post(
        "/ivan/ho-so/600/lap-moi/",
        {
            "action": "check",
            "unit": sao_mai.pk,
            "period": PERIOD,
            "sheet": _xlsx(bad),
            "rows-TOTAL_FORMS": "0",
            "rows-INITIAL_FORMS": "0",
        },
    ).content.decode()
    assert 'id="d02-issues"' in page and "D02_PLAN" in page and "Dòng 2, cột H (Phương án)" in page
    assert client.post("/ivan/ho-so/600/lap-moi/", {"action": "create"}).status_code == 302
    assert not Filing.objects.exists()


def test_rows_entered_on_the_page(client, admin, sao_mai) -> None:
    client.force_login(admin.user)
    data = {
        "action": "check",
        "unit": sao_mai.pk,
        "period": PERIOD,
        "rows-TOTAL_FORMS": "2",
        "rows-INITIAL_FORMS": "0",
    }
    for name, value in zip(D02RowForm.FIELDS, GOOD, strict=True):
        data[f"rows-0-{name}"] = value
    page = client.post("/ivan/ho-so/600/lap-moi/", data).content.decode()
    assert 'id="d02-ok"' in page, page
    client.post("/ivan/ho-so/600/lap-moi/", {"action": "create"})
    assert Filing.objects.get().forms.get().form_code == "D02-TS"


def test_a_unit_without_active_e_service_gets_a_clear_error(client, admin, sao_mai) -> None:
    from ebhxh.ivan import services as ivan_services
    from ebhxh.ivan.models import ServiceState

    ivan_services.unit_service_state_change(actor="system", unit=sao_mai, to=ServiceState.STOPPED)
    client.force_login(admin.user)
    page = client.post(
        "/ivan/ho-so/600/lap-moi/",
        {
            "action": "check",
            "unit": sao_mai.pk,
            "period": PERIOD,
            "sheet": _xlsx(GOOD),
            "rows-TOTAL_FORMS": "0",
            "rows-INITIAL_FORMS": "0",
        },
    ).content.decode()
    assert "IVAN_SERVICE_NOT_ACTIVE" in page and "chưa sử dụng dịch vụ" in page


def test_the_template_downloads(client, admin) -> None:
    client.force_login(admin.user)
    response = client.get("/ivan/ho-so/600/tep-mau/")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Họ và tên,Mã số BHXH")


# --- engine pages --------------------------------------------------------------------------


def test_the_token_json_flow_signs_and_submits(client, admin, draft, holder) -> None:
    key = holder("sao-mai-vnpt")
    client.force_login(admin.user)
    url = f"/ivan/ho-so/{draft.pk}/ky/usb-token/"

    def post(body: dict) -> dict:
        return json.loads(
            client.post(url, json.dumps(body), content_type="application/json").content
        )

    step = post(
        {
            "action": "start",
            "certificate": key.b64(),
            "chain": [base64.b64encode(c).decode() for c in key.chain_der],
        }
    )
    assert step["ok"] and step["index"] == 1 and step["total"] == 2
    while not step.get("done"):
        signature = key.sign(base64.b64decode(step["digest"]))
        step = post({"action": "continue", "signature": base64.b64encode(signature).decode()})
        assert step["ok"], step
    assert step["state"] == FilingState.RECEIVED and step["number"]
    assert step["redirect"] == f"/ivan/ho-so/{draft.pk}/"
    status = json.loads(client.get(f"/ivan/ho-so/{draft.pk}/trang-thai/").content)
    assert status["number"] == step["number"]


def test_the_token_json_refuses_a_wrong_certificate(client, admin, draft, holder) -> None:
    client.force_login(admin.user)
    answer = client.post(
        f"/ivan/ho-so/{draft.pk}/ky/usb-token/",
        json.dumps({"action": "start", "certificate": holder("hoa-binh").b64(), "chain": []}),
        content_type="application/json",
    )
    body = answer.json()
    assert answer.status_code == 409 and body["code"] == "IDN001"


def test_the_list_filters_and_shows_the_number(
    client, admin, sao_mai, draft, token, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.filing_submit(actor=admin.user, filing=token().sign_all(admin, draft))
    services.filing_create(actor=admin.user, unit=sao_mai, procedure_code="600", forms=[d02_form()])
    client.force_login(admin.user)
    page = client.get("/ivan/ho-so/").content.decode()
    assert sent.number in page and page.count("data-filing=") == 2
    received = client.get("/ivan/ho-so/?trang-thai=received").content.decode()
    assert received.count("data-filing=") == 1 and sent.number in received
    drafts = client.get("/ivan/ho-so/?trang-thai=draft").content.decode()
    assert drafts.count("data-filing=") == 1 and sent.number not in drafts
    detail = client.get(f"/ivan/ho-so/{sent.pk}/").content.decode()
    assert 'id="timeline"' in detail and "BHXH đã tiếp nhận hồ sơ" in detail


def test_a_preparer_sees_the_list_but_cannot_open_signing(client, member, draft) -> None:
    preparer = member(Role.PREPARER, "lap")
    client.force_login(preparer.user)
    assert client.get("/ivan/ho-so/").status_code == 200
    assert client.get(f"/ivan/ho-so/{draft.pk}/ky/").status_code == 403
