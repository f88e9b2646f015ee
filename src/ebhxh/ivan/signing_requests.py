"""What the I-VAN's signing pages post from the browser (the token setup in Thiết lập → Chữ
ký số, a dossier's signing): one bounded JSON object, certificates as base64 DER. Read the
same way everywhere, so a page can only ever get the same refusals."""

from __future__ import annotations

import base64
import json
from typing import Any, Final

from django.conf import settings
from django.http import HttpRequest

from ebhxh.core.errors import DomainError

DEFAULT_AGENT_URL: Final = "http://127.0.0.1:8765"
MAX_BODY: Final = 64 * 1024
MAX_CHAIN: Final = 7


class UnreadableRequest(DomainError):
    """The page's POST is not a JSON object this server reads; `status` is the HTTP one."""

    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message, code=code)
        self.status = status


def agent_url() -> str:
    """Where the page finds the local signer agent (`SIGNER_AGENT_URL`)."""
    return str(getattr(settings, "SIGNER_AGENT_URL", DEFAULT_AGENT_URL))


def json_object(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY:
        raise UnreadableRequest("Yêu cầu quá lớn.", code="BODY_TOO_LARGE", status=413)
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise UnreadableRequest("Yêu cầu không phải JSON hợp lệ.", code="BAD_REQUEST", status=400)
    return data


def der(value: object) -> bytes:
    """Base64 text to bytes; ValueError (or binascii.Error, a ValueError) when it is not."""
    if not isinstance(value, str):
        raise ValueError("not base64 text")
    return base64.b64decode(value, validate=True)


def der_chain(values: object) -> list[bytes]:
    """The intermediates the agent sent with a certificate, at most `MAX_CHAIN` of them."""
    chain = values or []
    if not isinstance(chain, list) or len(chain) > MAX_CHAIN:
        raise ValueError("chain")
    return [der(value) for value in chain]
