"""The signer agent: a small HTTP server on 127.0.0.1 that signs digests with a USB token.

A web page of an allowed origin pairs with it once (a code shown in the agent's window), then
lists tokens and certificates and asks for signatures over 32-byte SHA-256 digests; the
document never leaves the server that prepared it. Every request passes the same gate, in
this order: Host (DNS rebinding), Origin (other web sites), body size and type, then the
bearer token bound to the origin (other local programs). See docs/signer-agent.md.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding

import ebhxh
from ebhxh.pki.identity import identity_of
from ebhxh.signer_agent.errors import AgentError, AgentErrorCode, from_signer_error
from ebhxh.signer_agent.sessions import SESSION_IDLE_SECONDS, SessionStore
from ebhxh.signers.errors import SignerError, SignerErrorCode
from ebhxh.signers.pkcs11 import (
    Pkcs11Signer,
    default_module_path,
    list_certificates,
    list_tokens,
)
from ebhxh.signers.types import TokenCertificate

__all__ = ["DEFAULT_ORIGINS", "DEFAULT_PORT", "AgentEvent", "AgentServer", "normalise_origin"]

DEFAULT_PORT: Final = 8765
DEFAULT_ORIGINS: Final = ("http://127.0.0.1:8000", "http://localhost:8000")
MAX_BODY_BYTES: Final = 16 * 1024  # a digest, a PIN and a short description fit many times
MAX_DESCRIPTION = 300
MAX_PIN = 255
_CERTIFICATE_ID = re.compile(r"^[0-9A-Fa-f:]{0,256}$")
APP_NAME: Final = "ebhxh-signer-agent"

logger = logging.getLogger("ebhxh.signer_agent")


def normalise_origin(value: str) -> str:
    """`scheme://host[:port]` as browsers send it in `Origin`; ValueError for anything else."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"không phải địa chỉ gốc (origin) hợp lệ: {value!r}")
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        raise ValueError(f"địa chỉ gốc (origin) không được có đường dẫn: {value!r}")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


@dataclass(frozen=True)
class AgentEvent:
    """One line of the agent's journal: what was asked, by whom, and the outcome (no PIN)."""

    kind: str  # "refused", "pairing", "sign"
    origin: str
    path: str
    result: str  # "OK" or the error code
    description: str = ""
    certificate: str = ""
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def describe(self) -> str:
        """The Vietnamese line the agent prints in its window."""
        origin = _printable(self.origin) or "(không rõ)"
        text = f"[{self.at:%H:%M:%S}] {self.kind} {_printable(self.path)} từ {origin}"
        if self.description:
            text += f" — “{_printable(self.description)}”"
        if self.certificate:
            text += f" — chứng thư: {self.certificate}"
        return f"{text} → {self.result}"


def _printable(text: str) -> str:
    """The page's description without control characters: no terminal escapes in the console."""
    return "".join(c if c.isprintable() else "?" for c in text)


PairingCallback = Callable[[str, str], None]
EventCallback = Callable[[AgentEvent], None]


