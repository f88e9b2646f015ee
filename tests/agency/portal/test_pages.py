"""The public pages: forms with field errors in Vietnamese (with codes), nothing written on
bad input, the printable PDF, the status page, and signing through the page's JSON steps."""

from __future__ import annotations

import base64
import io
import json
import unicodedata

import pypdf
import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.urls import reverse

from ebhxh.agency.portal.models import IndividualRegistration, RegistrationStatus
from ebhxh.signers.software import Pkcs12Signer
from tests.agency.portal import support

pytestmark = pytest.mark.django_db


def reception_post(client, **changes):
    data = {**support.HUONG, "province": "01", "reception_agency": support.BA_DINH, **changes}
    return client.post(reverse("portal:register_reception"), data)


def declare(client) -> IndividualRegistration:
    assert reception_post(client).status_code == 302
    response = client.post(reverse("portal:confirm_reception"), {"confirm": "on"})
    assert response.status_code == 302
    return IndividualRegistration.objects.get()


def test_the_entry_pages_are_vietnamese(client):
    html = client.get(reverse("agency:portal")).content.decode()
    assert reverse("portal:registration_start") in html and reverse("portal:login") in html
    html = client.get(reverse("portal:registration_start")).content.decode()
    assert "Tôi có chứng thư số" in html and "Tôi không có chứng thư số" in html


def test_field_errors_show_with_codes_and_nothing_is_written(client):
    response = reception_post(client, citizen_id="00119001234", phone="12", reception_agency="")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-code="CCCD_LENGTH"' in html and 'data-code="PHONE_TRUNK_PREFIX"' in html
    assert "Chọn nơi tiếp nhận hồ sơ (BHXH cơ sở)." in html
    assert not IndividualRegistration.objects.exists()


def test_the_reception_point_must_be_in_the_chosen_province(client):
    response = reception_post(client, province="79")
    assert "không thuộc tỉnh, thành phố đã chọn" in response.content.decode()


def test_declaring_confirms_then_shows_the_deadline_and_the_pdf(client):
    assert reception_post(client).status_code == 302
    page = client.get(reverse("portal:confirm_reception")).content.decode()
    assert "Bảo hiểm xã hội cơ sở Ba Đình" in page and "hết ngày" in page
    unconfirmed = client.post(reverse("portal:confirm_reception"), {})
    assert "Đánh dấu ô xác nhận" in unconfirmed.content.decode()
    assert not IndividualRegistration.objects.exists()
    response = client.post(reverse("portal:confirm_reception"), {"confirm": "on"})
    registration = IndividualRegistration.objects.get()
    assert registration.status == RegistrationStatus.DECLARED
    assert response["Location"] == reverse(
        "portal:registration_status", args=[registration.public_id]
    )
    html = client.get(response["Location"]).content.decode()
    assert registration.tracking_number in html
    assert registration.present_by.strftime("%d/%m/%Y") in html
    assert reverse("portal:registration_pdf", args=[registration.public_id]) in html


def test_the_pdf_is_mau_01_with_vietnamese_text_and_an_embedded_dejavu_font(client):
    registration = declare(client)
    response = client.get(reverse("portal:registration_pdf", args=[registration.public_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    raw = " ".join(page.extract_text() for page in reader.pages)
    text = " ".join(unicodedata.normalize("NFC", raw).split())
    for expected in (
        "TỜ KHAI ĐĂNG KÝ SỬ DỤNG PHƯƠNG THỨC GIAO DỊCH ĐIỆN TỬ",
        "NGUYỄN THỊ HƯƠNG",
        "Bảo hiểm xã hội cơ sở Ba Đình",
        "001190012345",
        registration.tracking_number,
        "Độc lập - Tự do - Hạnh phúc",
    ):
        assert expected in text, expected
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor.get_object()
    assert fonts and all("DejaVu-Serif" in name for name in fonts), fonts
    assert all(fonts.values()), fonts  # embedded, not left to the reader's machine


def test_lookup_needs_both_numbers(client):
    registration = declare(client)
    url = reverse("portal:registration_lookup")
    wrong = client.post(
        url, {"tracking_number": registration.tracking_number, "citizen_id": "079085004321"}
    )
    assert "Không tìm thấy tờ khai" in wrong.content.decode()
    right = client.post(
        url, {"tracking_number": registration.tracking_number.lower(), "citizen_id": "001190012345"}
    )
    assert right["Location"] == reverse("portal:registration_status", args=[registration.public_id])


# --- signing through the page -----------------------------------------------------------------


def post_json(client, body):
    return client.post(reverse("portal:sign"), json.dumps(body), content_type="application/json")


def certificate_payload(pki, slug):
    der = lambda c: base64.b64encode(c.public_bytes(Encoding.DER)).decode()  # noqa: E731
    return {"certificate": der(pki.certificate(slug)), "chain": [der(c) for c in pki.chain(slug)]}


def test_signing_through_the_page_submits_and_answers_with_a_tracking_number(
    client, trusted_pki, huong, django_capture_on_commit_callbacks
):
    assert client.post(reverse("portal:register_signed"), support.HUONG).status_code == 302
    page = client.get(reverse("portal:sign")).content.decode()
    assert "001190012345" in page and "Ký và nộp tờ khai" in page
    prepared = post_json(
        client, {"action": "prepare", **certificate_payload(trusted_pki, "nguyen-thi-huong")}
    ).json()
    assert prepared["ok"] and "Mẫu số 01" in prepared["description"]
    signer = Pkcs12Signer(
        trusted_pki.private_key("nguyen-thi-huong"), trusted_pki.certificate("nguyen-thi-huong")
    )
    signature = base64.b64encode(signer.sign_digest(base64.b64decode(prepared["digest"]))).decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = post_json(client, {"action": "complete", "signature": signature}).json()
    assert done["ok"] and done["tracking_number"].startswith("M01-")
    registration = IndividualRegistration.objects.get()
    assert registration.status == RegistrationStatus.ACCEPTED
    assert done["status_url"] == reverse(
        "portal:registration_status", args=[registration.public_id]
    )
    assert "Đã chấp nhận" in client.get(done["status_url"]).content.decode()


def test_a_certificate_of_someone_else_is_refused_before_the_pin(client, trusted_pki, huong):
    client.post(reverse("portal:register_signed"), support.HUONG)
    response = post_json(
        client, {"action": "prepare", **certificate_payload(trusted_pki, "tran-van-duc")}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "IDN002"
    assert "Số định danh cá nhân trong chứng thư số" in response.json()["message"]


def test_an_organisation_certificate_has_no_cccd(client, trusted_pki, huong):
    client.post(reverse("portal:register_signed"), support.HUONG)
    response = post_json(
        client, {"action": "prepare", **certificate_payload(trusted_pki, "hoa-binh")}
    )
    assert response.json()["code"] == "IDN002"


def test_signing_without_a_declaration_is_refused_politely(client):
    response = post_json(client, {"action": "prepare"})
    assert response.status_code == 409 and response.json()["code"] == "NOT_DECLARED"
    assert client.get(reverse("portal:sign"))["Location"] == reverse("portal:register_signed")


def test_a_garbled_signature_is_a_message_not_a_traceback(client, trusted_pki, huong):
    client.post(reverse("portal:register_signed"), support.HUONG)
    post_json(client, {"action": "prepare", **certificate_payload(trusted_pki, "nguyen-thi-huong")})
    response = post_json(
        client, {"action": "complete", "signature": base64.b64encode(b"x" * 256).decode()}
    )
    assert response.status_code == 422 and response.json()["code"] == "SIG002"
    assert not IndividualRegistration.objects.exists()
