"""Pairing codes and session tokens: which web origin may use the token, and for how long.

Any program on the PC can reach 127.0.0.1 and write any `Origin` header, so the origin
allow-list alone only stops web pages. Pairing adds what a remote page or another local user
cannot see: a 6-digit code printed in the agent's own window. Only someone at this screen can
type it into the page, which then gets a random bearer token bound to its origin.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ebhxh.signer_agent.errors import AgentError, AgentErrorCode

CODE_DIGITS = 6
CODE_LIFETIME_SECONDS = 5 * 60
MAX_CODE_ATTEMPTS = 5
LOCKOUT_SECONDS = 30.0
SESSION_IDLE_SECONDS = 30 * 60
MAX_SESSIONS = 64


@dataclass
class _Pairing:
    code: str
    expires_at: float
    attempts: int = 0


@dataclass
class _Session:
    origin: str
    last_used: float


def _digest(token: str) -> str:
    """Sessions are kept by the hash of their token, so a memory dump does not reveal one."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore:
    """Thread-safe pairing and session state of one agent (kept in memory, never on disk)."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        idle_seconds: float = SESSION_IDLE_SECONDS,
        max_attempts: int = MAX_CODE_ATTEMPTS,
        lockout_seconds: float = LOCKOUT_SECONDS,
    ) -> None:
        self._clock = clock
        self._idle_seconds = idle_seconds
        self._max_attempts = max_attempts
        self._lockout_seconds = lockout_seconds
        self._lock = threading.Lock()
        self._pairings: dict[str, _Pairing] = {}
        self._sessions: dict[str, _Session] = {}
        self._locked_until = 0.0

    @property
    def idle_seconds(self) -> float:
        return self._idle_seconds

    def start_pairing(self, origin: str) -> str:
        """A fresh code for this origin (replacing its earlier one); shown only by the agent.

        Refused for a while after too many wrong codes, so guessing costs real time and every
        new code is printed where the user sees it.
        """
        with self._lock:
            now = self._clock()
            if now < self._locked_until:
                raise AgentError.of(AgentErrorCode.PAIRING_LOCKED)
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            self._pairings[origin] = _Pairing(code, now + CODE_LIFETIME_SECONDS)
            return code

    def pending_code(self, origin: str) -> str | None:
        """The code waiting for this origin (for tests and the agent's own window)."""
        with self._lock:
            pairing = self._pairings.get(origin)
            if pairing is None or self._clock() >= pairing.expires_at:
                return None
            return pairing.code

    def confirm_pairing(self, origin: str, code: str) -> str:
        """Trade the right code for a session token bound to `origin`; count wrong ones."""
        with self._lock:
            now = self._clock()
            pairing = self._pairings.get(origin)
            if pairing is None or now >= pairing.expires_at:
                self._pairings.pop(origin, None)
                raise AgentError.of(AgentErrorCode.PAIRING_NOT_STARTED)
            if not hmac.compare_digest(pairing.code.encode(), code.strip().encode()):
                pairing.attempts += 1
                if pairing.attempts >= self._max_attempts:
                    del self._pairings[origin]
                    self._locked_until = now + self._lockout_seconds
                    raise AgentError.of(AgentErrorCode.PAIRING_LOCKED)
                raise AgentError.of(AgentErrorCode.PAIRING_CODE_INCORRECT)
            del self._pairings[origin]
            self._forget_idle(now)
            if len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions, key=lambda key: self._sessions[key].last_used)
                del self._sessions[oldest]
            token = secrets.token_urlsafe(32)
            self._sessions[_digest(token)] = _Session(origin, now)
            return token

    def check(self, origin: str, token: str | None) -> None:
        """Accept a bearer token only from the origin it was issued to, while not idle."""
        if not token:
            raise AgentError.of(AgentErrorCode.SESSION_REQUIRED)
        with self._lock:
            now = self._clock()
            self._forget_idle(now)
            session = self._sessions.get(_digest(token))
            if session is None or not hmac.compare_digest(session.origin, origin):
                raise AgentError.of(AgentErrorCode.SESSION_INVALID)
            session.last_used = now

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, s in self._sessions.items() if now - s.last_used >= self._idle_seconds]
        for key in idle:
            del self._sessions[key]
