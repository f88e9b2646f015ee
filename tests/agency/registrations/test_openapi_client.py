"""An I-VAN client written from the served OpenAPI file alone registers a unit, activates it
with the emailed code and fetches its employees, over real HTTP.

The client below imports nothing of the gateway's own client code: it reads the operations
from `/gateway/v1/openapi.yaml` and signs requests as the file's description says (plain
`cryptography` and `httpx`). Only the dossier body, whose format is DESIGN.md §2 and not the
API's, is built with the project's builders.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ebhxh.agency.registrations.models import EserviceRegistration
from ebhxh.pki.demo import DemoPki
from tests.agency.registrations import support

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


class SpecClient:
    """What an I-VAN developer writes after reading the OpenAPI file."""

    def __init__(self, base_url: str, ivan_code: str, key: rsa.RSAPrivateKey) -> None:
        self.base_url = base_url
        self.ivan_code = ivan_code
        self.key = key
        spec = yaml.safe_load(httpx.get(f"{base_url}/gateway/v1/openapi.yaml").text)
        self.description = spec["info"]["description"]
        self.operations: dict[str, tuple[str, str]] = {
            operation["operationId"]: (method.upper(), path)
            for path, item in spec["paths"].items()
            for method, operation in item.items()
            if isinstance(operation, dict) and "operationId" in operation
        }
        scheme = spec["components"]["securitySchemes"]["ivanSignature"]
        self.signature_header = scheme["name"]

    def call(
        self,
        operation: str,
        *,
        body: bytes = b"",
        content_type: str = "",
        headers: dict[str, str] | None = None,
        **path_params: str,
    ) -> httpx.Response:
        method, template = self.operations[operation]
        path = template.format(**path_params)
        timestamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        nonce = secrets.token_urlsafe(24)
        canonical = "\n".join(
            [method, path, timestamp, nonce, hashlib.sha256(body).hexdigest()]
        ).encode()
        signature = self.key.sign(canonical, padding.PKCS1v15(), hashes.SHA256())
        sent = {
            "X-IVAN-Code": self.ivan_code,
            "X-IVAN-Timestamp": timestamp,
            "X-IVAN-Nonce": nonce,
            self.signature_header: base64.b64encode(signature).decode(),
            **(headers or {}),
        }
        if content_type:
            sent["Content-Type"] = content_type
        return httpx.request(method, f"{self.base_url}{path}", content=body, headers=sent)

    def json(self, operation: str, payload: dict[str, Any], **path_params: str) -> httpx.Response:
        return self.call(
            operation,
            body=httpx.Request("POST", "/", json=payload).content,
            content_type="application/json",
            **path_params,
        )


def ivan_key(pki: DemoPki, slug: str) -> rsa.RSAPrivateKey:
    entity = pki.entity(slug)
    key = serialization.load_pem_private_key(
        pki.path(entity.files.private_key_pem).read_bytes(), password=None
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def test_register_activate_and_fetch_employees_from_the_openapi_file_alone(
    live_server, gateway_trust, ivans, sao_mai, employees
) -> None:
    client = SpecClient(live_server.url, "00110", ivan_key(gateway_trust, "ivan-misa"))
    # The description says how to sign; the test holds the doc to what the client does.
    assert "sha256hex(body)" in client.description
    assert {"submitDossier", "activate", "getUnitEmployees", "getDossierStatus"} <= set(
        client.operations
    )

    envelope = support.registration_envelope(gateway_trust)
    submitted = client.call(
        "submitDossier",
        body=envelope,
        content_type="application/xml",
        headers={"X-Message-ID": "SPEC-0001"},
    )
    assert submitted.status_code == 201, submitted.text
    number = submitted.json()["number"]
    assert re.fullmatch(r"\d{5}/\d{4}/01001", number)

    status = client.call("getDossierStatus", number=number.replace("/", "-")).json()
    assert status["status"] == "pending", status  # waiting for the activation code

    refused = client.call("getUnitEmployees", unit_code="TA0123K")
    assert (refused.status_code, refused.json()["code"]) == (403, "AUT002")

    code = support.latest_code(EserviceRegistration.objects.get(unit=sao_mai))
    activated = client.json("activate", {"dossier_number": number, "code": code})
    assert activated.status_code == 200, activated.text
    assert activated.json()["status"] == "active"

    page = client.call("getUnitEmployees", unit_code="TA0123K")
    assert page.status_code == 200, page.text
    listed = {row["insurance_number"] for row in page.json()["results"]}
    current = {e.person.insurance_number for e in employees if e.end_date is None}
    assert listed == current