class AgentServer:
    """The agent's HTTP server; `start()` serves in a thread (tests), `serve_forever()` blocks.

    `port=0` picks a free port (read `.port` after construction). `on_pairing_code(origin,
    code)` shows a new pairing code to the user; `pending_code(origin)` reads it back.
    """

    def __init__(
        self,
        *,
        port: int = DEFAULT_PORT,
        module: str | Path | None = None,
        allowed_origins: Iterable[str] = DEFAULT_ORIGINS,
        on_pairing_code: PairingCallback | None = None,
        on_event: EventCallback | None = None,
        sessions: SessionStore | None = None,
        idle_seconds: float = SESSION_IDLE_SECONDS,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.allowed_origins = frozenset(normalise_origin(o) for o in allowed_origins)
        self.module = _resolve_module(module)
        self.sessions = sessions or SessionStore(idle_seconds=idle_seconds)
        self.max_body_bytes = max_body_bytes
        self._on_pairing_code = on_pairing_code
        self._on_event = on_event
        self._events: list[AgentEvent] = []
        self._events_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._httpd = _HttpServer(("127.0.0.1", port), _Handler, self)
        self.port: int = self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def module_found(self) -> bool:
        return self.module is not None and Path(self.module).is_file()

    @property
    def events(self) -> list[AgentEvent]:
        """A copy of the journal so far (tests and the agent's window read it)."""
        with self._events_lock:
            return list(self._events)

    def pending_code(self, origin: str) -> str | None:
        """The pairing code waiting for `origin`, as the agent showed it (tests read it here)."""
        try:
            return self.sessions.pending_code(normalise_origin(origin))
        except ValueError:
            return None

    def start(self) -> AgentServer:
        """Serve in a background thread; returns self, so `AgentServer(...).start()` reads well."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() returns quickly
            name="ebhxh-signer-agent",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and free the port (idempotent)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    # --- called by the handler --------------------------------------------------------------

    def record(self, event: AgentEvent) -> None:
        with self._events_lock:
            self._events.append(event)
            del self._events[:-1000]
        logger.info("%s", event.describe())
        if self._on_event is not None:
            self._on_event(event)

    def show_pairing_code(self, origin: str, code: str) -> None:
        if self._on_pairing_code is not None:
            self._on_pairing_code(origin, code)

    def host_allowed(self, host: str | None) -> bool:
        return host in {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def module_path(self) -> str | Path | None:
        """What to hand the signers: None lets them raise TOKEN_MODULE_NOT_FOUND in Vietnamese."""
        return self.module


def _resolve_module(module: str | Path | None) -> Path | None:
    if module is not None:
        return Path(module)
    try:
        return default_module_path()
    except SignerError:
        return None


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], agent: AgentServer
    ) -> None:
        self.agent = agent
        super().__init__(address, handler)


# --- request handling ----------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    server_version = APP_NAME
    sys_version = ""
    timeout = 15  # a slow or stuck client does not hold a thread for long

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_OPTIONS(self) -> None:
        self._handle("OPTIONS")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        """Request lines go to logging, not stderr; they never hold the PIN (it is in the body)."""
        logger.debug("%s " + format, self.address_string(), *args)

    @property
    def agent(self) -> AgentServer:
        return self.server.agent

    def _handle(self, method: str) -> None:
        path = urlsplit(self.path).path
        origin = self.headers.get("Origin") or ""
        if not self.agent.host_allowed(self.headers.get("Host")):
            self._refuse(AgentErrorCode.HOST_NOT_ALLOWED, origin, path)
            return
        if origin not in self.agent.allowed_origins:
            self._refuse(AgentErrorCode.ORIGIN_NOT_ALLOWED, origin, path)
            return
        if method == "OPTIONS":
            self._preflight(origin)
            return
        try:
            route = _ROUTES.get(path)
            if route is None:
                raise AgentError.of(AgentErrorCode.NOT_FOUND)
            wanted, needs_session, action = route
            if method != wanted:
                raise AgentError.of(AgentErrorCode.METHOD_NOT_ALLOWED)
            body = self._read_json() if method == "POST" else {}
            if needs_session:
                self.agent.sessions.check(origin, _bearer(self.headers.get("Authorization")))
            answer = action(self, origin, body)
        except AgentError as error:
            self._send(error.status, error.body(), origin)
        except SignerError as error:
            agent_error = from_signer_error(error)
            self._send(agent_error.status, agent_error.body(), origin)
        except Exception:
            logger.exception("ebhxh signer agent: unexpected error on %s", path)
            internal = AgentError.of(AgentErrorCode.INTERNAL_ERROR)
            self._send(internal.status, internal.body(), origin)
        else:
            self._send(200, answer, origin)

    def _refuse(self, code: AgentErrorCode, origin: str, path: str) -> None:
        """Refusals before the origin is trusted carry no CORS headers, so a page learns nothing."""
        self.agent.record(AgentEvent("refused", origin, path, code.value))
        error = AgentError.of(code)
        self._send(error.status, error.body(), None)

    def _preflight(self, origin: str) -> None:
        self.send_response(204)
        self._cors_headers(origin)
        self.send_header("Access-Control-Allow-Methods", "GET, POST")
        self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
        self.send_header("Access-Control-Max-Age", "600")
        if self.headers.get("Access-Control-Request-Private-Network") == "true":
            # Chromium's Private Network Access: a public allowed site may call this agent.
            self.send_header("Access-Control-Allow-Private-Network", "true")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _cors_headers(self, origin: str) -> None:
        self.send_header("Access-Control-Allow-Origin", origin)
        self.send_header("Vary", "Origin")

    def _read_json(self) -> dict[str, Any]:
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/json":
            # Also forces a CORS preflight: no "simple" cross-site form post reaches an action.
            raise AgentError.of(AgentErrorCode.UNSUPPORTED_MEDIA_TYPE)
        try:
            length = int(self.headers.get("Content-Length") or "0")
        except ValueError:
            raise AgentError.of(AgentErrorCode.BAD_REQUEST) from None
        if length < 0:
            raise AgentError.of(AgentErrorCode.BAD_REQUEST)
        if length > self.agent.max_body_bytes:
            self.close_connection = True  # the unread body must not be taken as a request
            raise AgentError.of(AgentErrorCode.BODY_TOO_LARGE)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise AgentError.of(AgentErrorCode.BAD_REQUEST) from None
        if not isinstance(body, dict):
            raise AgentError.of(AgentErrorCode.BAD_REQUEST)
        return body

    def _send(self, status: int, body: Mapping[str, Any], origin: str | None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        if origin is not None:
            self._cors_headers(origin)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(data)

    # --- endpoints --------------------------------------------------------------------------

    def status(self, origin: str, body: dict[str, Any]) -> dict[str, Any]:
        """No session needed: lets a page say "the agent runs" before pairing."""
        paired = True
        try:
            self.agent.sessions.check(origin, _bearer(self.headers.get("Authorization")))
        except AgentError:
            paired = False
        return {
            "app": APP_NAME,
            "version": ebhxh.__version__,
            "module_found": self.agent.module_found,
            "module": str(self.agent.module) if self.agent.module else None,
            "paired": paired,
        }

    def pair_start(self, origin: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            code = self.agent.sessions.start_pairing(origin)
        except AgentError as error:
            self.agent.record(AgentEvent("pairing", origin, "/pair/start", error.code))
            raise
        self.agent.show_pairing_code(origin, code)
        self.agent.record(AgentEvent("pairing", origin, "/pair/start", "OK"))
        return {"started": True, "digits": len(code)}

    def pair_confirm(self, origin: str, body: dict[str, Any]) -> dict[str, Any]:
        code = _text(body, "code", required=True, limit=32)
        try:
            token = self.agent.sessions.confirm_pairing(origin, code)
        except AgentError as error:
            self.agent.record(AgentEvent("pairing", origin, "/pair/confirm", error.code))
            raise
        self.agent.record(AgentEvent("pairing", origin, "/pair/confirm", "OK"))
        return {"token": token, "idle_timeout_seconds": int(self.agent.sessions.idle_seconds)}

    def tokens(self, origin: str, body: dict[str, Any]) -> dict[str, Any]:
        found = list_tokens(self.agent.module_path())
        return {
            "tokens": [
                {
                    "label": token.label,
                    "serial": token.serial,
                    "manufacturer": token.manufacturer,
                    "model": token.model,
                    "pin_count_low": token.pin_count_low,
                    "pin_final_try": token.pin_final_try,
                    "pin_locked": token.pin_locked,
                    "pin_pad": token.protected_authentication_path,
                }
                for token in found
            ]
        }

    def certificates(self, origin: str, body: dict[str, Any]) -> dict[str, Any]:
        query = parse_qs(urlsplit(self.path).query)
        label = query["token"][0] if query.get("token") else None
        found = list_certificates(self.agent.module_path(), token_label=label)
        on_token = [entry.certificate for entry in found]
        return {
            "certificates": [
                {**_certificate_json(entry), "chain": _chain(entry.certificate, on_token)}
                for entry in found
                if not _is_ca(entry)
            ]
        }

    def sign(self, origin: str, body: dict[str, Any]) -> dict[str, Any]:
        token_label = _text(body, "token", required=False, limit=64) or None
        certificate_id = _text(body, "certificate_id", required=False, limit=256) or None
        if certificate_id is not None and not _CERTIFICATE_ID.match(certificate_id):
            raise AgentError.of(AgentErrorCode.BAD_REQUEST)
        description = _text(body, "description", required=False, limit=MAX_DESCRIPTION)
        digest = _digest(body.get("digest"))
        event = AgentEvent("sign", origin, "/sign", "", description, certificate_id or "")
        try:
            with Pkcs11Signer.open(
                self.agent.module_path(),
                token_label=token_label,
                pin=_text(body, "pin", required=True, limit=MAX_PIN),
                certificate_id=certificate_id,
            ) as signer:
                signature = signer.sign_digest(digest)
                certificate, chain = signer.certificate, signer.chain
                used = signer.token_certificate
        except SignerError as error:
            self.agent.record(_with(event, result=error.code.value))
            raise
        self.agent.record(
            _with(event, result="OK", certificate=f"{used.subject_summary} (ID {used.id_hex})")
        )
        return {
            "signature": base64.b64encode(signature).decode("ascii"),
            "certificate": _der_b64(certificate),
            "chain": [_der_b64(c) for c in chain],
        }


Action = Callable[[_Handler, str, dict[str, Any]], dict[str, Any]]
# path -> (method, needs a session, action)
_ROUTES: Final[dict[str, tuple[str, bool, Action]]] = {
    "/status": ("GET", False, _Handler.status),
    "/pair/start": ("POST", False, _Handler.pair_start),
    "/pair/confirm": ("POST", False, _Handler.pair_confirm),
    "/tokens": ("GET", True, _Handler.tokens),
    "/certificates": ("GET", True, _Handler.certificates),
    "/sign": ("POST", True, _Handler.sign),
}


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _text(body: dict[str, Any], name: str, *, required: bool, limit: int) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value) or len(value) > limit:
        raise AgentError(
            AgentErrorCode.BAD_REQUEST.value,
            f"Yêu cầu gửi tới ứng dụng ký số không hợp lệ: trường “{name}” thiếu hoặc sai.",
            400,
        )
    return value


def _digest(value: object) -> bytes:
    """The 32-byte SHA-256 digest, from strict base64; anything else is the caller's bug."""
    if not isinstance(value, str) or len(value) > 128:
        raise AgentError.of(AgentErrorCode.DIGEST_INVALID)
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise AgentError.of(AgentErrorCode.DIGEST_INVALID) from None
    if len(digest) != 32:
        raise SignerError(SignerErrorCode.DIGEST_LENGTH, detail=f"{len(digest)} byte")
    return digest


def _with(event: AgentEvent, **changes: str) -> AgentEvent:
    return replace(event, **changes)  # type: ignore[arg-type]


def _der_b64(certificate: x509.Certificate) -> str:
    return base64.b64encode(certificate.public_bytes(Encoding.DER)).decode("ascii")


def _is_ca(entry: TokenCertificate) -> bool:
    try:
        constraints = entry.certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    except x509.ExtensionNotFound:
        return False
    return bool(constraints.value.ca)


def _chain(certificate: x509.Certificate, pool: list[x509.Certificate]) -> list[str]:
    """The issuers found on the token, nearest first, without the self-signed root: what the
    page puts in KeyInfo before the PIN is asked (the signer finds the same after login)."""
    chain: list[str] = []
    current = certificate
    while len(chain) < 8:
        issuer = next((c for c in pool if _issued(current, c)), None)
        if issuer is None or issuer.subject == issuer.issuer:
            break
        chain.append(_der_b64(issuer))
        current = issuer
    return chain


def _issued(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    if certificate.issuer != issuer.subject or certificate == issuer:
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _certificate_json(entry: TokenCertificate) -> dict[str, Any]:
    identity = identity_of(entry.certificate)
    return {
        "token": entry.token_label,
        "label": entry.label,
        "id": entry.id_hex,
        "subject": entry.subject,
        "subject_summary": entry.subject_summary,
        "common_name": identity.common_name,
        "organization": identity.organization,
        "tax_code": identity.tax_code,
        "citizen_id": identity.citizen_id,
        "issuer": entry.issuer_summary,
        "serial_number": entry.serial_number_hex,
        "not_before": entry.not_before.isoformat(),
        "not_after": entry.not_after.isoformat(),
        "fingerprint_sha256": entry.fingerprint_sha256,
        "certificate": _der_b64(entry.certificate),
    }
