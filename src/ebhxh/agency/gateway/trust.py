"""The gateway's trust store and its one certificate validator per process.

Built once from `GATEWAY_TRUST_*` (the demo PKI when those are empty in the demo) and shared
by every request thread, so its cache of validated certificates makes verifying a dossier
cost little more than the RSA operation. CRL files are re-read when they change on disk
(checked at most every `GATEWAY_TRUST_RELOAD_SECONDS`): an operator or a cron job drops a
fresh CRL in place and the running workers pick it up.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ebhxh.agency.gateway.errors import GatewayError
from ebhxh.pki.demo import load_if_complete
from ebhxh.pki.loading import load_crls
from ebhxh.pki.validation import CertificateValidator

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrustConfig:
    anchors: tuple[Path, ...]
    intermediates: tuple[Path, ...]
    crls: tuple[Path, ...]
    ocsp_enabled: bool


def _paths(values: list[str]) -> tuple[Path, ...]:
    return tuple(Path(value) for value in values if value)


def _settings_key() -> tuple[object, ...]:
    return (
        tuple(settings.GATEWAY_TRUST_ANCHORS),
        tuple(settings.GATEWAY_TRUST_INTERMEDIATES),
        tuple(settings.GATEWAY_TRUST_CRLS),
        settings.GATEWAY_OCSP_ENABLED,
        settings.DEMO,
        str(settings.DEMO_PKI_DIR),
    )


def trust_config() -> TrustConfig:
    """The configured trust store; in the demo without configuration, the demo PKI."""
    anchors = _paths(settings.GATEWAY_TRUST_ANCHORS)
    if anchors:
        return TrustConfig(
            anchors=anchors,
            intermediates=_paths(settings.GATEWAY_TRUST_INTERMEDIATES),
            crls=_paths(settings.GATEWAY_TRUST_CRLS),
            ocsp_enabled=settings.GATEWAY_OCSP_ENABLED,
        )
    pki = load_if_complete(Path(settings.DEMO_PKI_DIR)) if settings.DEMO else None
    if pki is None:
        raise GatewayError(
            "SYS001",
            "chưa cấu hình kho chứng thư tin cậy (GATEWAY_TRUST_ANCHORS)",
        )
    return TrustConfig(
        anchors=(pki.path(pki.anchors_pem),),
        intermediates=(pki.path(pki.intermediates_pem),),
        crls=tuple(pki.path(crl.der) for crl in pki.crls),
        ocsp_enabled=settings.GATEWAY_OCSP_ENABLED,
    )


def _crl_files(config: TrustConfig) -> dict[Path, float]:
    """Every CRL file (folders expanded) with its modification time."""
    found: dict[Path, float] = {}
    for path in config.crls:
        candidates = sorted(path.iterdir()) if path.is_dir() else [path]
        for candidate in candidates:
            if candidate.is_file() and candidate.suffix.lower() in {".crl", ".pem", ".der"}:
                found[candidate] = candidate.stat().st_mtime
    return found


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple[object, ...] | None = None
        self.config: TrustConfig | None = None
        self.validator: CertificateValidator | None = None
        self.crl_mtimes: dict[Path, float] = {}
        self.checked_at = 0.0


_store = _Store()


def validator() -> CertificateValidator:
    """The process's validator, built on first use and rebuilt when the settings change."""
    key = _settings_key()
    current = _store.validator
    if current is not None and _store.key == key:
        if time.monotonic() - _store.checked_at >= settings.GATEWAY_TRUST_RELOAD_SECONDS:
            _refresh_crls()
        return current
    with _store.lock:
        if _store.validator is None or _store.key != key:
            config = trust_config()
            crl_files = _crl_files(config)
            built = CertificateValidator.from_files(
                anchors=config.anchors,
                intermediates=config.intermediates,
                crls=list(crl_files),
                ocsp_enabled=config.ocsp_enabled,
            )
            _store.config, _store.crl_mtimes = config, crl_files
            _store.validator, _store.key = built, key
            _store.checked_at = time.monotonic()
        return _store.validator


def _refresh_crls() -> None:
    """Add CRL files that changed since the last look; the validator keeps the newest."""
    with _store.lock:
        if _store.config is None or _store.validator is None:
            return
        _store.checked_at = time.monotonic()
        try:
            files = _crl_files(_store.config)
        except OSError:
            logger.exception("Không đọc được thư mục danh sách thu hồi (CRL)")
            return
        changed = [path for path, mtime in files.items() if _store.crl_mtimes.get(path) != mtime]
        for crl in load_crls(*changed) if changed else ():
            try:
                _store.validator.add_crl(crl)
            except ValueError:
                logger.warning("Bỏ qua CRL không dùng được: %s", crl.issuer.rfc4514_string())
        _store.crl_mtimes = files


def reset() -> None:
    """Forget the validator (tests, or after replacing the trust anchors)."""
    with _store.lock:
        _store.key = _store.config = _store.validator = None
        _store.crl_mtimes = {}
