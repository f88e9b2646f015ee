"""Is this signer certificate trustworthy at the signing time? One answer, or a CRT* code.

The gateway and the I-VAN's pre-submit check use the same validator, so a unit sees the
agency's verdict before it submits. Order of checks (the first failure decides the code):

1. path leaf -> intermediates -> trust anchor, with `cryptography.x509.verification` at the
   signing time (signatures, cA, keyCertSign, pathLen, name constraints, critical
   extensions, weak algorithms) -> CRT001; when no path is valid at the signing time, the
   path is searched again at a moment inside the leaf's validity so the failure can be
   pinned on one certificate's dates -> CRT002 expired / CRT003 not yet valid;
2. the leaf's keyUsage: digitalSignature and nonRepudiation -> CRT006;
3. revocation of every certificate below the anchor: a current CRL signed by its issuer,
   else (if enabled) the issuer's OCSP responder -> CRT004 revoked, CRT005 unknown.

Successful results are cached per certificate fingerprint together with the versions of the
CRLs they relied on, so repeat checks of a unit's certificate cost a lookup and a date check.
The signing time is whatever trusted moment the caller passes (the agency's receipt time),
never a time the signer claims inside the document.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.verification import (
    ClientVerifier,
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from ebhxh.pki import ocsp
from ebhxh.pki.errors import CertificateError
from ebhxh.pki.identity import identity_of, require_citizen_id, require_tax_code, uid_values
from ebhxh.pki.loading import PathLike, fingerprint_sha256, load_certificates, load_crls
from ebhxh.pki.types import CertIdentity, ValidatedCertificate
from ebhxh.vntime import VIETNAM_TZ

__all__ = [
    "CertificateValidator",
    "ValidationStats",
    "identity_of",
    "require_citizen_id",
    "require_tax_code",
    "uid_values",
]

DEFAULT_CACHE_SIZE: Final = 1024
MAX_CHAIN_DEPTH: Final = 8
# Certificates a signature may bring along; more is padding meant to slow path building.
MAX_SUPPLIED_INTERMEDIATES: Final = 16
# Older CRLs kept per issuer name, in case the newest one turns out not to verify.
MAX_CRLS_PER_ISSUER: Final = 4
# Revocation for these reasons means signatures made before the revocation date are suspect too.
COMPROMISE_REASONS: Final = frozenset(
    {x509.ReasonFlags.key_compromise, x509.ReasonFlags.ca_compromise}
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _show_time(moment: datetime) -> str:
    return moment.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M:%S (giờ Việt Nam)")


def _name_of(certificate: x509.Certificate) -> str:
    identity = identity_of(certificate)
    return f"«{identity.common_name or identity.subject}»"


def _require_aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime")
    return moment.astimezone(UTC)


def _extension_policies() -> tuple[ExtensionPolicy, ExtensionPolicy]:
    """RFC 5280 web-PKI defaults, relaxed where Vietnamese signing certificates differ from
    TLS client certificates: no subjectAltName, any (or no) extendedKeyUsage, and the leaf's
    authorityKeyIdentifier is optional."""
    end_entity = (
        ExtensionPolicy.webpki_defaults_ee()
        .may_be_present(x509.SubjectAlternativeName, Criticality.AGNOSTIC, None)
        .may_be_present(x509.ExtendedKeyUsage, Criticality.AGNOSTIC, None)
        .may_be_present(x509.AuthorityKeyIdentifier, Criticality.NON_CRITICAL, None)
    )
    return ExtensionPolicy.webpki_defaults_ca(), end_entity


@dataclass
class ValidationStats:
    """Counters for operations and tests: a cache hit leaves `path_searches` and
    `crl_signature_checks` unchanged, which proves nothing was re-verified."""

    validations: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    path_searches: int = 0
    crl_signature_checks: int = 0
    ocsp_queries: int = 0


@dataclass(frozen=True)
class _StoredCrl:
    crl: x509.CertificateRevocationList
    number: int
    this_update: datetime
    next_update: datetime | None
    fingerprint: bytes

    @property
    def order(self) -> tuple[int, datetime]:
        return (self.number, self.this_update)


@dataclass(frozen=True)
class _Revocation:
    """What the revocation check found for one certificate, and for how long it holds."""

    revoked_at: datetime | None
    reason: x509.ReasonFlags | None
    current_from: datetime
    current_until: datetime


@dataclass(frozen=True)
class _CacheEntry:
    chain: tuple[x509.Certificate, ...]
    identity: CertIdentity
    fingerprint: str
    revocations: tuple[_Revocation, ...]  # one per certificate below the anchor, leaf first
    crl_versions: tuple[tuple[x509.Name, int], ...]  # (issuer name, CRL generation) relied on
    crl_epoch: int  # the validator's CRL epoch when `crl_versions` were last known current
    current_from: datetime
    current_until: datetime
    # Precomputed so a cache hit is a few comparisons: the window in which every certificate
    # of the chain is valid, and whether any of them has a revocation entry at all.
    valid_from: datetime
    valid_until: datetime
    any_revocation: bool


def _stored(crl: x509.CertificateRevocationList) -> _StoredCrl:
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        number = -1
    return _StoredCrl(
        crl=crl,
        number=number,
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
        fingerprint=crl.fingerprint(hashes.SHA256()),
    )


def _reject_partial(crl: x509.CertificateRevocationList) -> None:
    """Only complete CRLs can prove a certificate is not revoked."""
    try:
        crl.extensions.get_extension_for_class(x509.DeltaCRLIndicator)
    except x509.ExtensionNotFound:
        pass
    else:
        raise ValueError("delta CRLs are not supported: give the validator the complete CRL")
    try:
        scope = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint).value
    except x509.ExtensionNotFound:
        return
    if (
        scope.only_some_reasons
        or scope.indirect_crl
        or scope.only_contains_attribute_certs
        or scope.only_contains_ca_certs
        or scope.only_contains_user_certs
    ):
        raise ValueError("CRLs limited to some certificates or reasons are not supported")


def _check_dates(chain: Sequence[x509.Certificate], at: datetime) -> None:
    """CRT003/CRT002 for the first certificate (leaf first) not valid at the signing time."""
    for certificate in chain:
        if at < certificate.not_valid_before_utc:
            raise CertificateError(
                "CRT003",
                f"chứng thư {_name_of(certificate)} có hiệu lực từ "
                f"{_show_time(certificate.not_valid_before_utc)}, thời điểm ký {_show_time(at)}",
            )
        if at > certificate.not_valid_after_utc:
            raise CertificateError(
                "CRT002",
                f"chứng thư {_name_of(certificate)} hết hạn lúc "
                f"{_show_time(certificate.not_valid_after_utc)}, thời điểm ký {_show_time(at)}",
            )


def _apply_revocation(certificate: x509.Certificate, revocation: _Revocation, at: datetime) -> None:
    """CRT004 when revoked before the signing time, or at any time for a compromised key."""
    if revocation.revoked_at is None:
        return
    compromised = revocation.reason in COMPROMISE_REASONS
    if compromised or revocation.revoked_at <= at:
        reason = revocation.reason.value if revocation.reason is not None else "unspecified"
        raise CertificateError(
            "CRT004",
            f"chứng thư {_name_of(certificate)} bị thu hồi lúc "
            f"{_show_time(revocation.revoked_at)} (lý do: {reason})",
        )


class CertificateValidator:
    """Implements `ebhxh.pki.types.CertificateChecker`; safe to share between threads.

    `now` is the clock for CRL/OCSP freshness (tests inject one); the signing time `at` given
    to `validate` is what certificate validity is judged at. When the signing time comes from
    the signer (a claimed time in the document), a revoked certificate could be back-dated:
    callers should pass the time the agency received the dossier unless a trusted timestamp
    vouches for an earlier one.
    """

    def __init__(
        self,
        trust_anchors: Iterable[x509.Certificate],
        *,
        intermediates: Iterable[x509.Certificate] = (),
        crls: Iterable[x509.CertificateRevocationList] = (),
        ocsp_enabled: bool = False,
        ocsp_timeout: float | httpx.Timeout = 5.0,
        now: Callable[[], datetime] = _utc_now,
        cache_size: int = DEFAULT_CACHE_SIZE,
        require_non_repudiation: bool = True,
    ) -> None:
        self._anchors = tuple(dict.fromkeys(trust_anchors))
        if not self._anchors:
            raise ValueError("at least one trust anchor is needed")
        self._store = Store(list(self._anchors))
        self._intermediates: list[x509.Certificate] = list(dict.fromkeys(intermediates))
        self._ocsp_enabled = ocsp_enabled
        self._ocsp_timeout = ocsp_timeout
        self._now = now
        self._cache_size = cache_size
        self._require_non_repudiation = require_non_repudiation
        self._ca_policy, self._ee_policy = _extension_policies()
        self._lock = threading.Lock()
        # Keyed by Name, which compares attribute values, not string encodings: a CA whose
        # CRL spells its name as PrintableString and its certificates as UTF8String still matches.
        self._crls: dict[x509.Name, list[_StoredCrl]] = {}
        # Per issuer, how many newer CRLs arrived; keyed by Name like `_crls`, so a lookup can
        # never miss because the certificate and the CRL spell the name differently.
        self._crl_generation: dict[x509.Name, int] = {}
        # Bumped with every generation: a cache entry made or checked in the current epoch
        # needs no Name lookups (x509.Name hashes and compares in Python, which is slow).
        self._crl_epoch = 0
        self._fingerprints: OrderedDict[x509.Certificate, str] = OrderedDict()
        self._crl_signature_ok: dict[tuple[bytes, bytes], bool] = {}
        self._cache: OrderedDict[str, _CacheEntry] = OrderedDict()
        self.stats = ValidationStats()
        for crl in crls:
            self.add_crl(crl)

    @classmethod
    def from_files(
        cls,
        *,
        anchors: Iterable[PathLike],
        intermediates: Iterable[PathLike] = (),
        crls: Iterable[PathLike] = (),
        ocsp_enabled: bool = False,
        ocsp_timeout: float | httpx.Timeout = 5.0,
        now: Callable[[], datetime] = _utc_now,
        cache_size: int = DEFAULT_CACHE_SIZE,
        require_non_repudiation: bool = True,
    ) -> CertificateValidator:
        """A validator from PEM/DER files or folders (see `ebhxh.pki.loading`)."""
        intermediate_paths, crl_paths = list(intermediates), list(crls)
        return cls(
            load_certificates(*anchors),
            intermediates=load_certificates(*intermediate_paths) if intermediate_paths else (),
            crls=load_crls(*crl_paths) if crl_paths else (),
            ocsp_enabled=ocsp_enabled,
            ocsp_timeout=ocsp_timeout,
            now=now,
            cache_size=cache_size,
            require_non_repudiation=require_non_repudiation,
        )

    # --- configuration that changes while running -------------------------------------------

    def add_intermediate(self, certificate: x509.Certificate) -> None:
        """Add a CA certificate to the pool used when a signature comes without its chain."""
        with self._lock:
            if certificate not in self._intermediates:
                self._intermediates.append(certificate)

    def add_crl(self, crl: x509.CertificateRevocationList) -> bool:
        """Store a CRL; False if this exact CRL is already held. A newer CRL for an issuer
        (higher CRL number, or later thisUpdate) bumps that issuer's CRL generation, so cached
        results that relied on the older one no longer match. ValueError for partial CRLs."""
        _reject_partial(crl)
        stored = _stored(crl)
        key = crl.issuer
        with self._lock:
            held = self._crls.setdefault(key, [])
            if any(existing.fingerprint == stored.fingerprint for existing in held):
                return False
            newer = all(stored.order > existing.order for existing in held)
            held.append(stored)
            held.sort(key=lambda item: item.order, reverse=True)
            for dropped in held[MAX_CRLS_PER_ISSUER:]:
                self._forget_crl_checks(dropped.fingerprint)
            del held[MAX_CRLS_PER_ISSUER:]
            if newer:  # entries that relied on this issuer's older CRL stop matching
                self._crl_generation[key] = self._crl_generation.get(key, 0) + 1
                self._crl_epoch += 1
            return True

    def _forget_crl_checks(self, crl_fingerprint: bytes) -> None:
        for pair in [pair for pair in self._crl_signature_ok if pair[0] == crl_fingerprint]:
            del self._crl_signature_ok[pair]

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    # --- validation --------------------------------------------------------------------------

    def validate(
        self,
        certificate: x509.Certificate,
        *,
        intermediates: Sequence[x509.Certificate] = (),
        at: datetime | None = None,
    ) -> ValidatedCertificate:
        """The validated certificate and its chain, or CertificateError with a CRT* code."""
        now = _require_aware(self._now(), "now()")
        moment = now if at is None else _require_aware(at, "at")
        fingerprint = self._fingerprint(certificate)
        with self._lock:
            self.stats.validations += 1
        entry = self._cached(fingerprint, now)
        if entry is None:
            entry = self._validate_fully(certificate, intermediates, moment, now, fingerprint)
            self._remember(entry)
        else:
            if not entry.valid_from <= moment <= entry.valid_until:
                _check_dates(entry.chain, moment)
            if entry.any_revocation:
                for below, revocation in zip(entry.chain, entry.revocations, strict=False):
                    _apply_revocation(below, revocation, moment)
        return ValidatedCertificate(
            certificate=entry.chain[0],
            chain=entry.chain,
            identity=entry.identity,
            fingerprint_sha256=entry.fingerprint,
            validated_at=moment,
        )

    def _fingerprint(self, certificate: x509.Certificate) -> str:
        """SHA-256 fingerprint, remembered per certificate object the caller keeps reusing."""
        with self._lock:
            known = self._fingerprints.get(certificate)
        if known is not None:
            return known
        fingerprint = fingerprint_sha256(certificate)
        with self._lock:
            self._fingerprints[certificate] = fingerprint
            while len(self._fingerprints) > self._cache_size:
                self._fingerprints.popitem(last=False)
        return fingerprint

    def _cached(self, fingerprint: str, now: datetime) -> _CacheEntry | None:
        with self._lock:
            entry = self._cache.get(fingerprint)
            usable = entry is not None and entry.current_from <= now <= entry.current_until
            if usable and entry is not None and entry.crl_epoch != self._crl_epoch:
                # Some CRL arrived since: still usable if none of this entry's issuers got one.
                usable = all(
                    self._crl_generation.get(issuer, 0) == generation
                    for issuer, generation in entry.crl_versions
                )
                if usable:
                    entry = dataclasses.replace(entry, crl_epoch=self._crl_epoch)
                    self._cache[fingerprint] = entry
            if entry is None or not usable:
                if entry is not None:
                    del self._cache[fingerprint]
                self.stats.cache_misses += 1
                return None
            self._cache.move_to_end(fingerprint)
            self.stats.cache_hits += 1
            return entry

    def _remember(self, entry: _CacheEntry) -> None:
        with self._lock:
            self._cache[entry.fingerprint] = entry
            self._cache.move_to_end(entry.fingerprint)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _validate_fully(
        self,
        certificate: x509.Certificate,
        supplied: Sequence[x509.Certificate],
        at: datetime,
        now: datetime,
        fingerprint: str,
    ) -> _CacheEntry:
        with self._lock:
            pool = list(
                dict.fromkeys([*supplied[:MAX_SUPPLIED_INTERMEDIATES], *self._intermediates])
            )
        chain = self._find_path(certificate, pool, at)
        _check_dates(chain, at)
        self._check_key_usage(chain[0])
        # Read the CRL generations before the CRLs themselves: a CRL that arrives in between
        # makes `_remember` drop this result instead of caching it under the old version.
        issuers = list(dict.fromkeys(c.issuer for c in chain[:-1]))
        with self._lock:
            epoch = self._crl_epoch
            versions = tuple((key, self._crl_generation.get(key, 0)) for key in issuers)
        revocations = tuple(
            self._revocation_of(chain[index], chain[index + 1], at, now)
            for index in range(len(chain) - 1)
        )
        return _CacheEntry(
            chain=chain,
            identity=identity_of(certificate),
            fingerprint=fingerprint,
            revocations=revocations,
            crl_versions=versions,
            crl_epoch=epoch,
            current_from=max((r.current_from for r in revocations), default=now),
            current_until=min((r.current_until for r in revocations), default=now),
            valid_from=max(c.not_valid_before_utc for c in chain),
            valid_until=min(c.not_valid_after_utc for c in chain),
            any_revocation=any(r.revoked_at is not None for r in revocations),
        )

    # --- 1. the path ---------------------------------------------------------------------------

    def _verifier(self, at: datetime) -> ClientVerifier:
        return (
            PolicyBuilder()
            .store(self._store)
            .time(at)
            .max_chain_depth(MAX_CHAIN_DEPTH)
            .extension_policies(ca_policy=self._ca_policy, ee_policy=self._ee_policy)
            .build_client_verifier()
        )

    def _search(
        self, certificate: x509.Certificate, pool: list[x509.Certificate], at: datetime
    ) -> tuple[x509.Certificate, ...]:
        with self._lock:
            self.stats.path_searches += 1
        return tuple(self._verifier(at).verify(certificate, pool).chain)

    def _find_path(
        self, certificate: x509.Certificate, pool: list[x509.Certificate], at: datetime
    ) -> tuple[x509.Certificate, ...]:
        try:
            return self._search(certificate, pool, at)
        except VerificationError as error:
            failure = error
        # No path is valid at the signing time. Look for one at moments when the leaf was
        # valid: if that succeeds, the dates of one of its certificates are the fault.
        probes = [
            min(max(at, certificate.not_valid_before_utc), certificate.not_valid_after_utc),
            certificate.not_valid_before_utc,
            certificate.not_valid_after_utc,
        ]
        for probe in dict.fromkeys(p for p in probes if p != at):
            try:
                chain = self._search(certificate, pool, probe)
            except VerificationError:
                continue
            _check_dates(chain, at)
        raise CertificateError(
            "CRT001",
            f"không dựng được chuỗi chứng thư tới tổ chức chứng thực gốc tin cậy "
            f"({_explain(failure)})",
        )

    # --- 2. key usage --------------------------------------------------------------------------

    def _check_key_usage(self, leaf: x509.Certificate) -> None:
        try:
            usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            raise CertificateError(
                "CRT006", "chứng thư số không ghi mục đích sử dụng khóa (keyUsage)"
            ) from None
        missing = []
        if not usage.digital_signature:
            missing.append("digitalSignature")
        if self._require_non_repudiation and not usage.content_commitment:
            missing.append("nonRepudiation")
        if missing:
            raise CertificateError(
                "CRT006", f"keyUsage của chứng thư số thiếu {' và '.join(missing)}"
            )

    # --- 3. revocation -------------------------------------------------------------------------

    def _revocation_of(
        self,
        certificate: x509.Certificate,
        issuer: x509.Certificate,
        at: datetime,
        now: datetime,
    ) -> _Revocation:
        revocation, problem = self._from_crl(certificate, issuer, now)
        if revocation is None and self._ocsp_enabled:
            revocation, ocsp_problem = self._from_ocsp(certificate, issuer, now)
            problem = f"{problem}; {ocsp_problem}" if ocsp_problem else problem
        if revocation is None:
            raise CertificateError("CRT005", problem)
        _apply_revocation(certificate, revocation, at)
        return revocation

    def _from_crl(
        self, certificate: x509.Certificate, issuer: x509.Certificate, now: datetime
    ) -> tuple[_Revocation | None, str]:
        where = f"của tổ chức cấp {_name_of(issuer)}"
        try:
            issuer_usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            issuer_usage = None
        if issuer_usage is not None and not issuer_usage.crl_sign:
            return None, f"tổ chức cấp {_name_of(issuer)} không được phép ký CRL (cRLSign)"
        with self._lock:
            held = list(self._crls.get(certificate.issuer, ()))
        problem = f"chưa có danh sách thu hồi (CRL) {where}"
        for stored in held:
            if not self._crl_signed_by(stored, issuer):
                problem = f"CRL {where} không có chữ ký hợp lệ của tổ chức cấp"
                continue
            if stored.this_update > now:
                problem = f"CRL {where} chỉ có hiệu lực từ {_show_time(stored.this_update)}"
                continue
            if stored.next_update is None or stored.next_update < now:
                problem = f"CRL {where} đã quá hạn cập nhật (nextUpdate)"
                continue
            entry = stored.crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
            revoked_at: datetime | None = None
            reason: x509.ReasonFlags | None = None
            if entry is not None:
                try:
                    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
                except x509.ExtensionNotFound:
                    reason = None
                if reason != x509.ReasonFlags.remove_from_crl:
                    revoked_at = entry.revocation_date_utc
            return _Revocation(revoked_at, reason, stored.this_update, stored.next_update), ""
        return None, problem

    def _crl_signed_by(self, stored: _StoredCrl, issuer: x509.Certificate) -> bool:
        pair = (stored.fingerprint, issuer.fingerprint(hashes.SHA256()))
        with self._lock:
            known = self._crl_signature_ok.get(pair)
        if known is not None:
            return known
        with self._lock:
            self.stats.crl_signature_checks += 1
        key = issuer.public_key()
        # is_signature_valid also refuses SHA-1 and MD5 signatures.
        valid = isinstance(
            key,
            rsa.RSAPublicKey
            | ec.EllipticCurvePublicKey
            | dsa.DSAPublicKey
            | ed25519.Ed25519PublicKey
            | ed448.Ed448PublicKey,
        ) and stored.crl.is_signature_valid(key)
        with self._lock:
            self._crl_signature_ok[pair] = valid
        return valid

    def _from_ocsp(
        self, certificate: x509.Certificate, issuer: x509.Certificate, now: datetime
    ) -> tuple[_Revocation | None, str]:
        urls = ocsp.ocsp_urls(certificate)
        if not urls:
            return None, "chứng thư số không ghi địa chỉ OCSP"
        problems = []
        with httpx.Client(timeout=self._ocsp_timeout, follow_redirects=False) as client:
            for url in urls:
                with self._lock:
                    self.stats.ocsp_queries += 1
                try:
                    answer = ocsp.query(
                        url, certificate=certificate, issuer=issuer, client=client, now=now
                    )
                except ocsp.OcspUnavailableError as error:
                    problems.append(str(error))
                    continue
                if answer.status == "unknown":
                    problems.append(f"máy chủ OCSP {url} không biết chứng thư số này (unknown)")
                    continue
                return (
                    _Revocation(
                        answer.revocation_time,
                        answer.revocation_reason,
                        answer.this_update - ocsp.CLOCK_SKEW,
                        answer.fresh_until,
                    ),
                    "",
                )
        return None, "; ".join(problems)


def _explain(error: VerificationError) -> str:
    """The library's reason, without the certificate repr it appends."""
    text = str(error)
    return text.split(" (encountered processing", 1)[0]
