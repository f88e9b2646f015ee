"""Gateway endpoints: thin wrappers over services and selectors (docs/gateway.md)."""

from __future__ import annotations

import base64
import binascii
import json
from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_POST

from ebhxh.agency.gateway import selectors, services
from ebhxh.agency.gateway.auth import ivan_api
from ebhxh.agency.gateway.errors import GatewayError
from ebhxh.agency.gateway.models import Dossier
from ebhxh.agency.gateway.responses import NOT_FOUND, error_response, json_response
from ebhxh.agency.registry.models import IvanConnection
from ebhxh.dossiers.receipt import receipt_time
from ebhxh.dossiers.transport import MESSAGE_ID_HEADER, MESSAGE_ID_PATTERN, number_from_url

OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")
XML = "application/xml"


def _message_id(value: str) -> str:
    if not value:
        raise GatewayError("SCH005", f"thiếu mã thông điệp (tiêu đề {MESSAGE_ID_HEADER})")
    if not MESSAGE_ID_PATTERN.match(value):
        raise GatewayError(
            "SCH007",
            "mã thông điệp gồm 1–64 ký tự A-Z, a-z, 0-9, '.', '_', ':' hoặc '-'",
        )
    return value


def _submission(request: HttpRequest) -> tuple[str, bytes]:
    """(message id, envelope bytes) from an XML body with `X-Message-ID`, or from JSON
    `{"message_id", "envelope_base64"}`."""
    header = request.headers.get(MESSAGE_ID_HEADER, "").strip()
    if request.content_type != "application/json":
        return _message_id(header), request.body
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise GatewayError("SCH001", "thân yêu cầu không phải JSON hợp lệ") from None
    if not isinstance(data, dict):
        raise GatewayError("SCH001", "thân yêu cầu JSON phải là một đối tượng")
    message_id = str(data.get("message_id") or header)
    if header and message_id != header:
        raise GatewayError("SCH007", f"message_id khác tiêu đề {MESSAGE_ID_HEADER}")
    encoded = data.get("envelope_base64")
    if not isinstance(encoded, str) or not encoded:
        raise GatewayError("SCH005", "thiếu envelope_base64 (hồ sơ đã ký, mã hoá base64)")
    try:
        envelope = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise GatewayError("SCH007", "envelope_base64 không phải base64 hợp lệ") from None
    return _message_id(message_id), envelope


def _wants_xml(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return XML in accept or "text/xml" in accept


def _receipt_answer(request: HttpRequest, dossier: Dossier, *, status: int) -> HttpResponse:
    location = selectors.dossier_links(dossier)["status"]
    if _wants_xml(request):
        response = HttpResponse(bytes(dossier.receipt), status=status, content_type=XML)
        response["X-Dossier-Number"] = dossier.number
    else:
        response = json_response(
            {
                "number": dossier.number,
                "message_id": dossier.message_id,
                "received_at": receipt_time(dossier.received_at),
                "sha256": dossier.envelope_sha256,
                "status": dossier.status,
                "receipt_base64": base64.b64encode(bytes(dossier.receipt)).decode("ascii"),
                "links": selectors.dossier_links(dossier),
            },
            status=status,
        )
    response["Location"] = location
    return response


@require_POST
@ivan_api
def submit(request: HttpRequest, ivan: IvanConnection) -> HttpResponse:
    message_id, envelope = _submission(request)
    intake = services.dossier_receive(ivan=ivan, message_id=message_id, envelope=envelope)
    return _receipt_answer(request, intake.dossier, status=201 if intake.created else 200)


def _own_dossier(ivan: IvanConnection, number_in_url: str) -> Dossier | None:
    try:
        number = number_from_url(number_in_url)
    except ValueError:
        return None
    return selectors.dossier_of_ivan(ivan=ivan, number=number)


@require_GET
@ivan_api
def dossier_status(request: HttpRequest, ivan: IvanConnection, number: str) -> HttpResponse:
    dossier = _own_dossier(ivan, number)
    if dossier is None:
        return error_response(NOT_FOUND, detail=number)
    return json_response(selectors.dossier_status(dossier))


@require_GET
@ivan_api
def dossier_receipt(request: HttpRequest, ivan: IvanConnection, number: str) -> HttpResponse:
    dossier = _own_dossier(ivan, number)
    if dossier is None:
        return error_response(NOT_FOUND, detail=number)
    response = HttpResponse(bytes(dossier.receipt), content_type=XML)
    response["X-Dossier-Number"] = dossier.number
    return response


@require_GET
@ivan_api
def message_status(request: HttpRequest, ivan: IvanConnection, message_id: str) -> HttpResponse:
    dossier = selectors.dossier_by_message(ivan=ivan, message_id=message_id)
    if dossier is None:
        return error_response(NOT_FOUND, detail=message_id)
    return json_response(selectors.dossier_status(dossier))


@cache
def _openapi() -> bytes:
    return OPENAPI_FILE.read_bytes()


@require_GET
def openapi(request: HttpRequest) -> HttpResponse:
    """The API description; public, like any published interface."""
    return HttpResponse(_openapi(), content_type="application/yaml; charset=utf-8")
