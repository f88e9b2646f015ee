"""Cơ cấu tổ chức: nodes, the sheet's dry run (every bad cell with row, column, reason),
all-or-nothing apply, and export → import round trips."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from ebhxh.audit.models import AuditRecord
from ebhxh.core.errors import DomainError
from ebhxh.ivan import orgsheet, selectors, services
from ebhxh.ivan.models import OrgNode
from ebhxh.ivan.orgsheet import Action
from ebhxh.ivan.validation import InvalidInput
from tests.ivan.conftest import unit_input

pytestmark = pytest.mark.django_db

HEADER = "Mã,Tên,Mã đơn vị cha,MST,Địa chỉ,Tỉnh\n"
GOOD = (
    HEADER
    + "CN-HCM,Chi nhánh TP. Hồ Chí Minh,,0109234567-001,12 Lê Lợi,Thành phố Hồ Chí Minh\n"
    + "CN-HCM-KD,Phòng Kinh doanh,CN-HCM,,,79\n"
    + "CN-LB,Chi nhánh Long Biên,,0109234567-002,,Hà Nội\n"
)


def check(company, text: str, name: str = "co-cau.csv") -> orgsheet.SheetCheck:
    rows = orgsheet.read_rows(text.encode(), name)
    return orgsheet.check_sheet(
        rows,
        existing=selectors.existing_nodes(company),
        provinces=selectors.province_spellings(),
    )


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_good_sheet_plans_every_row(company):
    result = check(company, GOOD)
    assert result.ok and not result.issues
    assert [(p.row.code, p.action) for p in result.plan] == [
        ("CN-HCM", Action.CREATE),
        ("CN-HCM-KD", Action.CREATE),
        ("CN-LB", Action.CREATE),
    ]
    # Province by full name, by code, and by short name all resolve to the 2-digit code.
    assert [p.row.province_code for p in result.plan] == ["79", "79", "01"]


def test_every_bad_cell_is_listed_with_row_column_and_a_vietnamese_reason(company):
    sheet = (
        HEADER
        + "CN-HCM,Chi nhánh HCM,,0109234568,,Sài Gòn\n"  # row 2: check digit, unknown province
        + ",Không có mã,,,,\n"  # row 3: no code
        + "CN HCM,Có dấu cách,CN-XYZ,,,\n"  # row 4: bad code characters
        + "CN-HCM,Trùng mã,,,,\n"  # row 5: duplicate code
        + "CN-A,,CN-A,,,\n"  # row 6: no name, own parent
        + "CN-B,B,CN-KHONG-CO,,,\n"  # row 7: unknown parent
        + "CN-C,C,CN-D,,,\n"  # rows 8-9: a cycle
        + "CN-D,D,CN-C,,,\n"
    )
    result = check(company, sheet)
    assert not result.ok and not result.plan
    found = {(i.row, i.column, i.code) for i in result.issues}
    assert found == {
        (2, "D", "MST_CHECK_DIGIT"),
        (2, "F", "ORG_PROVINCE_UNKNOWN"),
        (3, "A", "ORG_CODE_EMPTY"),
        (4, "A", "ORG_CODE_CHARACTERS"),
        (5, "A", "ORG_CODE_DUPLICATE"),
        (6, "B", "ORG_NAME_EMPTY"),
        (6, "C", "ORG_PARENT_SELF"),
        (7, "C", "ORG_PARENT_NOT_FOUND"),
        (8, "C", "ORG_PARENT_CYCLE"),
        (9, "C", "ORG_PARENT_CYCLE"),
    }
    by_place = {(i.row, i.column): i for i in result.issues}
    assert by_place[(5, "A")].message.startswith("Mã 'CN-HCM' đã có ở dòng 2.")
    assert "CN-C → CN-D → CN-C" in by_place[(8, "C")].message
    assert by_place[(2, "F")].location == "Dòng 2, cột F (Tỉnh)"
    assert "Thành phố Hà Nội" in by_place[(2, "F")].message


def test_file_level_problems(company):
    assert check(company, "Mã,Tên\nA,B\n").issues[0].code == "ORG_SHEET_MISSING_COLUMN"
    assert check(company, HEADER).issues[0].code == "ORG_SHEET_EMPTY"
    with pytest.raises(orgsheet.SheetRejected) as rejected:
        orgsheet.read_rows(b"%PDF", "co-cau.pdf")
    assert rejected.value.issues[0].code == "ORG_SHEET_FILE_TYPE"
    with pytest.raises(orgsheet.SheetRejected) as rejected:
        orgsheet.read_rows("Mã;Tên".encode("cp1252"), "co-cau.csv")
    assert rejected.value.issues[0].code == "ORG_SHEET_ENCODING"


def test_excel_dropped_the_leading_zero_of_a_tax_code(company):
    raw = orgsheet.read_rows(
        xlsx([orgsheet.HEADERS, ("CN-1", "Chi nhánh", None, 109234567, None, None)]), "a.xlsx"
    )
    result = orgsheet.check_sheet(raw, existing={}, provinces=selectors.province_spellings())
    assert [(i.row, i.column, i.code) for i in result.issues] == [(2, "D", "ORG_TAX_CODE_NUMBER")]


def test_parents_may_already_exist_and_rows_may_come_in_any_order(company, admin):
    services.org_node_create(by=admin, data=services.OrgNodeInput("CN-HCM", "Chi nhánh HCM"))
    sheet = HEADER + "CN-HCM-KD2,Phòng Kế toán,CN-HCM-KD,,,\nCN-HCM-KD,Phòng Kinh doanh,CN-HCM,,,\n"
    result = check(company, sheet)
    assert result.ok, result.issues
    services.org_import_apply(by=admin, rows=result.rows)
    leaf = OrgNode.objects.get(code="CN-HCM-KD2")
    assert leaf.parent.code == "CN-HCM-KD" and leaf.parent.parent.code == "CN-HCM"


def test_a_cycle_through_existing_nodes_is_found(company, admin):
    top = services.org_node_create(by=admin, data=services.OrgNodeInput("A", "A"))
    services.org_node_create(by=admin, data=services.OrgNodeInput("B", "B", parent_id=top.pk))
    result = check(company, HEADER + "A,A,B,,,\n")
    assert [(i.row, i.code) for i in result.issues] == [(2, "ORG_PARENT_CYCLE")]


def test_apply_writes_all_rows_or_none(company, admin, monkeypatch):
    result = check(company, GOOD)
    real_save = OrgNode.save
    calls = {"n": 0}

    def failing_save(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # the third node: two are already written in this transaction
            raise RuntimeError("mất kết nối cơ sở dữ liệu")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(OrgNode, "save", failing_save)
    with pytest.raises(RuntimeError):
        services.org_import_apply(by=admin, rows=result.rows)
    assert not OrgNode.objects.exists()
    assert not AuditRecord.objects.filter(action="ivan.org_imported").exists()
    monkeypatch.setattr(OrgNode, "save", real_save)
    services.org_import_apply(by=admin, rows=result.rows)
    assert OrgNode.objects.count() == 3


def test_apply_rechecks_against_changes_since_the_preview(company, admin):
    top = services.org_node_create(by=admin, data=services.OrgNodeInput("A", "A"))
    result = check(company, HEADER + "B,B,A,,,\nC,C,B,,,\n")
    assert result.ok
    services.org_node_delete(by=admin, node=top)  # someone removes the parent meanwhile
    with pytest.raises(services.ImportRejected) as rejected:
        services.org_import_apply(by=admin, rows=result.rows)
    assert [i.code for i in rejected.value.issues] == ["ORG_PARENT_NOT_FOUND"]
    assert not OrgNode.objects.exists()


def test_second_import_updates_and_reports_changes(company, admin):
    services.org_import_apply(by=admin, rows=check(company, GOOD).rows)
    changed = GOOD.replace("Phòng Kinh doanh,CN-HCM,,,79", "Phòng Kinh doanh miền Nam,CN-LB,,,79")
    result = check(company, changed)
    plans = {p.row.code: p for p in result.plan}
    assert plans["CN-HCM"].action == Action.UNCHANGED
    assert plans["CN-HCM-KD"].action == Action.UPDATE
    assert plans["CN-HCM-KD"].changes == ("tên", "đơn vị cha")
    services.org_import_apply(by=admin, rows=result.rows)
    assert OrgNode.objects.get(code="CN-HCM-KD").parent.code == "CN-LB"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(client, company, admin, fmt):
    services.org_import_apply(by=admin, rows=check(company, GOOD).rows)
    client.force_login(admin.user)
    url = reverse("ivan:org_export") + ("?dinh-dang=csv" if fmt == "csv" else "")
    exported = client.get(url)
    assert exported.status_code == 200
    assert f'co-cau-to-chuc-0109234567.{fmt}"' in exported["Content-Disposition"]
    raw = orgsheet.read_rows(exported.content, f"x.{fmt}")
    assert raw[0] == orgsheet.HEADERS
    assert ("CN-HCM-KD", "Phòng Kinh doanh", "CN-HCM", "", "", "Thành phố Hồ Chí Minh") in [
        tuple("" if cell is None else cell for cell in row) for row in raw
    ]
    result = orgsheet.check_sheet(
        raw, existing=selectors.existing_nodes(company), provinces=selectors.province_spellings()
    )
    assert result.ok
    assert {p.action for p in result.plan} == {Action.UNCHANGED} and len(result.plan) == 3


def test_export_keeps_tax_codes_as_text_and_csv_opens_in_excel(client, company, admin):
    services.org_import_apply(by=admin, rows=check(company, GOOD).rows)
    client.force_login(admin.user)
    book = load_workbook(io.BytesIO(client.get(reverse("ivan:org_export")).content))
    cell = book.active["D2"]
    assert (cell.value, cell.number_format) == ("0109234567-001", "@")
    body = client.get(reverse("ivan:org_export") + "?dinh-dang=csv").content
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == list(orgsheet.HEADERS)


def test_import_pages_preview_then_apply(client, company, admin):
    client.force_login(admin.user)
    upload = SimpleUploadedFile("co-cau.csv", GOOD.encode())
    page = client.post(reverse("ivan:org_import"), {"sheet": upload}).content.decode()
    assert "3 đơn vị mới, 0 cập nhật, 0 không đổi" in page
    assert not OrgNode.objects.exists()  # a dry run
    response = client.post(reverse("ivan:org_import_apply"))
    assert response.status_code == 302
    assert OrgNode.objects.count() == 3
    tree = client.get(reverse("ivan:org_tree")).content.decode()
    assert "Đã đồng bộ cơ cấu tổ chức từ co-cau.csv" in tree and "Phòng Kinh doanh" in tree
    # Applying again without a new check does nothing.
    client.post(reverse("ivan:org_import_apply"))
    assert OrgNode.objects.count() == 3


def test_import_page_lists_errors_and_keeps_nothing_to_apply(client, company, admin):
    client.force_login(admin.user)
    upload = SimpleUploadedFile("co-cau.csv", (HEADER + "CN-1,,,0109234568,,\n").encode())
    page = client.post(reverse("ivan:org_import"), {"sheet": upload}).content.decode()
    assert "Dòng 2, cột B (Tên)" in page and "ORG_NAME_EMPTY" in page
    assert "Dòng 2, cột D (MST)" in page and "MST_CHECK_DIGIT" in page
    assert 'id="apply-import"' not in page
    client.post(reverse("ivan:org_import_apply"))
    assert not OrgNode.objects.exists()


def test_the_template_sheet_imports_cleanly(client, company, admin):
    client.force_login(admin.user)
    template = client.get(reverse("ivan:org_template")).content
    result = orgsheet.check_sheet(
        orgsheet.read_rows(template, "mau.xlsx"),
        existing={},
        provinces=selectors.province_spellings(),
    )
    assert result.ok and len(result.plan) == 2


def test_node_crud_rules(company, admin, member):
    top = services.org_node_create(by=admin, data=services.OrgNodeInput("A", "A"))
    child = services.org_node_create(
        by=admin, data=services.OrgNodeInput("B", "B", parent_id=top.pk)
    )
    with pytest.raises(InvalidInput) as invalid:
        services.org_node_create(by=admin, data=services.OrgNodeInput("A", "A lần hai"))
    assert invalid.value.codes("code") == ["ORG_CODE_DUPLICATE"]
    with pytest.raises(InvalidInput) as invalid:
        services.org_node_update(
            by=admin, node=top, data=services.OrgNodeInput("A", "A", parent_id=child.pk)
        )
    assert invalid.value.codes("parent") == ["ORG_PARENT_CYCLE"]
    with pytest.raises(DomainError) as refused:
        services.org_node_delete(by=admin, node=top)
    assert refused.value.code == "ORG_NODE_HAS_CHILDREN"
    services.unit_create(by=admin, data=unit_input(org_node_id=child.pk))
    with pytest.raises(DomainError) as refused:
        services.org_node_delete(by=admin, node=child)
    assert refused.value.code == "ORG_NODE_HAS_UNITS"


def test_node_pages(client, company, admin):
    client.force_login(admin.user)
    response = client.post(
        reverse("ivan:org_node_new"),
        {"code": "CN-HCM", "name": "Chi nhánh HCM", "tax_code": "0109234567-001", "province": "79"},
    )
    assert response.status_code == 302
    node = OrgNode.objects.get()
    response = client.post(
        reverse("ivan:org_node_edit", args=[node.pk]),
        {"code": "CN-HCM", "name": "", "tax_code": "1"},
    )
    errors = response.context["form"].errors.as_data()
    assert errors["name"][0].code == "REQUIRED" and errors["tax_code"][0].code == "MST_LENGTH"
    client.post(reverse("ivan:org_node_delete", args=[node.pk]))
    assert not OrgNode.objects.exists()
