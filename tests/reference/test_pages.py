import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_agency_lookup_lists_the_local_agencies_and_their_wards(client):
    html = client.get(reverse("reference:agencies"), {"province": "01"}).content.decode()
    assert "Bảo hiểm xã hội Thành phố Hà Nội" in html
    assert "01001" in html and "Phường Hoàn Kiếm" in html


def test_agency_lookup_explains_an_unknown_province(client):
    html = client.get(reverse("reference:agencies"), {"province": "99"}).content.decode()
    assert "Không có tỉnh/thành phố mã 99" in html


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("reference:procedures", "04/ĐK-IVAN"),
        ("reference:rejections", "CE007"),
        ("reference:ivan_providers", "00110"),
    ],
)
def test_catalogue_pages(client, url_name, expected):
    assert expected in client.get(reverse(url_name)).content.decode()


def test_working_day_deadline_across_tet(client):
    html = client.get(
        reverse("reference:working_days"), {"received_on": "13/02/2026", "working_days": "3"}
    ).content.decode()
    assert "25/02/2026" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"received_on": "31/02/2026", "working_days": "3"}, "Ngày tiếp nhận phải có dạng"),
        ({"received_on": "13/02/2026", "working_days": "-1"}, "không được âm"),
        ({"received_on": "13/02/1900", "working_days": "3"}, "Chỉ tính được cho ngày"),
    ],
)
def test_working_day_form_points_at_the_bad_field(client, params, message):
    html = client.get(reverse("reference:working_days"), params).content.decode()
    assert message in html and "Hạn xử lý:" not in html
