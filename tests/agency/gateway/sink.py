"""A loopback HTTP server standing in for an I-VAN's callback endpoint.

Unlike `tests/support/http_sink.py` it keeps the raw body and the path as sent, which the
signature covers, so a test can verify the agency's signature the way an I-VAN would.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class CallbackSink:
    statuses: list[int] = field(default_factory=list)  # one per request; 200 when empty
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                sink.received.append(Received("POST", self.path, dict(self.headers), body))
                status = sink.statuses.pop(0) if sink.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bhxh/callback?src=gateway"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> CallbackSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
