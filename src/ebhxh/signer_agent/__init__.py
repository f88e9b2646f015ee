"""The signer agent ("ứng dụng ký số"): lets a web page sign with the USB token on this PC.

Pure Python (no Django): it runs on the unit's PC, started with `ebhxh signer-agent`. See
docs/signer-agent.md for the threat model, the pairing flow and the HTTP API.
"""

from ebhxh.signer_agent.errors import AgentError, AgentErrorCode
from ebhxh.signer_agent.server import (
    DEFAULT_ORIGINS,
    DEFAULT_PORT,
    AgentEvent,
    AgentServer,
    normalise_origin,
)
from ebhxh.signer_agent.sessions import SessionStore

__all__ = [
    "DEFAULT_ORIGINS",
    "DEFAULT_PORT",
    "AgentError",
    "AgentErrorCode",
    "AgentEvent",
    "AgentServer",
    "SessionStore",
    "normalise_origin",
]
