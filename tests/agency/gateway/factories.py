"""Rows the gateway reads (I-VAN connections, units) made directly, and a signing client.

The registry's own services (`ivan_connection_register`, `unit_create`) belong to another app;
these factories write the same rows the way those services store them (normalised codes).
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from django.test import Client

from ebhxh.agency.gateway.errors import GatewayError
from ebhxh.agency.registry.models import IvanConnection, Unit
from ebhxh.dossiers.envelope import Envelope
from ebhxh.dossiers.transport import MESSAGE_ID_HEADER, sign_request
from ebhxh.pki.demo import DemoPki
from ebhxh.pki.loading import fingerprint_sha256
from tests.dossiers.support import DEMO_UNITS, IVANS, signer

PROVINCE_OF_AGENCY = {"01": "01", "79": "79", "92": "92", "31": "31"}


def connect_ivan(
    pki: DemoPki,
    code: str = "00110",
    *,
    callback_url: str = "",
    status: str = IvanConnection.Status.ACTIVE,
) -> IvanConnection:
    certificate = pki.certificate(IVANS[code])
    return IvanConnection.objects.create(
        provider_id=code,
        certificate_pem=certificate.public_bytes(Encoding.PEM).decode("ascii"),
        certificate_fingerprint=fingerprint_sha256(certificate),
        callback_url=callback_url,
        status=status,
    )


def register_unit(slug: str, *, agency: str = "01001", tax_code: str | None = None) -> Unit:
    unit_code, demo_tax, name = DEMO_UNITS[slug]
    return Unit.objects.create(
        unit_code=unit_code,
        tax_code=tax_code or demo_tax,
        name=name,
        address="Hà Nội",
        province_id=PROVINCE_OF_AGENCY[agency[:2]],
        managing_agency_id=agency,
    )


def allow_all(ivan: IvanConnection, envelope: Envelope) -> GatewayError | None:
    """Named test double for the registrations app's eligibility check."""
    return None


class IvanClient:
    """Django's test client, signing every request as one I-VAN."""

    def __init__(self, client: Client, pki: DemoPki, code: str = "00110") -> None:
        self.client = client
        self.code = code
        self.signer = signer(pki, IVANS[code])

    def headers(self, method: str, path: str, body: bytes = b"", **extra: str) -> dict[str, str]:
        return {**sign_request(method, path, body, self.signer, code=self.code), **extra}

    def post(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str = "application/xml",
        headers: dict[str, str] | None = None,
    ) -> Any:
        signed = self.headers("POST", path, body, **(headers or {}))
        return self.client.post(path, data=body, content_type=content_type, headers=signed)

    def get(self, path: str, **extra: str) -> Any:
        return self.client.get(path, headers=self.headers("GET", path, **extra))

    def submit(self, envelope: bytes, message_id: str, **extra: str) -> Any:
        return self.post(
            "/gateway/v1/dossiers", envelope, headers={MESSAGE_ID_HEADER: message_id, **extra}
        )
