"""Gateway endpoints owned by registrations (docs/api.md, `gateway/openapi.yaml`).

Thin views: `ivan_api` authenticates the signed request and answers the gateway's refusals;
these views read JSON, call a selector or a service, and answer `RegistrationRefused` in the
same `{"code", "message", "xpath", "detail"}` shape. JSON field errors point at the field
with a JSON-pointer-like path (`/code`).
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from ebhxh.agency.gateway.auth import ivan_api
from ebhxh.agency.gateway.responses import NOT_FOUND, error_response, json_response
from ebhxh.agency.registrations import selectors, services
from ebhxh.agency.registrations.errors import RegistrationRefused
from ebhxh.agency.registrations.models import EserviceRegistration, UnitCodeRequest
from ebhxh.agency.registry.models import Employment, IvanConnection
from ebhxh.dossiers.receipt import receipt_time
from ebhxh.dossiers.transport import NUMBER_PATTERN

_SUBJECT_NOT_FOUND = (
    "Không tìm thấy hồ sơ đăng ký này trong các hồ sơ do tổ chức I-VAN của bạn gửi. "
    "Vui lòng kiểm tra lại số hồ sơ hoặc mã đăng ký."
)


def _refused(refusal: RegistrationRefused) -> JsonResponse:
    return error_response(
        refusal.code,
        detail=refusal.detail,
        xpath=f"/{refusal.field}" if refusal.field else refusal.xpath,
        status=refusal.http_status,
        message=refusal.message,
    )


def _input_error(code: str, detail: str, field: str) -> JsonResponse:
    return error_response(code, detail=detail, xpath=f"/{field}")


def _time(value: Any) -> str | None:
    return receipt_time(value) if value else None


def _json_object(request: HttpRequest) -> dict[str, Any] | JsonResponse:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return _input_error("SCH007", "thân yêu cầu phải là JSON UTF-8", "")
    if not isinstance(body, dict):
        return _input_error("SCH007", "thân yêu cầu phải là một đối tượng JSON", "")
    return body


def _subject(
    body: dict[str, Any], ivan: IvanConnection
) -> EserviceRegistration | UnitCodeRequest | JsonResponse:
    """What the request names: `dossier_number` (any registration dossier of this I-VAN) or
    `registration_id` (an e-service registration of this I-VAN)."""
    number = body.get("dossier_number")
    registration_id = body.get("registration_id")
    if number is None and registration_id is None:
        return _input_error("SCH005", "cần dossier_number hoặc registration_id", "dossier_number")
    if number is not None:
        if not isinstance(number, str) or not NUMBER_PATTERN.match(number):
            return _input_error("SCH007", "số hồ sơ có dạng NNNNN/YYYY/AAAAA", "dossier_number")
        subject = selectors.activation_subject(dossier_number=number, ivan=ivan)
    else:
        if not isinstance(registration_id, int) or isinstance(registration_id, bool):
            return _input_error("SCH007", "registration_id là số nguyên", "registration_id")
        subject = selectors.activation_subject(registration_id=registration_id, ivan=ivan)
    if subject is None:
        return error_response(NOT_FOUND, message=_SUBJECT_NOT_FOUND)
    return subject


def _subject_document(subject: EserviceRegistration | UnitCodeRequest) -> dict[str, Any]:
    if isinstance(subject, EserviceRegistration):
        return {
            "kind": "registration",
            "registration_id": subject.pk,
            "unit_code": subject.unit.unit_code,
            "dossier_number": subject.dossier.number if subject.dossier else "",
            "status": subject.status,
            "status_label": str(subject.get_status_display()),
        }
    return {
        "kind": "unit_code_request",
        "unit_code_request_id": subject.pk,
        "tax_code": subject.tax_code,
        "dossier_number": subject.dossier.number,
        "status": subject.status,
        "status_label": str(subject.get_status_display()),
    }


@require_POST
@ivan_api
def activate(request: HttpRequest, ivan: IvanConnection) -> HttpResponse:
    """Activate a registration or a unit-code request with the code the contact received."""
    body = _json_object(request)
    if isinstance(body, JsonResponse):
        return body
    code = body.get("code")
    if not isinstance(code, str) or not code.strip():
        return _input_error("SCH005", "cần mã kích hoạt", "code")
    subject = _subject(body, ivan)
    if isinstance(subject, JsonResponse):
        return subject
    try:
        done = services.activation_confirm(
            subject=subject, code=code, actor=services.ivan_actor(ivan)
        )
    except RegistrationRefused as refusal:
        return _refused(refusal)
    document = _subject_document(done)
    document["message"] = (
        "Đăng ký giao dịch điện tử đã được kích hoạt."
        if isinstance(done, EserviceRegistration)
        else "Đã kích hoạt; hồ sơ chờ cán bộ BHXH xét duyệt cấp mã đơn vị."
    )
    return json_response(document)


def _masked(email: str) -> str:
    name, _, domain = email.partition("@")
    shown = name[:1] + "***" + (name[-1:] if len(name) > 2 else "")
    return f"{shown}@{domain}"


@require_POST
@ivan_api
def resend(request: HttpRequest, ivan: IvanConnection) -> HttpResponse:
    """Email a new activation code; the previous one stops working."""
    body = _json_object(request)
    if isinstance(body, JsonResponse):
        return body
    subject = _subject(body, ivan)
    if isinstance(subject, JsonResponse):
        return subject
    try:
        issued = services.activation_resend(subject=subject, actor=services.ivan_actor(ivan))
    except RegistrationRefused as refusal:
        return _refused(refusal)
    return json_response(
        {
            **_subject_document(subject),
            "email": _masked(issued.email),
            "expires_at": receipt_time(issued.expires_at),
            "message": "Đã gửi mã kích hoạt mới; mã gửi trước đó không còn dùng được.",
        },
        status=202,
    )


def _page_number(raw: str | None, *, default: int, maximum: int, name: str) -> int | JsonResponse:
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        return _input_error("SCH007", f"{name} là số nguyên từ 1 đến {maximum}", name)
    return int(raw)


def _employee(employment: Employment) -> dict[str, Any]:
    person = employment.person
    return {
        "insurance_number": person.insurance_number,
        "citizen_id": person.citizen_id or "",
        "full_name": person.full_name,
        "birth_date": person.birth_date.isoformat(),
        "gender": person.gender,
        "position": employment.position,
        "salary": employment.salary,
        "start_date": employment.start_date.isoformat(),
        "end_date": employment.end_date.isoformat() if employment.end_date else None,
    }


@require_GET
@ivan_api
def employees(request: HttpRequest, ivan: IvanConnection, unit_code: str) -> HttpResponse:
    """ "Lấy lao động": the unit's current insured employees, only for the I-VAN that holds
    the unit's active registration (AUT002 for anyone else)."""
    unit = selectors.unit_by_code(unit_code)
    if unit is None:
        return error_response("REG001", detail=f"mã đơn vị {unit_code}", xpath="/unit_code")
    if not selectors.ivan_is_registered_for(ivan=ivan, unit_code=unit.unit_code):
        return error_response(
            "AUT002",
            detail=f"I-VAN {ivan.provider_id} không giữ đăng ký đang hoạt động của đơn vị "
            f"{unit.unit_code}",
            xpath="/unit_code",
        )
    max_size = settings.REGISTRATION_EMPLOYEES_MAX_PAGE_SIZE
    size = _page_number(
        request.GET.get("page_size"),
        default=min(settings.REGISTRATION_EMPLOYEES_PAGE_SIZE, max_size),
        maximum=max_size,
        name="page_size",
    )
    if isinstance(size, JsonResponse):
        return size
    page = _page_number(request.GET.get("page"), default=1, maximum=10**6, name="page")
    if isinstance(page, JsonResponse):
        return page
    queryset = selectors.current_employees(unit)
    count = queryset.count()
    rows = queryset[(page - 1) * size : page * size]
    pages = max(1, math.ceil(count / size))
    return json_response(
        {
            "unit_code": unit.unit_code,
            "unit_name": unit.name,
            "count": count,
            "page": page,
            "page_size": size,
            "pages": pages,
            "next_page": page + 1 if page < pages else None,
            "results": [_employee(row) for row in rows],
        }
    )


