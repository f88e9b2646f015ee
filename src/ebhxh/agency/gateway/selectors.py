"""Reads of the gateway: an I-VAN's own dossiers, and the status document it is shown."""

from __future__ import annotations

from typing import Any

from ebhxh.agency.gateway.models import Dossier, DossierEvent, DossierStatus
from ebhxh.agency.registry.models import IvanConnection
from ebhxh.dossiers.receipt import receipt_time
from ebhxh.dossiers.transport import number_to_url

API_PREFIX = "/gateway/v1"


def dossier_of_ivan(*, ivan: IvanConnection, number: str) -> Dossier | None:
    """The dossier with this number, only if this I-VAN submitted it."""
    return Dossier.objects.filter(ivan=ivan, number=number).first()


def dossier_by_message(*, ivan: IvanConnection, message_id: str) -> Dossier | None:
    return Dossier.objects.filter(ivan=ivan, message_id=message_id).first()


def dossier_links(dossier: Dossier) -> dict[str, str]:
    base = f"{API_PREFIX}/dossiers/{number_to_url(dossier.number)}"
    return {"status": base, "receipt": f"{base}/receipt"}


def dossier_status(dossier: Dossier) -> dict[str, Any]:
    """What the I-VAN sees by polling and in callbacks: status, result, timeline."""
    events = DossierEvent.objects.filter(dossier=dossier).order_by("at", "pk")
    return {
        "number": dossier.number,
        "message_id": dossier.message_id,
        "procedure_code": dossier.procedure_code,
        "unit_code": dossier.unit_code,
        "tax_code": dossier.tax_code,
        "agency_code": dossier.agency_id,
        "received_at": receipt_time(dossier.received_at),
        "sha256": dossier.envelope_sha256,
        "status": dossier.status,
        "status_label": str(DossierStatus(dossier.status).label),
        "result": {
            "code": dossier.result_code,
            "message": dossier.result_message,
            "xpath": dossier.result_xpath,
            "data": dossier.result,
        },
        "events": [
            {
                "at": receipt_time(event.at),
                "status": event.status,
                "code": event.code,
                "message": event.message,
            }
            for event in events
        ],
        "updated_at": receipt_time(dossier.updated_at),
        "links": dossier_links(dossier),
    }
