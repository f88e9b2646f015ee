"""Fixtures: a SoftHSM2 token of the test's own holding a demo-PKI key, and a running agent."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ebhxh.pki.demo import DemoPki
from ebhxh.signer_agent import AgentServer
from ebhxh.signers.pkcs11 import load_into_token
from ebhxh.signers.softhsm import init_softhsm_token
from ebhxh.signers.types import TokenCertificate
from tests.pki.support import demo_pki  # noqa: F401 - the session's demo PKI

ORIGIN = "http://127.0.0.1:8000"
TOKEN_LABEL = "EBHXH-AGENT"
PIN = "123456"
SO_PIN = "87654321"
SIGNER_SLUG = "hoa-binh"  # UID=MST:0109123458, issued by misa-ca


@pytest.fixture
def token_certificate(
    softhsm_conf: Path,
    module_path: Path,
    demo_pki: DemoPki,  # noqa: F811 - the fixture imported above
) -> TokenCertificate:
    """The demo unit's key, certificate and chain on a fresh token, as a CA hands it out."""
    init_softhsm_token(token_label=TOKEN_LABEL, so_pin=SO_PIN, pin=PIN)
    entity = demo_pki.entity(SIGNER_SLUG)
    return load_into_token(
        module_path,
        token_label=TOKEN_LABEL,
        pin=PIN,
        p12=demo_pki.path(entity.files.pkcs12).read_bytes(),
        p12_password=entity.p12_password.encode(),
        label="Chữ ký số đơn vị",
    )


@pytest.fixture
def agent(token_certificate: TokenCertificate, module_path: Path) -> Iterator[AgentServer]:
    server = AgentServer(port=0, module=module_path, allowed_origins=[ORIGIN]).start()
    yield server
    server.stop()


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: dict[str, Any]

    @property
    def code(self) -> str | None:
        return self.body.get("code")


def call(
    agent: AgentServer,
    method: str,
    path: str,
    *,
    origin: str | None = ORIGIN,
    host: str | None = None,
    token: str | None = None,
    body: Any = None,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """One raw HTTP request, with exactly the Host, Origin and Authorization a test chooses."""
    connection = http.client.HTTPConnection("127.0.0.1", agent.port, timeout=10)
    sent = {"Host": host or f"127.0.0.1:{agent.port}"}
    if origin is not None:
        sent["Origin"] = origin
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    try:
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    return Reply(response.status, response.headers, json.loads(payload) if payload else {})


def pair(agent: AgentServer, origin: str = ORIGIN) -> str:
    """Pair as a page of `origin` would, reading the code the agent shows its user."""
    assert call(agent, "POST", "/pair/start", origin=origin, body={}).status == 200
    code = agent.pending_code(origin)
    assert code is not None
    reply = call(agent, "POST", "/pair/confirm", origin=origin, body={"code": code})
    assert reply.status == 200, reply.body
    return str(reply.body["token"])
