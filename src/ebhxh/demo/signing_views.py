"""Demo page: sign a sample Hoso with a USB token through the local signer agent.

The page talks to the agent (`ebhxh signer-agent`) from the browser; this server only sees
certificates and signatures. It prepares the Hoso for the chosen certificate, keeps the
prepared bytes in the user's session (never in a global: two users sign two documents), hands
out the SignedInfo digest, then assembles and verifies what comes back exactly as the gateway
would. Setting read here: `SIGNER_AGENT_URL` (default http://127.0.0.1:8765).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from cryptography import x509
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from lxml import etree

from ebhxh.demo.pki import demo_pki
from ebhxh.pki.errors import RejectionError
from ebhxh.pki.identity import identity_of
from ebhxh.vntime import VIETNAM_TZ
from ebhxh.xmldsig import (
    ENVELOPE,
    PreparedSignature,
    assemble_signature,
    prepare_signature,
    verify_xml,
)

DEFAULT_AGENT_URL = "http://127.0.0.1:8765"
SESSION_KEY = "demo_sign_with_token"
MAX_BODY = 64 * 1024
MAX_CHAIN = 7
PROCEDURE = "600"  # Mẫu TK3-TS: đăng ký tham gia BHXH, BHYT (the demo's sample dossier)


@require_http_methods(["GET", "POST"])
def sign_with_token(request: HttpRequest) -> HttpResponse:
    """GET: the page (or `?tai-ve=1`: the signed XML); POST JSON: prepare, then complete."""
    if request.method == "POST":
        return _post(request)
    if request.GET.get("tai-ve"):
        return _download(request)
    agent_url = getattr(settings, "SIGNER_AGENT_URL", DEFAULT_AGENT_URL)
    return render(
        request,
        "demo/sign_with_token.html",
        {"agent_url": agent_url, "pki_ready": demo_pki() is not None},
    )


def _error(code: str, message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "code": code, "message": message}, status=status)


def _post(request: HttpRequest) -> JsonResponse:
    if len(request.body) > MAX_BODY:
        return _error("BODY_TOO_LARGE", "Yêu cầu quá lớn.", 413)
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _error("BAD_REQUEST", "Yêu cầu không phải JSON hợp lệ.")
    if not isinstance(data, dict):
        return _error("BAD_REQUEST", "Yêu cầu không phải JSON hợp lệ.")
    if data.get("action") == "prepare":
        return _prepare(request, data)
    if data.get("action") == "complete":
        return _complete(request, data)
    return _error("BAD_REQUEST", "Thao tác không hợp lệ.")


def _certificate(value: object) -> x509.Certificate:
    if not isinstance(value, str):
        raise ValueError("certificate")
    return x509.load_der_x509_certificate(base64.b64decode(value, validate=True))


def _prepare(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    """Build the sample Hoso for the certificate the user chose and return its digest."""
    chain_values = data.get("chain") or []
    try:
        if not isinstance(chain_values, list) or len(chain_values) > MAX_CHAIN:
            raise ValueError("chain")
        certificate = _certificate(data.get("certificate"))
        chain = tuple(_certificate(value) for value in chain_values)
    except (ValueError, binascii.Error):
        return _error("CERTIFICATE_INVALID", "Chứng thư số gửi lên không đọc được.")
    now = datetime.now(VIETNAM_TZ).replace(microsecond=0)
    try:
        prepared = prepare_signature(
            sample_hoso(certificate, now),
            certificate=certificate,
            chain=chain,
            location=ENVELOPE,
            signing_time=now,
        )
    except RejectionError as error:
        return _error(error.code, error.message)
    request.session[SESSION_KEY] = {
        "prepared": base64.b64encode(prepared.to_bytes()).decode("ascii")
    }
    identity = identity_of(certificate)
    return JsonResponse(
        {
            "ok": True,
            "digest": base64.b64encode(prepared.digest).decode("ascii"),
            "description": f"Hồ sơ {PROCEDURE} (trình diễn) của {identity.common_name}",
        }
    )


def sample_hoso(certificate: x509.Certificate, now: datetime) -> bytes:
    """A small dossier envelope naming the certificate's holder, as a unit would submit it."""
    identity = identity_of(certificate)
    hoso = etree.Element("Hoso")
    content = etree.SubElement(hoso, "NoiDung")
    unit = etree.SubElement(content, "ThongTinDonVi")
    etree.SubElement(unit, "TenDoiTuong").text = identity.organization or identity.common_name
    if identity.tax_code:
        etree.SubElement(unit, "MaSoThue").text = identity.tax_code
    if identity.citizen_id:
        etree.SubElement(unit, "SoCCCD").text = identity.citizen_id
    dossier = etree.SubElement(content, "ThongTinHoSo")
    etree.SubElement(dossier, "MaThuTuc").text = PROCEDURE
    etree.SubElement(dossier, "NgayLap").text = now.date().isoformat()
    etree.SubElement(dossier, "GhiChu").text = "Hồ sơ trình diễn ký bằng USB Token"
    etree.SubElement(hoso, "CKy_Dvi")
    return bytes(etree.tostring(hoso, xml_declaration=True, encoding="UTF-8"))


def _complete(request: HttpRequest, data: dict[str, Any]) -> JsonResponse:
    """Insert the agent's signature, then verify the result as the BHXH gateway would."""
    stored = request.session.get(SESSION_KEY) or {}
    if "prepared" not in stored:
        return _error("NOT_PREPARED", "Chưa có hồ sơ chờ ký. Bấm “Ký hồ sơ” lại từ đầu.", 409)
    pki = demo_pki()
    if pki is None:
        return _error(
            "DEMO_PKI_MISSING", "Chưa có hạ tầng chứng thư số trình diễn: chạy `ebhxh demo`.", 503
        )
    try:
        signature = base64.b64decode(str(data.get("signature", "")), validate=True)
    except (ValueError, binascii.Error):
        return _error("SIGNATURE_INVALID", "Chữ ký nhận từ ứng dụng ký số không đọc được.")
    try:
        prepared = PreparedSignature.from_bytes(base64.b64decode(stored["prepared"]))
        signed = assemble_signature(prepared, signature)
        verified = verify_xml(signed, checker=pki.validator(), location=ENVELOPE)
    except RejectionError as error:
        return _error(error.code, error.message, 422)
    stored = {"signed": base64.b64encode(signed).decode("ascii")}
    request.session[SESSION_KEY] = stored
    identity = verified.validated.identity
    signing_time = verified.signing_time
    return JsonResponse(
        {
            "ok": True,
            "signer": identity.common_name,
            "organization": identity.organization,
            "tax_code": identity.tax_code,
            "citizen_id": identity.citizen_id,
            "signing_time": signing_time.astimezone(VIETNAM_TZ).strftime("%H:%M:%S %d/%m/%Y")
            if signing_time
            else None,
            "fingerprint_sha256": verified.validated.fingerprint_sha256,
            "download_url": f"{request.path}?tai-ve=1",
        }
    )


def _download(request: HttpRequest) -> HttpResponse:
    stored = request.session.get(SESSION_KEY) or {}
    if "signed" not in stored:
        return HttpResponse("Chưa có hồ sơ đã ký.", status=404, content_type="text/plain")
    response = HttpResponse(base64.b64decode(stored["signed"]), content_type="application/xml")
    response["Content-Disposition"] = 'attachment; filename="hoso-da-ky.xml"'
    return response
