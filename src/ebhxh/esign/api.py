"""The CSC API v2 subset under /esign/csc/v2/ (docs/esign.md): thin views over the services.

Each view reads JSON (the token endpoint: an OAuth 2.0 form), checks the bearer token, calls
one service or selector and answers JSON. Every refusal is `{"error", "error_description"}`
with a stable code and a Vietnamese description. The API is for programs, not browsers: no
cookies, no CSRF token, and every answer is `Cache-Control: no-store` (tokens and SADs).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from ebhxh.esign import selectors, services
from ebhxh.esign.errors import EsignError, InvalidRequest, UnsupportedGrantType
from ebhxh.esign.keystore import certificate_of, chain_of
from ebhxh.esign.models import Credential, HolderAccount, SigningRequest
from ebhxh.signers.certificates import subject_summary

MAX_BODY_BYTES = 256 * 1024
CERTIFICATE_CHOICES = ("none", "single", "chain")
Handler = Callable[[HttpRequest, HolderAccount, dict[str, Any]], tuple[dict[str, Any], int]]


def _json(payload: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def error_response(error: EsignError) -> JsonResponse:
    payload = {"error": error.code, "error_description": error.message}
    if error.field:
        payload["error_field"] = error.field
    response = _json(payload, error.http_status)
    if error.http_status == 401:
        response["WWW-Authenticate"] = f'Bearer error="{error.code}"'
    return response


def _not_allowed() -> JsonResponse:
    response = error_response(InvalidRequest(_("Chỉ chấp nhận phương thức POST.")))
    response.status_code = 405
    response["Allow"] = "POST"
    return response


def _bearer(request: HttpRequest) -> str:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_BODY_BYTES:
        raise InvalidRequest(_("Yêu cầu quá lớn."))
    try:
        data = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest(_("Nội dung yêu cầu không phải JSON hợp lệ.")) from None
    if not isinstance(data, dict):
        raise InvalidRequest(_("Nội dung yêu cầu phải là một đối tượng JSON."))
    return data


def csc_method(handler: Handler) -> Callable[[HttpRequest], HttpResponse]:
    """POST, JSON in and out, bearer token required; EsignError becomes the JSON error."""

    @csrf_exempt
    @wraps(handler)
    def view(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return _not_allowed()
        try:
            holder = selectors.holder_for_token(_bearer(request))
            payload, status = handler(request, holder, _body(request))
        except EsignError as error:
            return error_response(error)
        return _json(payload, status)

    return view


# --- field readers ------------------------------------------------------------------------------


def _text(data: dict[str, Any], name: str, *, required: bool = True, default: str = "") -> str:
    value = data.get(name, default)
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidRequest(_("Thiếu hoặc sai tham số %(name)s.") % {"name": name}, field=name)
    return value


def _chained_to(data: dict[str, Any]) -> str:
    """The optional `chainedTo` (a requestID); absent, null or empty means no chaining."""
    if data.get("chainedTo") is None:
        return ""
    return _text(data, "chainedTo", required=False).strip()[:64]


def _flag(data: dict[str, Any], name: str, default: bool = False) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise InvalidRequest(_("Tham số %(name)s phải là true/false.") % {"name": name}, field=name)
    return value


def _int(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidRequest(_("Thiếu hoặc sai tham số %(name)s.") % {"name": name}, field=name)
    return value


def _hashes(data: dict[str, Any]) -> list[bytes]:
    values = data.get("hashes")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InvalidRequest(_("hashes phải là danh sách giá trị base64."), field="hashes")
    try:
        return [base64.b64decode(value, validate=True) for value in values]
    except (binascii.Error, ValueError):
        raise InvalidRequest(
            _("hashes phải là danh sách giá trị base64."), field="hashes"
        ) from None


def _certificates_choice(data: dict[str, Any]) -> str:
    choice = _text(data, "certificates", required=False, default="single")
    if choice not in CERTIFICATE_CHOICES:
        raise InvalidRequest(
            _("certificates phải là none, single hoặc chain."), field="certificates"
        )
    return choice


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _generalized_time(moment: datetime) -> str:
    """CSC dates are X.509 GeneralizedTime strings in UTC."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%SZ")


def credential_info(
    credential: Credential, *, certificates: str, cert_info: bool
) -> dict[str, Any]:
    """The credentials/info object (also one entry of credentials/list's credentialInfos)."""
    certificate = certificate_of(credential)
    now = timezone.now()
    usable = credential.enabled and credential.valid_from <= now <= credential.valid_to
    cert: dict[str, Any] = {
        "status": "valid" if credential.valid_from <= now <= credential.valid_to else "expired"
    }
    if certificates != "none":
        chain = chain_of(credential) if certificates == "chain" else ()
        cert["certificates"] = [_b64(c.public_bytes(Encoding.DER)) for c in (certificate, *chain)]
    if cert_info:
        cert.update(
            issuerDN=credential.issuer_dn,
            serialNumber=credential.serial_number,
            subjectDN=credential.subject_dn,
            validFrom=_generalized_time(credential.valid_from),
            validTo=_generalized_time(credential.valid_to),
        )
    return {
        "description": credential.description or subject_summary(certificate.subject),
        "key": {
            "status": "enabled" if usable else "disabled",
            "algo": [services.RSA_ENCRYPTION_OID, services.SHA256_WITH_RSA_OID],
            "len": credential.key_bits,
        },
        "cert": cert,
        "authMode": "implicit",
        "SCAL": "2",
        "multisign": services.MAX_HASHES,
        "lang": "vi",
    }


