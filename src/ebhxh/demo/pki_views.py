"""Demo-only endpoints of the demo CAs (CRL, OCSP) and a page listing the demo certificates."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ebhxh.demo.pki import demo_pki, ocsp_responder
from ebhxh.pki.demo import DemoPki

MAX_OCSP_REQUEST = 16 * 1024


def _pki() -> DemoPki:
    pki = demo_pki()
    if pki is None:
        raise Http404("Chưa có hạ tầng chứng thư số trình diễn: chạy `ebhxh demo`.")
    return pki


def _ca_slugs(pki: DemoPki) -> set[str]:
    return {crl.issuer for crl in pki.crls}


def certificates(request: HttpRequest) -> HttpResponse:
    pki = _pki()
    holders = [e for e in pki.entities if e.role not in {"root", "ca"}]
    return render(request, "demo/pki.html", {"pki": pki, "holders": holders, "crls": pki.crls})


def download(request: HttpRequest, slug: str, kind: str) -> FileResponse:
    pki = _pki()
    try:
        entity = pki.entity(slug)
    except KeyError:
        raise Http404("Không có chứng thư này.") from None
    files = {"p12": entity.files.pkcs12, "pem": entity.files.certificate_pem}
    if kind not in files:
        raise Http404("Không có loại tệp này.")
    path = pki.path(files[kind])
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


def crl(request: HttpRequest, ca: str) -> FileResponse:
    pki = _pki()
    current = next((c for c in pki.crls if c.issuer == ca), None)
    if current is None:
        raise Http404("Không có CRL của tổ chức này.")
    return FileResponse(pki.path(current.der).open("rb"), content_type="application/pkix-crl")


@csrf_exempt
@require_POST
def ocsp(request: HttpRequest, ca: str) -> HttpResponse:
    pki = _pki()
    if ca not in _ca_slugs(pki):
        raise Http404("Không có dịch vụ OCSP của tổ chức này.")
    body = request.body[: MAX_OCSP_REQUEST + 1]
    if len(body) > MAX_OCSP_REQUEST:
        return HttpResponse(status=413)
    answer = ocsp_responder(ca).respond(body)
    return HttpResponse(answer, content_type="application/ocsp-response")