@require_GET
@ivan_api
def registration_status(request: HttpRequest, ivan: IvanConnection, unit_code: str) -> HttpResponse:
    """The unit's registration as this I-VAN sees it, with the last refusal code so the
    I-VAN offers "Ngừng dịch vụ" of the old provider only after CE007/CE044."""
    unit = selectors.unit_by_code(unit_code)
    if unit is None:
        return error_response("REG001", detail=f"mã đơn vị {unit_code}", xpath="/unit_code")
    view = selectors.registration_view(unit=unit, ivan=ivan)
    own = view.own
    last = view.last_dossier
    elsewhere = view.active_elsewhere
    return json_response(
        {
            "unit_code": unit.unit_code,
            "unit_name": unit.name,
            "registration": None
            if own is None
            else {
                "id": own.pk,
                "status": own.status,
                "status_label": str(own.get_status_display()),
                "dossier_number": own.dossier.number if own.dossier else "",
                "contact_email": own.contact_email,
                "certificate_fingerprint": own.certificate_fingerprint,
                "created_at": _time(own.created_at),
                "activated_at": _time(own.activated_at),
                "ended_at": _time(own.ended_at),
                "stop_reason": own.stop_reason,
            },
            "active_here": own is not None and own.status == "active",
            "last_registration_dossier": None
            if last is None
            else {
                "number": last.number,
                "status": last.status,
                "result_code": last.result_code,
                "result_message": last.result_message,
                "received_at": _time(last.received_at),
            },
            "last_refusal_code": last.result_code
            if last is not None and last.status == "rejected"
            else "",
            "active_elsewhere": None
            if elsewhere is None
            else {
                "channel": elsewhere.channel,
                "ivan_code": elsewhere.ivan.provider_id if elsewhere.ivan else "",
                "provider": elsewhere.provider_label,
            },
            "can_stop_previous": view.can_stop_previous,
        }
    )
