"""The agent's HTTP API against a real server on a free port and a SoftHSM2 token.

Each security rule of docs/signer-agent.md has a test here that fails when the rule breaks.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from ebhxh.pki.demo import DemoPki
from ebhxh.signer_agent import AgentServer, SessionStore
from ebhxh.signer_agent.errors import SIGNER_STATUS, from_signer_error
from ebhxh.signers.errors import SignerError, SignerErrorCode
from ebhxh.signers.types import TokenCertificate
from tests.signer_agent.conftest import ORIGIN, PIN, SIGNER_SLUG, TOKEN_LABEL, call, pair

OTHER_ORIGIN = "http://localhost:9000"
DIGEST = hashlib.sha256(b"SignedInfo").digest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sign_body(token_certificate: TokenCertificate, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "token": TOKEN_LABEL,
        "certificate_id": token_certificate.id_hex,
        "pin": PIN,
        "digest": b64(DIGEST),
        "description": "Hồ sơ 600 — đăng ký tham gia BHXH",
    }
    body.update(changes)
    return body


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_allowed_origin_pairs_lists_and_signs_end_to_end(
    agent: AgentServer, token_certificate: TokenCertificate, demo_pki: DemoPki, caplog
) -> None:
    caplog.set_level(logging.DEBUG, logger="ebhxh.signer_agent")
    status = call(agent, "GET", "/status")
    assert status.status == 200
    assert status.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert status.body["module_found"] is True and status.body["paired"] is False
    assert status.body["version"]

    session = pair(agent)
    assert call(agent, "GET", "/status", token=session).body["paired"] is True

    tokens = call(agent, "GET", "/tokens", token=session)
    assert [t["label"] for t in tokens.body["tokens"]] == [TOKEN_LABEL]

    listed = call(agent, "GET", f"/certificates?token={TOKEN_LABEL}", token=session)
    assert listed.status == 200
    # the chain's CA certificates loaded with the PKCS#12 are not offered for signing
    [certificate] = listed.body["certificates"]
    assert certificate["id"] == token_certificate.id_hex
    assert certificate["tax_code"] == "0109123458"
    assert "UID=MST:0109123458" in certificate["subject_summary"]
    assert "MISA-CA" in certificate["issuer"]
    assert certificate["fingerprint_sha256"] == demo_pki.entity(SIGNER_SLUG).fingerprint_sha256
    assert certificate["not_before"] < certificate["not_after"]
    assert [base64.b64decode(c) for c in certificate["chain"]] == [
        demo_pki.certificate("misa-ca").public_bytes(serialization.Encoding.DER)
    ]

    signed = call(agent, "POST", "/sign", token=session, body=sign_body(token_certificate))
    assert signed.status == 200, signed.body
    assert signed.headers["Access-Control-Allow-Origin"] == ORIGIN
    leaf = x509.load_der_x509_certificate(base64.b64decode(signed.body["certificate"]))
    assert leaf == demo_pki.certificate(SIGNER_SLUG)
    chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in signed.body["chain"]]
    assert chain == [demo_pki.certificate("misa-ca")]
    public_key = leaf.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(
        base64.b64decode(signed.body["signature"]),
        DIGEST,
        padding.PKCS1v15(),
        utils.Prehashed(hashes.SHA256()),
    )

    [event] = [e for e in agent.events if e.kind == "sign"]
    assert (event.origin, event.result) == (ORIGIN, "OK")
    assert event.description == "Hồ sơ 600 — đăng ký tham gia BHXH"
    assert "0109123458" in event.certificate
    assert PIN not in caplog.text and all(PIN not in e.describe() for e in agent.events)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/status"), ("POST", "/pair/start"), ("GET", "/tokens"), ("POST", "/sign")],
)
@pytest.mark.parametrize("origin", ["https://evil.example", "null", None, "http://127.0.0.1:8001"])
def test_other_origins_get_403_and_no_cors_headers(
    agent: AgentServer, method: str, path: str, origin: str | None
) -> None:
    reply = call(agent, method, path, origin=origin, body={} if method == "POST" else None)
    assert (reply.status, reply.code) == (403, "ORIGIN_NOT_ALLOWED")
    assert "Access-Control-Allow-Origin" not in reply.headers
    assert agent.events[-1].kind == "refused"
    assert agent.pending_code(origin or "http://x.invalid") is None


def test_preflight_is_answered_only_for_allowed_origins(agent: AgentServer) -> None:
    asked = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
        "Access-Control-Request-Private-Network": "true",
    }
    allowed = call(agent, "OPTIONS", "/sign", headers=asked)
    assert allowed.status == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Authorization" in allowed.headers["Access-Control-Allow-Headers"]
    assert allowed.headers["Access-Control-Allow-Private-Network"] == "true"
    refused = call(agent, "OPTIONS", "/sign", origin="https://evil.example", headers=asked)
    assert refused.status == 403
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Allow-Private-Network" not in refused.headers


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:{port}",
        "127.0.0.1:1",
        "localhost",
        "127.0.0.1",
        "evil.example",
        "0.0.0.0:{port}",
    ],
)
def test_a_foreign_host_header_is_refused_against_dns_rebinding(
    agent: AgentServer, host: str
) -> None:
    reply = call(agent, "GET", "/status", host=host.format(port=agent.port))
    assert (reply.status, reply.code) == (403, "HOST_NOT_ALLOWED")
    assert "Access-Control-Allow-Origin" not in reply.headers


def test_both_loopback_host_names_are_accepted(agent: AgentServer) -> None:
    assert call(agent, "GET", "/status", host=f"localhost:{agent.port}").status == 200
    assert call(agent, "GET", "/status", host=f"127.0.0.1:{agent.port}").status == 200


def test_server_listens_on_loopback_only(agent: AgentServer) -> None:
    assert agent._httpd.server_address[0] == "127.0.0.1"


@pytest.mark.parametrize(("method", "path"), [("GET", "/tokens"), ("GET", "/certificates")])
def test_endpoints_need_the_bearer_token(agent: AgentServer, method: str, path: str) -> None:
    missing = call(agent, method, path)
    assert (missing.status, missing.code) == (401, "SESSION_REQUIRED")
    assert missing.headers["Access-Control-Allow-Origin"] == ORIGIN  # the page may read why
    wrong = call(agent, method, path, token="not-a-session")
    assert (wrong.status, wrong.code) == (401, "SESSION_INVALID")
    session = pair(agent)
    basic = call(agent, method, path, headers={"Authorization": f"Basic {session}"})
    assert (basic.status, basic.code) == (401, "SESSION_REQUIRED")


def test_sign_needs_the_bearer_token(agent: AgentServer, token_certificate) -> None:
    reply = call(agent, "POST", "/sign", body=sign_body(token_certificate))
    assert (reply.status, reply.code) == (401, "SESSION_REQUIRED")
    assert not [e for e in agent.events if e.kind == "sign"]


def test_a_token_is_refused_from_another_origin(
    token_certificate: TokenCertificate, module_path: Path
) -> None:
    agent = AgentServer(port=0, module=module_path, allowed_origins=[ORIGIN, OTHER_ORIGIN])
    agent.start()
    try:
        session = pair(agent, ORIGIN)
        assert call(agent, "GET", "/tokens", token=session).status == 200
        stolen = call(agent, "GET", "/tokens", origin=OTHER_ORIGIN, token=session)
        assert (stolen.status, stolen.code) == (401, "SESSION_INVALID")
        signed = call(
            agent,
            "POST",
            "/sign",
            origin=OTHER_ORIGIN,
            token=session,
            body=sign_body(token_certificate),
        )
        assert (signed.status, signed.code) == (401, "SESSION_INVALID")
        # and a code shown for one origin cannot be confirmed by another
        call(agent, "POST", "/pair/start", origin=ORIGIN, body={})
        code = agent.pending_code(ORIGIN)
        other = call(agent, "POST", "/pair/confirm", origin=OTHER_ORIGIN, body={"code": code})
        assert (other.status, other.code) == (409, "PAIRING_NOT_STARTED")
    finally:
        agent.stop()


def test_wrong_pairing_codes_are_limited(token_certificate, module_path: Path) -> None:
    clock = FakeClock()
    agent = AgentServer(
        port=0, module=module_path, allowed_origins=[ORIGIN], sessions=SessionStore(clock=clock)
    ).start()
    try:
        before = call(agent, "POST", "/pair/confirm", body={"code": "123456"})
        assert (before.status, before.code) == (409, "PAIRING_NOT_STARTED")
        call(agent, "POST", "/pair/start", body={})
        code = agent.pending_code(ORIGIN)
        assert code is not None and len(code) == 6 and code.isdigit()
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for _ in range(4):
            reply = call(agent, "POST", "/pair/confirm", body={"code": wrong})
            assert (reply.status, reply.code) == (403, "PAIRING_CODE_INCORRECT")
        fifth = call(agent, "POST", "/pair/confirm", body={"code": wrong})
        assert (fifth.status, fifth.code) == (429, "PAIRING_LOCKED")
        # the code is gone: even the right one no longer pairs
        late = call(agent, "POST", "/pair/confirm", body={"code": code})
        assert (late.status, late.code) == (409, "PAIRING_NOT_STARTED")
        assert agent.pending_code(ORIGIN) is None
        # and no new code for a while, so guessing cannot go on at network speed
        assert call(agent, "POST", "/pair/start", body={}).code == "PAIRING_LOCKED"
        clock.now += 31
        assert call(agent, "POST", "/pair/start", body={}).status == 200
        fresh = agent.pending_code(ORIGIN)
        reply = call(agent, "POST", "/pair/confirm", body={"code": fresh})
        assert reply.status == 200 and reply.body["token"]
    finally:
        agent.stop()


def test_pairing_codes_expire(token_certificate, module_path: Path) -> None:
    clock = FakeClock()
    agent = AgentServer(
        port=0, module=module_path, allowed_origins=[ORIGIN], sessions=SessionStore(clock=clock)
    ).start()
    try:
        call(agent, "POST", "/pair/start", body={})
        code = agent.pending_code(ORIGIN)
        clock.now += 5 * 60
        reply = call(agent, "POST", "/pair/confirm", body={"code": code})
        assert (reply.status, reply.code) == (409, "PAIRING_NOT_STARTED")
    finally:
        agent.stop()


def test_sessions_expire_after_idle_time_and_use_keeps_them(
    token_certificate, module_path: Path
) -> None:
    clock = FakeClock()
    sessions = SessionStore(clock=clock, idle_seconds=60)
    agent = AgentServer(
        port=0, module=module_path, allowed_origins=[ORIGIN], sessions=sessions
    ).start()
    try:
        session = pair(agent)
        clock.now += 50
        assert call(agent, "GET", "/tokens", token=session).status == 200
        clock.now += 50  # 100 s after pairing, 50 s after last use
        assert call(agent, "GET", "/tokens", token=session).status == 200
        clock.now += 60
        reply = call(agent, "GET", "/tokens", token=session)
        assert (reply.status, reply.code) == (401, "SESSION_INVALID")
    finally:
        agent.stop()


def test_wrong_pin_is_mapped_and_never_echoed_or_logged(
    agent: AgentServer, token_certificate: TokenCertificate, caplog
) -> None:
    caplog.set_level(logging.DEBUG, logger="ebhxh.signer_agent")
    session = pair(agent)
    wrong_pin = "987650"
    reply = call(
        agent, "POST", "/sign", token=session, body=sign_body(token_certificate, pin=wrong_pin)
    )
    assert (reply.status, reply.code) == (403, "TOKEN_PIN_INCORRECT")
    assert reply.body["message"].startswith("Mã PIN không đúng")
    assert reply.headers["Access-Control-Allow-Origin"] == ORIGIN
    [event] = [e for e in agent.events if e.kind == "sign"]
    assert event.result == "TOKEN_PIN_INCORRECT"
    assert wrong_pin not in caplog.text and wrong_pin not in str(reply.body)
    assert all(wrong_pin not in e.describe() for e in agent.events)


@pytest.mark.parametrize(
    ("digest", "code"),
    [
        (b64(DIGEST[:31]), "DIGEST_LENGTH"),
        (b64(DIGEST + b"\x00"), "DIGEST_LENGTH"),
        (b64(hashlib.sha1(b"x").digest()), "DIGEST_LENGTH"),
        ("không-phải-base64", "DIGEST_INVALID"),
        (None, "DIGEST_INVALID"),
    ],
)
def test_a_digest_that_is_not_32_bytes_is_refused(
    agent: AgentServer, token_certificate: TokenCertificate, digest: str | None, code: str
) -> None:
    session = pair(agent)
    reply = call(
        agent, "POST", "/sign", token=session, body=sign_body(token_certificate, digest=digest)
    )
    assert (reply.status, reply.code) == (400, code)


def test_request_body_size_and_type_are_limited(agent: AgentServer) -> None:
    big = call(
        agent,
        "POST",
        "/pair/confirm",
        raw=b"{" + b" " * 20_000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert (big.status, big.code) == (413, "BODY_TOO_LARGE")
    plain = call(agent, "POST", "/pair/start", raw=b"{}", headers={"Content-Type": "text/plain"})
    assert (plain.status, plain.code) == (415, "UNSUPPORTED_MEDIA_TYPE")
    assert agent.pending_code(ORIGIN) is None  # a "simple" cross-site post starts nothing
    broken = call(
        agent, "POST", "/pair/confirm", raw=b"[1,", headers={"Content-Type": "application/json"}
    )
    assert (broken.status, broken.code) == (400, "BAD_REQUEST")


def test_unknown_paths_and_methods(agent: AgentServer) -> None:
    assert call(agent, "GET", "/admin").code == "NOT_FOUND"
    assert call(agent, "GET", "/sign").code == "METHOD_NOT_ALLOWED"
    assert call(agent, "DELETE", "/tokens").status == 405


def test_token_errors_keep_the_signer_codes_and_messages() -> None:
    for code in SignerErrorCode:
        error = from_signer_error(SignerError(code))
        assert error.code == code.value
        assert error.message == SignerError(code).message_vi
        assert error.status == SIGNER_STATUS.get(code, 422)
    assert SIGNER_STATUS[SignerErrorCode.TOKEN_PIN_INCORRECT] == 403


def test_unknown_certificate_is_a_404_with_the_signer_message(
    agent: AgentServer, token_certificate: TokenCertificate
) -> None:
    session = pair(agent)
    reply = call(
        agent,
        "POST",
        "/sign",
        token=session,
        body=sign_body(token_certificate, certificate_id="abcd"),
    )
    assert (reply.status, reply.code) == (404, "CERTIFICATE_NOT_FOUND")


def test_the_journal_prints_no_terminal_escapes(
    agent: AgentServer, token_certificate: TokenCertificate
) -> None:
    session = pair(agent)
    body = sign_body(token_certificate, description="Hồ sơ\x1b[2J\x1b]0;giả\x07")
    assert call(agent, "POST", "/sign", token=session, body=body).status == 200
    [event] = [e for e in agent.events if e.kind == "sign"]
    line = event.describe()
    assert "\x1b" not in line and "\x07" not in line and "Hồ sơ?[2J" in line
