"""Demo holder accounts of the remote-signing service, loaded by `ebhxh demo`.

Sao Mai has two certificates (VNPT-CA and Viettel-CA), so linking its account asks which one
to use, as seed 002 describes; Nguyễn Thị Hương has one personal certificate. Keys come from
the demo PKI's PKCS#12 files and are stored sealed (AES-GCM), like any imported key.
Published demo secrets, shown on /esign/ in demo mode and in docs/esign.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ebhxh.audit.services import SYSTEM_ACTOR
from ebhxh.esign import services
from ebhxh.esign.models import Credential, HolderAccount
from ebhxh.pki.demo import DemoPki, load_if_complete


@dataclass(frozen=True)
class DemoHolder:
    username: str
    password: str
    pin: str
    full_name: str
    certificates: tuple[str, ...]  # demo PKI slugs


DEMO_HOLDERS: tuple[DemoHolder, ...] = (
    DemoHolder(
        username="saomai",
        password="demo-saomai",  # noqa: S106 - a published demo password
        pin="123456",
        full_name="CÔNG TY TNHH CÔNG NGHỆ SAO MAI (DEMO)",
        certificates=("sao-mai-vnpt", "sao-mai-viettel"),
    ),
    DemoHolder(
        username="nguyen-thi-huong",
        password="demo-nguyen-thi-huong",  # noqa: S106 - a published demo password
        pin="123456",
        full_name="Nguyễn Thị Hương (DEMO)",
        certificates=("nguyen-thi-huong",),
    ),
)
_DESCRIPTIONS = {
    "sao-mai-vnpt": "Sao Mai — VNPT-CA (DEMO)",
    "sao-mai-viettel": "Sao Mai — Viettel-CA (DEMO)",
    "nguyen-thi-huong": "Nguyễn Thị Hương — VNPT-CA (DEMO)",
}


def load(*, log: Callable[[str], None]) -> None:
    """Create the demo holders and their credentials; safe to run on every demo start."""
    pki = load_if_complete(Path(settings.DEMO_PKI_DIR))
    if pki is None:
        log("eSign: chưa có hạ tầng chứng thư số trình diễn, bỏ qua tài khoản ký số từ xa.")
        return
    created: list[str] = []
    for demo in DEMO_HOLDERS:
        holder = HolderAccount.objects.filter(username=demo.username).first()
        if holder is None:
            holder = services.holder_create(
                actor=SYSTEM_ACTOR,
                username=demo.username,
                full_name=demo.full_name,
                password=demo.password,
                pin=demo.pin,
            )
            created.append(f"{demo.username} / {demo.password} (PIN {demo.pin})")
        for slug in demo.certificates:
            _ensure_credential(holder, pki, slug)
    if created:
        log(f"eSign: đã tạo tài khoản ký số từ xa {'; '.join(created)}.")


def _ensure_credential(holder: HolderAccount, pki: DemoPki, slug: str) -> None:
    entity = pki.entity(slug)
    if Credential.objects.filter(
        holder=holder, fingerprint_sha256=entity.fingerprint_sha256
    ).exists():
        return
    services.credential_add_from_pkcs12(
        actor=SYSTEM_ACTOR,
        holder=holder,
        p12=pki.path(entity.files.pkcs12).read_bytes(),
        password=entity.p12_password,
        description=_DESCRIPTIONS.get(slug, entity.common_name),
    )
