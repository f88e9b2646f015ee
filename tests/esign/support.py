"""Helpers for the esign tests: holders made from the demo PKI, a small Hoso, a device
driven over HTTP like a phone's browser, and a CSC client wired to the app.
"""

from __future__ import annotations

import re
import threading
from base64 import b64encode
from collections.abc import Callable, Iterable
from typing import Any

import httpx
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from ebhxh.audit.services import SYSTEM_ACTOR
from ebhxh.esign import services
from ebhxh.esign.models import Credential, HolderAccount
from ebhxh.pki.demo import DemoPki
from ebhxh.signers.remote import CscClient

PASSWORD = "mat-khau-esign-1"
PIN = "246810"
SAO_MAI = ("sao-mai-vnpt", "sao-mai-viettel")
SAO_MAI_NAME = "CÔNG TY TNHH CÔNG NGHỆ SAO MAI (DEMO)"
SAO_MAI_TAX_CODE = "0109234567"
API_PATH = "/esign/csc/v2"


def make_holder(
    pki: DemoPki, username: str, slugs: Iterable[str], *, full_name: str = ""
) -> HolderAccount:
    """A holder whose keys are the demo PKI's, imported from their .p12 files."""
    holder = services.holder_create(
        actor=SYSTEM_ACTOR,
        username=username,
        full_name=full_name or username,
        password=PASSWORD,
        pin=PIN,
    )
    for slug in slugs:
        entity = pki.entity(slug)
        services.credential_add_from_pkcs12(
            actor=SYSTEM_ACTOR,
            holder=holder,
            p12=pki.path(entity.files.pkcs12).read_bytes(),
            password=entity.p12_password,
            description=slug,
        )
    return holder


def credential_of(holder: HolderAccount, slug: str) -> Credential:
    return Credential.objects.get(holder=holder, description=slug)


def hoso(*, procedure_code: str, procedure_name: str, tax_code: str = SAO_MAI_TAX_CODE) -> bytes:
    """A small dossier envelope (DESIGN.md §2) with an empty CKy_Dvi for the signature."""
    form = b64encode(b"<ToKhai><MaToKhai>TK1-TS</MaToKhai></ToKhai>").decode()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Hoso>
  <NoiDung>
    <ThongTinIVAN><MaIVAN>00110</MaIVAN><TenIVAN>Công ty Cổ phần MISA</TenIVAN></ThongTinIVAN>
    <ThongTinDonVi>
      <TenDoiTuong>{SAO_MAI_NAME}</TenDoiTuong>
      <MaSoBHXH>TA0123K</MaSoBHXH>
      <MaSoThue>{tax_code}</MaSoThue>
      <NguoiKy>Trần Minh Sao</NguoiKy>
    </ThongTinDonVi>
    <ThongTinHoSo>
      <TenThuTuc>{procedure_name}</TenThuTuc>
      <MaThuTuc>{procedure_code}</MaThuTuc>
      <KyKeKhai>06/2025</KyKeKhai>
      <NgayLap>01/06/2025</NgayLap>
      <SoLuongFile>1</SoLuongFile>
      <ToKhais>
        <FileToKhai>
          <MaToKhai>TK1-TS</MaToKhai><MoTaToKhai>Tờ khai</MoTaToKhai><TenFile>TK1-TS.xml</TenFile>
          <LoaiFile>xml</LoaiFile><DoDaiFile>44</DoDaiFile><NoiDungFile>{form}</NoiDungFile>
        </FileToKhai>
      </ToKhais>
    </ThongTinHoSo>
  </NoiDung>
  <CKy_Dvi/>
</Hoso>
""".encode()


class InProcessApp:
    """The Django app as WSGI for httpx, in this thread and this test's transaction.

    Like Django's test client, it keeps the end-of-request signal from closing the database
    connection, which would end the test's transaction (on PostgreSQL).
    """

    def __init__(self) -> None:
        self.handler = WSGIHandler()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = self.handler(environ, start_response)
            body = b"".join(result)
            result.close()
            return [body]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def in_process_client() -> CscClient:
    """A CscClient that calls the Django app in this thread (same database connection)."""
    return CscClient(
        f"http://testserver{API_PATH}", transport=httpx.WSGITransport(app=InProcessApp())
    )


class SerialTransport(httpx.HTTPTransport):
    """One request at a time across every client sharing `lock`.

    On SQLite the live server's threads share the test's single in-memory connection, which
    cannot hold two transactions at once; serialising the requests keeps the test about the
    service's rules rather than that test-only arrangement. The device still acts in its own
    thread while the client polls, between the client's requests.
    """

    def __init__(self, lock: threading.Lock) -> None:
        super().__init__()
        self._lock = lock

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            response = super().handle_request(request)
            response.read()
            return response


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_REQUEST = re.compile(r'data-request-id="([0-9a-f-]{36})"')
_STEP = re.compile(r'<p class="step">([^<]+)</p>')


class Device:
    """The holder's phone: the device page driven through its HTML forms over HTTP."""

    def __init__(self, base_url: str, *, transport: httpx.BaseTransport | None = None) -> None:
        self.http = httpx.Client(base_url=base_url, transport=transport, follow_redirects=True)
        self.page = ""

    def open(self) -> str:
        self.page = self.http.get("/esign/thiet-bi/").text
        return self.page

    def _csrf(self) -> str:
        match = _CSRF.search(self.page or self.open())
        assert match, "the device page has no CSRF token"
        return match.group(1)

    def login(self, username: str, password: str = PASSWORD) -> str:
        self.open()
        response = self.http.post(
            "/esign/thiet-bi/dang-nhap/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": self._csrf()},
        )
        self.page = response.text
        return self.page

    def pending(self) -> list[str]:
        return _REQUEST.findall(self.open())

    def steps(self) -> list[str]:
        return [step.strip() for step in _STEP.findall(self.page)]

    def confirm(self, request_id: str, pin: str = PIN) -> str:
        response = self.http.post(
            f"/esign/thiet-bi/yeu-cau/{request_id}/dong-y/",
            data={"pin": pin, "csrfmiddlewaretoken": self._csrf()},
        )
        self.page = response.text
        return self.page

    def deny(self, request_id: str) -> str:
        response = self.http.post(
            f"/esign/thiet-bi/yeu-cau/{request_id}/tu-choi/",
            data={"csrfmiddlewaretoken": self._csrf()},
        )
        self.page = response.text
        return self.page

    def close(self) -> None:
        self.http.close()