def _pending(request: SigningRequest, expires_in: int) -> dict[str, Any]:
    return {
        "requestID": str(request.public_id),
        "status": "pending",
        "expiresIn": expires_in,
        "interval": services.POLL_INTERVAL_SECONDS,
        "procedureCode": request.procedure_code,
        "requiredConfirmations": request.required_confirmations,
        "confirmationsReceived": request.confirmations_received,
    }


def _seconds_left(moment: datetime | None) -> int:
    if moment is None:
        return 0
    return max(0, int((moment - timezone.now()).total_seconds()))


def _authorized(request: SigningRequest) -> dict[str, Any]:
    """A continuation is granted at once: the SAD is one authorizeCheck away."""
    if not request.is_continuation:
        return _pending(request, _seconds_left(request.expires_at))
    assert request.chained_from is not None
    return {
        **_pending(request, _seconds_left(request.sad_expires_at)),
        "status": "confirmed",
        "interval": 0,
        "chainedTo": str(request.chained_from.public_id),
    }


# --- endpoints ------------------------------------------------------------------------------


@csrf_exempt
def oauth2_token(request: HttpRequest) -> HttpResponse:
    """OAuth 2.0 resource-owner password grant (RFC 6749 §4.3) for a holder account."""
    if request.method != "POST":
        return _not_allowed()
    try:
        if request.POST.get("grant_type") != "password":
            raise UnsupportedGrantType()
        issued = services.token_issue(
            username=request.POST.get("username", ""),
            password=request.POST.get("password", ""),
        )
    except EsignError as error:
        return error_response(error)
    return _json(
        {
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
        }
    )


@csc_method
def credentials_list(
    request: HttpRequest, holder: HolderAccount, data: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    certificates = _certificates_choice(data)
    cert_info = _flag(data, "certInfo")
    credentials = list(selectors.holder_credentials(holder))
    payload: dict[str, Any] = {"credentialIDs": [c.credential_id for c in credentials]}
    if _flag(data, "credentialInfo"):
        payload["credentialInfos"] = [
            {
                "credentialID": c.credential_id,
                **credential_info(c, certificates=certificates, cert_info=cert_info),
            }
            for c in credentials
        ]
    return payload, 200


@csc_method
def credentials_info(
    request: HttpRequest, holder: HolderAccount, data: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    credential = selectors.holder_credential(holder, _text(data, "credentialID"))
    info = credential_info(
        credential, certificates=_certificates_choice(data), cert_info=_flag(data, "certInfo")
    )
    return info, 200


@csc_method
def credentials_authorize(
    request: HttpRequest, holder: HolderAccount, data: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """Always asynchronous: 202 with the request id; the device confirms later, unless the
    request continues the previous one of the same dossier (`chainedTo`, docs/esign.md)."""
    signing_request = services.signing_request_create(
        holder=holder,
        credential_id=_text(data, "credentialID"),
        hashes=_hashes(data),
        hash_algorithm_oid=_text(data, "hashAlgorithmOID"),
        num_signatures=_int(data, "numSignatures"),
        procedure_code=_text(data, "procedureCode"),
        unit_name=_text(data, "unitName"),
        unit_tax_code=_text(data, "unitTaxCode", required=False),
        description=_text(data, "description", required=False),
        chained_to=_chained_to(data),
    )
    return _authorized(signing_request), 202


@csc_method
def credentials_authorize_check(
    request: HttpRequest, holder: HolderAccount, data: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """202 while the device has not confirmed every time; 200 with the SAD once."""
    state = services.signing_request_check(
        holder=holder,
        credential_id=_text(data, "credentialID"),
        request_id=_text(data, "requestID"),
    )
    if state.sad is None:
        return _pending(state.request, state.expires_in), 202
    return {"SAD": state.sad, "expiresIn": state.expires_in}, 200


@csc_method
def signatures_sign_hash(
    request: HttpRequest, holder: HolderAccount, data: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    signatures = services.signatures_sign_hash(
        holder=holder,
        credential_id=_text(data, "credentialID"),
        sad=_text(data, "SAD"),
        hashes=_hashes(data),
        hash_algorithm_oid=_text(data, "hashAlgorithmOID"),
        sign_algo=_text(data, "signAlgo"),
    )
    return {"signatures": [_b64(signature) for signature in signatures]}, 200
