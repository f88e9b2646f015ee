import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ebhxh.ivan.forms import MAX_SHEET_BYTES

pytestmark = pytest.mark.django_db

HEADER = "Họ và tên,Ngày sinh,Giới tính,Số CCCD,Mã số BHXH\n"


def upload(client, content: bytes, name: str = "lao-dong.csv"):
    return client.post(
        reverse("ivan:check_employees"), {"sheet": SimpleUploadedFile(name, content)}
    ).content.decode()


def test_a_clean_sheet_passes(client):
    html = upload(
        client, (HEADER + "Nguyễn Văn A,01/02/1990,Nam,001090012345,0123456789\n").encode()
    )
    assert "1 dòng hợp lệ, 0 lỗi" in html


def test_each_bad_cell_is_reported_with_row_column_and_code(client):
    body = HEADER + "Trần Thị B,01/02/1990,Nữ,001090012345,12345\n"
    html = upload(client, body.encode())
    assert "Dòng 2, cột D" in html and "CCCD_GENDER_MISMATCH" in html
    assert "Dòng 2, cột E" in html and "BHXH_LENGTH" in html


def test_missing_file_and_wrong_type_are_explained(client):
    html = client.post(reverse("ivan:check_employees"), {}).content.decode()
    assert "Chọn tệp danh sách lao động" in html
    html = upload(client, b"%PDF-1.4", name="lao-dong.pdf")
    assert "SHEET_FILE_TYPE" in html


def test_oversized_file_is_refused(client):
    html = upload(client, b"a" * (MAX_SHEET_BYTES + 1))
    assert "Tệp lớn hơn 5 MB" in html


def test_a_sheet_over_the_row_limit_is_refused_with_advice(client):
    from ebhxh.identifiers.employee_sheet import MAX_EMPLOYEE_ROWS

    rows = "Nguyễn Văn A,01/02/1990,Nam,001090012345,0123456789\n" * (MAX_EMPLOYEE_ROWS + 1)
    html = upload(client, (HEADER + rows).encode())
    assert "SHEET_TOO_MANY_ROWS" in html and "Tách danh sách" in html


def test_only_the_first_issues_are_listed(client, monkeypatch):
    monkeypatch.setattr("ebhxh.ivan.views.MAX_ISSUES_SHOWN", 2)
    rows = "".join(f",01/02/1990,Nam,00109001234{i},012345678{i}\n" for i in range(5))
    html = upload(client, (HEADER + rows).encode())
    assert html.count("SHEET_NAME_EMPTY") == 2
    assert "và 3 lỗi khác" in html
