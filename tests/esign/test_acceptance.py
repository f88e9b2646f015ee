"""The whole path over real HTTP: an I-VAN's CscClient links Sao Mai's account, picks the
second of its two certificates and signs two dossiers while the holder's phone confirms on
the device page, once for a registration (04/ĐK-IVAN) and twice for a business dossier (600).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

import pytest

from ebhxh.esign.models import DeviceConfirmation, HolderAccount, SigningRequest
from ebhxh.pki.demo import DemoPki
from ebhxh.signers.remote import CscClient, RemoteSigner, SigningProgress
from ebhxh.vntime import VIETNAM_TZ
from ebhxh.xmldsig import ENVELOPE, sign_xml, verify_xml
from tests.esign.support import (
    API_PATH,
    PASSWORD,
    SAO_MAI_NAME,
    SAO_MAI_TAX_CODE,
    Device,
    SerialTransport,
    hoso,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WAIT = 20.0


class Phone(threading.Thread):
    """Waits for a request on the device page, then confirms it `times` times.

    `before(n)` runs before confirmation n, so the test can hold the second confirmation
    until the client has seen the first one.
    """

    def __init__(self, device: Device, *, times: int, before: Callable[[int], None]) -> None:
        super().__init__(daemon=True)
        self.device = device
        self.times = times
        self.before = before
        self.seen_steps: list[list[str]] = []
        self.still_listed_before: list[bool] = []
        self.error: BaseException | None = None
        self.request_id = ""

    def run(self) -> None:
        try:
            self.request_id = self._wait_for_request()
            for n in range(1, self.times + 1):
                self.before(n)
                self.still_listed_before.append(self.request_id in self.device.pending())
                self.seen_steps.append(self.device.steps())
                self.device.confirm(self.request_id)
        except BaseException as exc:  # reported by the test thread
            self.error = exc

    def _wait_for_request(self) -> str:
        stop = threading.Event()
        for _ in range(int(WAIT / 0.05)):
            found = self.device.pending()
            if found:
                return found[0]
            stop.wait(0.05)
        raise AssertionError("no signing request reached the device")


def _sign(
    client: CscClient,
    device: Device,
    credential_index: int,
    *,
    procedure_code: str,
    procedure_name: str,
    confirmations: int,
) -> tuple[bytes, list[SigningProgress], Phone]:
    progress: list[SigningProgress] = []
    seen = [threading.Event() for _ in range(confirmations + 1)]

    def on_progress(step: SigningProgress) -> None:
        progress.append(step)
        if step.stage == "waiting":
            seen[step.confirmations_received].set()

    def before(n: int) -> None:
        # Confirmation n only once the client has polled and seen n-1 confirmations.
        assert seen[n - 1].wait(WAIT), f"the client never saw {n - 1} confirmation(s)"

    credential = client.list_credentials()[credential_index]
    signer = RemoteSigner(
        client,
        credential,
        procedure_code=procedure_code,
        unit_name=SAO_MAI_NAME,
        unit_tax_code=SAO_MAI_TAX_CODE,
        on_progress=on_progress,
        poll_interval=0.05,
    )
    phone = Phone(device, times=confirmations, before=before)
    phone.start()
    signed = sign_xml(
        hoso(procedure_code=procedure_code, procedure_name=procedure_name),
        signer,
        location=ENVELOPE,
        signing_time=datetime.now(VIETNAM_TZ).replace(microsecond=0),
    )
    phone.join(WAIT)
    assert phone.error is None, phone.error
    return signed, progress, phone


def test_two_certificates_pick_the_second_sign_with_one_and_two_confirmations(
    live_server, saomai: HolderAccount, demo_pki: DemoPki
) -> None:
    lock = threading.Lock()
    client = CscClient(live_server.url + API_PATH, transport=SerialTransport(lock))
    device = Device(live_server.url, transport=SerialTransport(lock))
    client.login("saomai", PASSWORD)

    credentials = client.list_credentials()
    assert [c.certificate for c in credentials] == [
        demo_pki.certificate("sao-mai-vnpt"),
        demo_pki.certificate("sao-mai-viettel"),
    ]
    chosen = credentials[1]
    assert "MST:0109234567" in chosen.subject
    assert chosen.chain == demo_pki.chain("sao-mai-viettel")
    assert chosen.valid_from < datetime.now(VIETNAM_TZ) < chosen.valid_to
    assert "Xin chào" in device.login("saomai")

    # Registration dossier: one confirmation on the device is enough.
    signed, progress, phone = _sign(
        client,
        device,
        1,
        procedure_code="04/ĐK-IVAN",
        procedure_name="Đăng ký sử dụng phương thức giao dịch điện tử",
        confirmations=1,
    )
    assert [p.status for p in progress] == ["waiting 1/1", "signing", "signed"]
    assert phone.seen_steps == [["Xác nhận lần 1/1"]]
    verified = verify_xml(signed, checker=demo_pki.validator(), location=ENVELOPE)
    assert verified.validated.certificate == chosen.certificate
    assert verified.validated.identity.tax_code == SAO_MAI_TAX_CODE
    assert b"<MaThuTuc>04/\xc4\x90K-IVAN</MaThuTuc>" in verified.content

    # Business dossier 600: still pending after the first confirmation, signed after the second.
    signed, progress, phone = _sign(
        client,
        device,
        1,
        procedure_code="600",
        procedure_name="Báo tăng, báo giảm, điều chỉnh đóng BHXH",
        confirmations=2,
    )
    assert [p.status for p in progress] == ["waiting 1/2", "waiting 2/2", "signing", "signed"]
    assert phone.seen_steps == [["Xác nhận lần 1/2"], ["Xác nhận lần 2/2"]]
    assert phone.still_listed_before == [True, True]  # pending on the device until the 2nd
    verified = verify_xml(signed, checker=demo_pki.validator(), location=ENVELOPE)
    assert verified.validated.certificate == chosen.certificate

    with lock:
        requests = {r.procedure_code: r for r in SigningRequest.objects.all()}
        assert {code: (r.status, r.required_confirmations) for code, r in requests.items()} == {
            "04/ĐK-IVAN": ("used", 1),
            "600": ("used", 2),
        }
        assert all(
            r.credential.fingerprint_sha256 == demo_pki.entity("sao-mai-viettel").fingerprint_sha256
            for r in requests.values()
        )
        assert DeviceConfirmation.objects.filter(request=requests["600"]).count() == 2
        assert DeviceConfirmation.objects.filter(request=requests["04/ĐK-IVAN"]).count() == 1
    client.close()
    device.close()
