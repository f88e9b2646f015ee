"""Emails to the company at each registration step (seed 000: "hệ thống sẽ gửi email").

The agency emails the activation code and its decisions to the contact on the form; these
messages tell the company's own people (its contact email, the unit's BHXH email, the person
who filed) where the registration stands and what to do next, in the caller's transaction
(outbox: they leave after commit).
"""

from __future__ import annotations

from typing import Final

from django.conf import settings
from django.urls import reverse

from ebhxh.ivan.filings.models import Filing
from ebhxh.ivan.models import Unit
from ebhxh.notifications.services import queue_email

TEMPLATE: Final = "ivan_enrolment_step"

# step → (subject, paragraphs); `{…}` fields come from `_fields`.
STEPS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "submitted": (
        "Đã nộp hồ sơ {procedure} của {unit}, cần kích hoạt",
        (
            "Cơ quan BHXH đã tiếp nhận hồ sơ {procedure} của {unit} (MST {tax_code}), số hồ sơ "
            "{number}.",
            "Cơ quan BHXH đã gửi mã kích hoạt tới email liên hệ ghi trong tờ khai. Mã chỉ có "
            "giá trị trong 24 giờ. Nhập mã tại trang Đăng ký dịch vụ của đơn vị để hoàn tất.",
        ),
    ),
    "activated": (
        "{unit} đã sử dụng dịch vụ BHXH điện tử",
        (
            "Đăng ký sử dụng dịch vụ BHXH điện tử của {unit} (mã đơn vị {unit_code}) đã được "
            "kích hoạt.",
            "Bước tiếp theo: lấy danh sách lao động từ BHXH về ứng dụng.",
        ),
    ),
    "activated_request": (
        "Đã kích hoạt hồ sơ đề nghị cấp mã đơn vị của {unit}",
        (
            "Hồ sơ {number} đề nghị cấp mã đơn vị của {unit} (MST {tax_code}) đã được kích hoạt "
            "và chuyển cho cán bộ BHXH xét duyệt.",
            "Anh/Chị sẽ nhận kết quả qua email.",
        ),
    ),
    "refused": (
        "Hồ sơ {procedure} của {unit} bị từ chối ({code})",
        (
            "Cơ quan BHXH từ chối hồ sơ {number} của {unit}: {code} – {message}",
            "{advice}",
        ),
    ),
    "unit_code_issued": (
        "Cơ quan BHXH đã cấp mã đơn vị {issued} cho {unit}",
        (
            "Cơ quan BHXH đã duyệt hồ sơ {number} và cấp mã đơn vị {issued} cho {unit} "
            "(MST {tax_code}).",
            "Vào Thiết lập → Thông tin sử dụng dịch vụ, nhấn “Cập nhật” để ghi mã đơn vị và ký "
            "nộp hồ sơ thay đổi (05/SD-IVAN).",
        ),
    ),
    "stopped": (
        "Đã ngừng dịch vụ BHXH điện tử của nhà cung cấp cũ cho {unit}",
        (
            "Hồ sơ ngừng dịch vụ {number} của {unit} đã được cơ quan BHXH chấp nhận: {message}",
            "Bước tiếp theo: vào trang Đăng ký dịch vụ của đơn vị, nhấn “Đăng ký sử dụng” để "
            "ký nộp lại hồ sơ đăng ký.",
        ),
    ),
    "changed": (
        "Hồ sơ thay đổi thông tin của {unit} đã được chấp nhận",
        ("Cơ quan BHXH đã chấp nhận hồ sơ thay đổi {number} của {unit} (mã đơn vị {unit_code}).",),
    ),
}

ADVICE: Final = {
    "CE007": "Đơn vị đang đăng ký với tổ chức I-VAN khác: ngừng dịch vụ của nhà cung cấp cũ "
    "(nút “Ngừng dịch vụ”), sau đó nhấn “Đăng ký sử dụng”.",
    "CE044": "Đơn vị đang giao dịch tại Cổng thông tin BHXH Việt Nam: ngừng giao dịch tại Cổng "
    "(nút “Ngừng dịch vụ”), sau đó nhấn “Đăng ký sử dụng”.",
    "REG009": "Sửa thông tin theo lý do trên, rồi vào Thiết lập → Thông tin sử dụng dịch vụ, "
    "nhấn “Đăng ký lại”.",
}


def recipients(unit: Unit, filing: Filing | None) -> list[str]:
    found: list[str] = []
    people = [unit.company.contact_email, unit.contact_email]
    if filing is not None:
        actor = filing.submitted_by or filing.created_by
        people.append(actor.email if actor else "")
    for address in people:
        if address and address.lower() not in {a.lower() for a in found}:
            found.append(address)
    return found


def _fields(unit: Unit, filing: Filing | None, extra: dict[str, str]) -> dict[str, str]:
    return {
        "unit": unit.name,
        "tax_code": unit.tax_code,
        "unit_code": unit.unit_code or "—",
        "procedure": filing.procedure_code if filing else "",
        "number": filing.number if filing else "",
        "code": filing.result_code if filing else "",
        "message": filing.result_message if filing else "",
        "advice": ADVICE.get(filing.result_code if filing else "", "Xem chi tiết và sửa hồ sơ."),
        **extra,
    }


def step(unit: Unit, name: str, *, filing: Filing | None = None, **extra: str) -> None:
    subject, paragraphs = STEPS[name]
    fields = _fields(unit, filing, extra)
    base = getattr(settings, "IVAN_BASE_URL", settings.PORTAL_BASE_URL)
    context = {
        "subject": subject.format(**fields),
        "paragraphs": [text.format(**fields) for text in paragraphs],
        "link": base.rstrip("/") + reverse("ivan:enrolment", args=[unit.pk]),
        "unit": unit,
    }
    for address in recipients(unit, filing):
        queue_email(to=address, template=TEMPLATE, context=context, related=unit)
