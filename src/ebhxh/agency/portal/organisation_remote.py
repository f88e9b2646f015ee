"""Remote signing (ký số từ xa) of the organisation form through a CSC provider (seed 001,
step 20), with `ebhxh.signers.remote`.

The holder logs in to the provider account on the signing page, picks the certificate, and
confirms on the device. The page's request stays open while the holder confirms; the
progress `RemoteSigner` reports (waiting for confirmation 1/1, signing, signed) is streamed
to the page line by line, so the holder sees where things stand and how long is left.
The password is used for the provider calls of that request only, never stored.

Providers offered: `PORTAL_REMOTE_SIGNING_URLS` (CSC API roots; the demo's esign first).
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.utils.translation import gettext as _

from ebhxh.core.errors import DomainError
from ebhxh.signers import remote
from ebhxh.signers.errors import SignerError
from ebhxh.signers.remote import RemoteCredential, RemoteErrorCode

TIMEOUT_SECONDS: Final = 15.0
MAX_CREDENTIALS: Final = 50


class RemoteSigningFailed(DomainError):
    """The provider refused or could not be reached; `code` is the CSC client's code."""

    code = "REMOTE_SIGNING_ERROR"


def providers() -> list[str]:
    return [str(url) for url in settings.PORTAL_REMOTE_SIGNING_URLS]


def _refusal(error: remote.RemoteSigningError) -> RemoteSigningFailed:
    field = "remote_password" if error.code == RemoteErrorCode.LOGIN_FAILED else None
    return RemoteSigningFailed(error.message_vi, code=str(error.code), field=field)


def _provider(base_url: str) -> str:
    if base_url not in providers():
        raise RemoteSigningFailed(
            _("Chọn nhà cung cấp dịch vụ ký số từ xa trong danh sách."), code="REMOTE_PROVIDER"
        )
    return base_url


@dataclass
class RemoteSession:
    """A logged-in provider session for one request; close it when done."""

    client: remote.CscClient

    @classmethod
    def login(cls, *, base_url: str, username: str, password: str) -> RemoteSession:
        client = remote.CscClient(_provider(base_url), timeout=TIMEOUT_SECONDS)
        try:
            client.login(username, password)
        except remote.RemoteSigningError as error:
            client.close()
            raise _refusal(error) from None
        return cls(client)

    def credentials(self) -> list[RemoteCredential]:
        try:
            return self.client.list_credentials()[:MAX_CREDENTIALS]
        except remote.RemoteSigningError as error:
            raise _refusal(error) from None

    def credential(self, credential_id: str) -> RemoteCredential:
        try:
            return self.client.credential(credential_id)
        except remote.RemoteSigningError as error:
            raise _refusal(error) from None

    def close(self) -> None:
        self.client.close()


def line(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8")


def sign_with_progress(
    session: RemoteSession,
    credential: RemoteCredential,
    *,
    digest: bytes,
    unit_name: str,
    unit_tax_code: str,
    procedure_code: str,
    description: str,
    finish: Callable[[bytes], dict[str, Any]],
) -> Iterator[bytes]:
    """NDJSON lines: `{"stage": "waiting", "message": …}` while the holder confirms, then
    whatever `finish(signature)` answers (the submission), or `{"ok": false, …}`.

    The signer waits in a thread and reports through a queue, because the progress callback
    fires inside its polling loop; the submission itself runs here, in the request's thread,
    with its database connection."""
    events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def report(progress: remote.SigningProgress) -> None:
        events.put(("progress", progress))

    signer = remote.RemoteSigner(
        session.client,
        credential,
        procedure_code=procedure_code,
        unit_name=unit_name,
        unit_tax_code=unit_tax_code,
        description=description,
        on_progress=report,
    )

    def work() -> None:
        try:
            events.put(("signed", signer.sign_digest(digest)))
        except (remote.RemoteSigningError, SignerError) as error:
            events.put(("error", error))

    worker = threading.Thread(target=work, name="portal-remote-signing", daemon=True)
    try:
        yield line({"ok": True, "stage": "sent", "message": _("Đã gửi yêu cầu ký tới thiết bị…")})
        worker.start()
        while True:
            kind, value = events.get()
            if kind == "progress":
                yield line(
                    {
                        "ok": True,
                        "stage": value.stage,
                        "message": value.message,
                        "seconds_left": value.seconds_left,
                    }
                )
            elif kind == "error":
                if isinstance(value, remote.RemoteSigningError):
                    refusal = _refusal(value)
                    yield line({"ok": False, "code": refusal.code, "message": refusal.message})
                else:
                    yield line({"ok": False, "code": str(value.code), "message": value.message_vi})
                return
            else:
                yield line(finish(value))
                return
    finally:
        worker.join(timeout=1)
        session.close()
