"""Who is calling: I-VANs sign every request with the certificate they connected with.

`authenticate_ivan` checks the four `X-IVAN-*` headers (docs/gateway.md) against the
connection's registered certificate: the provider is known and active (else AUT001), the
signature covers this method, path, timestamp, nonce and body, the timestamp is within the
window, the nonce was never used in the window, and the certificate is still valid (else
AUT003). `ivan_api` wraps a view with that check and with the one JSON error shape, so other
agency apps (registrations: activation, "Lấy lao động") serve their endpoints the same way:

    @require_POST
    @ivan_api
    def activate(request: HttpRequest, ivan: IvanConnection) -> HttpResponse: ...
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from typing import Concatenate, ParamSpec

from cryptography import x509
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ebhxh.agency.gateway import trust
from ebhxh.agency.gateway.errors import GatewayError
from ebhxh.agency.gateway.models import RequestNonce
from ebhxh.agency.gateway.responses import error_response
from ebhxh.agency.registry.models import IvanConnection
from ebhxh.core.queries import unique_or_none
from ebhxh.dossiers.errors import DossierFormatError
from ebhxh.dossiers.transport import (
    IVAN_PREFIX,
    RequestSignatureError,
    read_code,
    verify_request,
)
from ebhxh.pki.errors import CertificateError, RejectionError

logger = logging.getLogger(__name__)

P = ParamSpec("P")
IvanView = Callable[Concatenate[HttpRequest, IvanConnection, P], HttpResponse]

_CERTIFICATE_CACHE_SIZE = 64
_certificates: OrderedDict[str, x509.Certificate] = OrderedDict()
_certificates_lock = threading.Lock()


def _certificate(connection: IvanConnection) -> x509.Certificate:
    """The connection's certificate, parsed once per fingerprint."""
    key = connection.certificate_fingerprint
    with _certificates_lock:
        cached = _certificates.get(key)
        if cached is not None:
            _certificates.move_to_end(key)
            return cached
    try:
        certificate = x509.load_pem_x509_certificate(connection.certificate_pem.encode("ascii"))
    except ValueError:
        raise GatewayError("AUT003", "chứng thư số đã đăng ký của I-VAN không đọc được") from None
    with _certificates_lock:
        _certificates[key] = certificate
        while len(_certificates) > _CERTIFICATE_CACHE_SIZE:
            _certificates.popitem(last=False)
    return certificate


def read_body(request: HttpRequest) -> bytes:
    """The raw body, at most GATEWAY_MAX_BODY_BYTES (SCH003 beyond), read once; afterwards
    `request.body` returns it as usual (Django's own limit is for form posts, not for
    envelopes that may carry 10 MiB of forms)."""
    limit = settings.GATEWAY_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise GatewayError("SCH003", f"yêu cầu dài {declared} byte, tối đa {limit} byte")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise GatewayError("SCH003", f"yêu cầu dài hơn {limit} byte")
    request._body = body
    return body


def authenticate_ivan(request: HttpRequest, *, body: bytes | None = None) -> IvanConnection:
    """The connection whose certificate signed this request; GatewayError AUT001/AUT003.

    `body` is the raw body when the caller already read it (`ivan_api` does).
    """
    if body is None:
        body = read_body(request)
    try:
        code = read_code(request.headers, prefix=IVAN_PREFIX)
    except RequestSignatureError as error:
        raise GatewayError("AUT001", error.reason) from None
    connection = unique_or_none(
        IvanConnection.objects.select_related("provider").filter(provider_id=code)
    )
    if connection is None:
        raise GatewayError("AUT001", f"không có kết nối nào của I-VAN {code}")
    if connection.status != IvanConnection.Status.ACTIVE or not connection.provider.is_active:
        raise GatewayError("AUT001", f"kết nối của I-VAN {code} đang tạm ngừng")
    certificate = _certificate(connection)
    now = timezone.now()
    window = timedelta(seconds=settings.GATEWAY_REQUEST_WINDOW_SECONDS)
    try:
        signed = verify_request(
            key=certificate,
            method=request.method or "GET",
            path=request.get_full_path(),
            body=body,
            headers=request.headers,
            now=now,
            window=window,
        )
    except RequestSignatureError as error:
        raise GatewayError("AUT003", error.reason) from None
    try:
        trust.validator().validate(certificate, at=now)
    except CertificateError as error:
        raise GatewayError(
            "AUT003", f"chứng thư số của I-VAN không còn hợp lệ ({error.code}: {error.detail})"
        ) from None
    _consume_nonce(connection, signed.nonce)
    return connection


def _consume_nonce(connection: IvanConnection, nonce: str) -> None:
    """Record the nonce; a second use (any process, any worker) hits the unique constraint.
    Outside a transaction the INSERT commits on its own (one round trip); inside one (tests,
    a caller's atomic block) a savepoint keeps a refusal from breaking it."""
    row = RequestNonce(ivan=connection, nonce=nonce, seen_at=timezone.now())
    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                row.save(force_insert=True)
        else:
            row.save(force_insert=True)
    except IntegrityError:
        raise GatewayError("AUT003", f"nonce {nonce} đã được dùng (yêu cầu bị gửi lại)") from None


def rejection(error: Exception) -> HttpResponse | None:
    """The JSON error answer for a refusal raised anywhere under a gateway view."""
    if isinstance(error, GatewayError):
        return error_response(
            error.code, detail=error.detail, xpath=error.xpath, status=error.status
        )
    if isinstance(error, DossierFormatError):
        return error_response(error.code, detail=error.detail, xpath=error.xpath)
    if isinstance(error, RejectionError):  # XmlSignatureError, CertificateError
        return error_response(error.code, detail=error.detail, xpath=error.xpath or "")
    return None


def ivan_api(view: IvanView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Authenticate the I-VAN, call `view(request, ivan, ...)`, answer refusals as JSON
    (`{"code", "message", "xpath", "detail"}`, the catalogue's status) and exempt the view
    from CSRF (I-VANs sign requests; there is no browser session)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            body = read_body(request)
            ivan = authenticate_ivan(request, body=body)
            return view(request, ivan, *args, **kwargs)
        except Http404:
            raise
        except Exception as error:
            answer = rejection(error)
            if answer is not None:
                return answer
            logger.exception("Lỗi không lường trước ở cổng tiếp nhận: %s", request.path)
            return error_response("SYS001", detail=error.__class__.__name__)

    return csrf_exempt(wrapper)
