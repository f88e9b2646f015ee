"""Remote signing of one dossier in a short-lived worker thread.

The holder's password is typed on the signing page and used once, in that request, to log in
to the provider (a wrong password is answered at once). What the worker receives is the
logged-in `CscClient` object, in memory: the password is never stored, never put in a task's
arguments, never logged. The worker signs every form and then the envelope with one
`RemoteSigner` (the holder confirms on the device as the procedure requires), submits the
dossier, closes the client (dropping the access token) and ends. The page follows it by
polling the dossier's status JSON. A worker lost with its process leaves the dossier in
SIGNING; "Ký lại" starts over.

`use_transport` lets tests route the provider's API in-process.
"""

from __future__ import annotations

import logging
import threading
from typing import Final

import httpx
from django.contrib.auth.models import User
from django.db import close_old_connections, connection

from ebhxh.ivan.filings import services
from ebhxh.ivan.filings.models import Filing, FilingState
from ebhxh.ivan.models import SignatureSetup
from ebhxh.ivan.remote_signing import RemoteSigningError as AppRemoteSigningError
from ebhxh.signers.remote import CscClient, RemoteErrorCode, RemoteSigningError

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS: Final = 15.0
_transport: httpx.BaseTransport | None = None


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Reach the remote-signing provider through `transport` (tests); None: the network."""
    global _transport
    _transport = transport


def login(setup: SignatureSetup, password: str) -> CscClient:
    """Log in to the unit's remote-signing account; the caller owns (and closes) the client."""
    client = CscClient(setup.remote_provider_url, timeout=TIMEOUT_SECONDS, transport=_transport)
    try:
        client.login(setup.remote_username, password)
    except RemoteSigningError as error:
        client.close()
        field = "password" if error.code == RemoteErrorCode.LOGIN_FAILED else None
        raise AppRemoteSigningError(error.message_vi, code=str(error.code), field=field) from None
    return client


def start(*, actor: User, filing: Filing, password: str) -> Filing:
    """Log in now, mark the dossier SIGNING, and sign and submit it in a worker thread."""
    setup = services.signing_setup(filing)
    client = login(setup, password)
    try:
        filing = services.filing_remote_begin(actor=actor, filing=filing)
    except Exception:
        client.close()
        raise
    worker = threading.Thread(
        target=_run, args=(actor, filing.pk, client), name=f"ky-tu-xa-{filing.pk}", daemon=True
    )
    worker.start()
    return filing


def run(*, actor: User, filing: Filing, client: CscClient) -> Filing:
    """Sign, then submit if signed (what the worker does; tests call it directly)."""
    filing = services.filing_remote_sign(actor=actor, filing=filing, client=client)
    if filing.state == FilingState.SIGNED:
        filing = services.filing_submit(actor=actor, filing=filing)
    return filing


def _run(actor: User, filing_id: int, client: CscClient) -> None:
    close_old_connections()
    try:
        run(actor=actor, filing=Filing.objects.get(pk=filing_id), client=client)
    except Exception:
        logger.exception("Remote signing of filing %s failed", filing_id)
    finally:
        client.close()
        connection.close()
