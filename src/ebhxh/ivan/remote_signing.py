"""The port to a remote-signing provider (CKS từ xa), for choosing a unit's certificate.

Setting up remote signing needs one thing from the provider: log in with the holder's
account and list the certificates it holds. `CredentialDirectory` is that port; the shipped
adapter uses the shared CSC client (`ebhxh.signers.remote.CscClient`: `oauth2/token` with
the password grant, then `credentials/list`). The client, and its access token, live only
for those two calls; the password is never kept. Signing itself (next step) builds a
`RemoteSigner` from the stored provider URL, account and credential id.

`IVAN_REMOTE_SIGNING_DIRECTORY` (a dotted path to a class) may choose another adapter.
"""

from __future__ import annotations

from typing import Final, Protocol

import httpx
from django.conf import settings
from django.utils.module_loading import import_string

from ebhxh.core.errors import DomainError
from ebhxh.signers import remote
from ebhxh.signers.remote import RemoteCredential, RemoteErrorCode

__all__ = [
    "CredentialDirectory",
    "CscCredentialDirectory",
    "RemoteCredential",
    "RemoteSigningError",
    "credential_directory",
]

DEFAULT_DIRECTORY: Final = "ebhxh.ivan.remote_signing.CscCredentialDirectory"
TIMEOUT_SECONDS: Final = 15.0
MAX_CREDENTIALS: Final = 50


class RemoteSigningError(DomainError):
    """The provider refused or could not be reached; `code` is the CSC client's code."""

    code = "REMOTE_SIGNING_ERROR"


class CredentialDirectory(Protocol):
    def list_credentials(
        self, *, base_url: str, username: str, password: str
    ) -> list[RemoteCredential]:
        """Log in as the holder and list the certificates; RemoteSigningError if not."""
        ...


def credential_directory() -> CredentialDirectory:
    path = getattr(settings, "IVAN_REMOTE_SIGNING_DIRECTORY", DEFAULT_DIRECTORY)
    directory: CredentialDirectory = import_string(path)()
    return directory


class CscCredentialDirectory:
    """CSC API v2 through `CscClient`. `transport` lets a test answer without a network."""

    def __init__(self, *, transport: httpx.BaseTransport | None = None) -> None:
        self.transport = transport

    def list_credentials(
        self, *, base_url: str, username: str, password: str
    ) -> list[RemoteCredential]:
        try:
            with remote.CscClient(
                base_url, timeout=TIMEOUT_SECONDS, transport=self.transport
            ) as client:
                client.login(username, password)
                return client.list_credentials()[:MAX_CREDENTIALS]
        except remote.RemoteSigningError as error:
            field = "password" if error.code == RemoteErrorCode.LOGIN_FAILED else None
            raise RemoteSigningError(error.message_vi, code=str(error.code), field=field) from None
