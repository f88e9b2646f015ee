"""A complete demo PKI: a national root, Vietnamese-style CAs, and the certificates the demo's
units, people, I-VANs and the agency sign with. Every name is marked DEMO.

Newcomers and tests need real X.509 chains, CRLs and PKCS#12 files that behave like the ones
Vietnamese CAs issue (UID=MST:/CCCD: subjects, Vietnamese names, CRL and OCSP URLs), without
any real key. `build_demo_pki` writes them once with `cryptography`; `DemoPki.load` reads the
manifest back with types. The CRL and OCSP URLs point at the demo server
(`http://127.0.0.1:8000/pki/<ca-slug>/crl|ocsp`) and are placeholders: validation uses the
CRL files on disk unless OCSP is switched on.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal, get_args

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import (
    AuthorityInformationAccessOID,
    ExtendedKeyUsageOID,
    NameOID,
)

from ebhxh.pki.loading import fingerprint_sha256, load_certificates, load_crls
from ebhxh.pki.ocsp import OcspResponder
from ebhxh.pki.validation import CertificateValidator

Role = Literal["root", "ca", "organisation", "individual", "ivan", "agency"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)

MANIFEST_NAME: Final = "manifest.json"
MANIFEST_FORMAT: Final = "ebhxh-demo-pki"
MANIFEST_VERSION: Final = 1
DEMO_BASE_URL: Final = "http://127.0.0.1:8000/pki"
CRL_VALIDITY: Final = timedelta(days=7)
KEY_SIZE: Final = 2048
ROOT_VALIDITY: Final = timedelta(days=20 * 365)
CA_VALIDITY: Final = timedelta(days=10 * 365)
HOLDER_VALIDITY: Final = timedelta(days=2 * 365)
BACKDATE: Final = timedelta(days=1)  # so a clock a little behind still sees them valid
# CAs are older than the certificates they issue, so back-dated signing times still chain.
CA_BACKDATE: Final = timedelta(days=365)
ANCHORS_FILE: Final = "trust/anchors.pem"
INTERMEDIATES_FILE: Final = "trust/intermediates.pem"


def p12_password(slug: str) -> str:
    """The demo's PKCS#12 password rule; real keys would never have a guessable one."""
    return f"demo-{slug}"


@dataclass(frozen=True)
class _Spec:
    slug: str
    role: Role
    issuer: str | None  # None: self-signed root
    common_name: str
    organization: str | None = None
    organizational_unit: str | None = None
    locality: str | None = None
    province: str | None = None
    tax_code: str | None = None
    citizen_id: str | None = None
    ivan_code: str | None = None
    unit_code: str | None = None
    revoked: bool = False


ROOT = "root-ca"
SPECS: Final[tuple[_Spec, ...]] = (
    _Spec(
        ROOT,
        "root",
        None,
        "Vietnam National Root CA (DEMO)",
        organization="Ministry of Science and Technology (DEMO)",
        organizational_unit="National Electronic Authentication Centre (DEMO)",
    ),
    _Spec(
        "vnpt-ca",
        "ca",
        ROOT,
        "VNPT Certification Authority (DEMO)",
        organization="VNPT Group (DEMO)",
        organizational_unit="VNPT-CA Trust Network (DEMO)",
    ),
    _Spec("viettel-ca", "ca", ROOT, "Viettel-CA (DEMO)", organization="Viettel Group (DEMO)"),
    _Spec("misa-ca", "ca", ROOT, "MISA-CA (DEMO)", organization="MISA JSC (DEMO)"),
    _Spec(
        "hoa-binh",
        "organisation",
        "misa-ca",
        "CÔNG TY CỔ PHẦN ĐẦU TƯ THƯƠNG MẠI HOÀ BÌNH (DEMO)",
        locality="Phường Cầu Giấy",
        province="Hà Nội",
        tax_code="0109123458",
    ),
    _Spec(
        "sao-mai-vnpt",
        "organisation",
        "vnpt-ca",
        "CÔNG TY TNHH CÔNG NGHỆ SAO MAI (DEMO)",
        locality="Phường Hoàn Kiếm",
        province="Hà Nội",
        tax_code="0109234567",
        unit_code="TA0123K",
    ),
    _Spec(
        "sao-mai-viettel",
        "organisation",
        "viettel-ca",
        "CÔNG TY TNHH CÔNG NGHỆ SAO MAI (DEMO)",
        locality="Phường Hoàn Kiếm",
        province="Hà Nội",
        tax_code="0109234567",
        unit_code="TA0123K",
    ),
    _Spec(
        "sao-mai-hcm",
        "organisation",
        "vnpt-ca",
        "CN CÔNG TY TNHH CÔNG NGHỆ SAO MAI TẠI TP.HCM (DEMO)",
        organization="CHI NHÁNH CÔNG TY TNHH CÔNG NGHỆ SAO MAI TẠI THÀNH PHỐ HỒ CHÍ MINH (DEMO)",
        locality="Phường Bến Thành",
        province="Hồ Chí Minh",
        tax_code="0109234567-001",
        unit_code="YN0456B",
    ),
    _Spec(
        "sao-mai-lb",
        "organisation",
        "vnpt-ca",
        "CN CÔNG TY TNHH CÔNG NGHỆ SAO MAI TẠI LONG BIÊN (DEMO)",
        organization="CHI NHÁNH CÔNG TY TNHH CÔNG NGHỆ SAO MAI TẠI LONG BIÊN (DEMO)",
        locality="Phường Long Biên",
        province="Hà Nội",
        tax_code="0109234567-002",
    ),
    _Spec(
        "song-hau",
        "organisation",
        "viettel-ca",
        "CÔNG TY TNHH THỰC PHẨM SÔNG HẬU (DEMO)",
        locality="Phường Ninh Kiều",
        province="Cần Thơ",
        tax_code="1800123450",
        unit_code="1800123450DNA03",
    ),
    _Spec(
        "phu-thinh",
        "organisation",
        "viettel-ca",
        "CÔNG TY TNHH XÂY DỰNG PHÚ THỊNH (DEMO)",
        locality="Phường Hồng Bàng",
        province="Hải Phòng",
        tax_code="0200123457",
        unit_code="HP0789C",
        revoked=True,
    ),
    _Spec(
        "nguyen-thi-huong",
        "individual",
        "vnpt-ca",
        "Nguyễn Thị Hương (DEMO)",
        locality="Phường Đống Đa",
        province="Hà Nội",
        citizen_id="001190012345",
    ),
    _Spec(
        "tran-van-duc",
        "individual",
        "viettel-ca",
        "Trần Văn Đức (DEMO)",
        locality="Phường Sài Gòn",
        province="Hồ Chí Minh",
        citizen_id="079085004321",
    ),
    _Spec(
        "le-hoang-phuc",
        "individual",
        "misa-ca",
        "Lê Hoàng Phúc (DEMO)",
        locality="Phường Hải Châu",
        province="Đà Nẵng",
        citizen_id="048202000789",
    ),
    _Spec(
        "ivan-misa",
        "ivan",
        "misa-ca",
        "CÔNG TY CỔ PHẦN MISA (DEMO)",
        locality="Phường Cầu Giấy",
        province="Hà Nội",
        tax_code="0101243150",
        ivan_code="00110",
    ),
    _Spec(
        "ivan-vnpt",
        "ivan",
        "vnpt-ca",
        "TẬP ĐOÀN BƯU CHÍNH VIỄN THÔNG VIỆT NAM (DEMO)",
        locality="Phường Láng",
        province="Hà Nội",
        tax_code="0100684378",
        ivan_code="00020",
    ),
    _Spec(
        "ivan-viettel",
        "ivan",
        "viettel-ca",
        "TẬP ĐOÀN CÔNG NGHIỆP - VIỄN THÔNG QUÂN ĐỘI (DEMO)",
        locality="Phường Cầu Giấy",
        province="Hà Nội",
        tax_code="0100109106",
        ivan_code="00050",
    ),
    _Spec(
        "bhxh-vn",
        "agency",
        "vnpt-ca",
        "BẢO HIỂM XÃ HỘI VIỆT NAM (DEMO)",
        locality="Phường Hoàn Kiếm",
        province="Hà Nội",
        tax_code="0100234562",
    ),
)
REVOKED_REASON: Final = x509.ReasonFlags.key_compromise
REVOKED_BEFORE_BUILD: Final = timedelta(hours=1)


@dataclass(frozen=True)
class DemoFiles:
    """Paths relative to the PKI folder. `chain_pem` holds the issuers up to the root
    (none for the root); `bundle_pem` is key + certificate + chain in one file."""

    certificate_pem: str
    certificate_der: str
    private_key_pem: str
    pkcs12: str
    bundle_pem: str
    chain_pem: str | None


@dataclass(frozen=True)
class DemoEntity:
    """One certificate and its key, as the manifest describes it."""

    slug: str
    role: Role
    common_name: str
    subject: str
    issuer: str
    tax_code: str | None
    citizen_id: str | None
    ivan_code: str | None
    province: str | None
    unit_code: str | None
    serial: str  # lowercase hex
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime
    revoked: bool
    revoked_at: datetime | None
    revocation_reason: str | None
    p12_password: str
    crl_url: str | None
    ocsp_url: str | None
    files: DemoFiles


@dataclass(frozen=True)
class DemoCrl:
    """The current CRL of one CA (`issuer` is the CA's slug)."""

    issuer: str
    number: int
    this_update: datetime
    next_update: datetime
    der: str
    pem: str
    revoked_serials: tuple[str, ...]


@dataclass(frozen=True)
class DemoPki:
    """The manifest of a demo PKI folder, with helpers that open its files."""

    directory: Path
    generated_at: datetime
    anchors_pem: str
    intermediates_pem: str
    entities: tuple[DemoEntity, ...]
    crls: tuple[DemoCrl, ...] = field(default=())

    @classmethod
    def load(cls, directory: Path) -> DemoPki:
        """Read `manifest.json`; ValueError when it is missing pieces or of another format."""
        raw = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
        return _from_manifest(directory, raw)

    def entity(self, slug: str) -> DemoEntity:
        for entity in self.entities:
            if entity.slug == slug:
                return entity
        raise KeyError(slug)

    def with_role(self, role: Role) -> tuple[DemoEntity, ...]:
        return tuple(entity for entity in self.entities if entity.role == role)

    def path(self, relative: str) -> Path:
        return self.directory / relative

    def certificate(self, slug: str) -> x509.Certificate:
        return x509.load_pem_x509_certificate(
            self.path(self.entity(slug).files.certificate_pem).read_bytes()
        )

    def private_key(self, slug: str) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(
            self.path(self.entity(slug).files.private_key_pem).read_bytes(), password=None
        )
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError(f"{slug}: the demo PKI only holds RSA keys")
        return key

    def chain(self, slug: str) -> tuple[x509.Certificate, ...]:
        """The intermediates to send with a signature: issuers up to, not including, the root."""
        chain: list[x509.Certificate] = []
        entity = self.entity(slug)
        while entity.role != "root":
            issuer = self.entity(entity.issuer)
            if issuer.role != "root":
                chain.append(self.certificate(issuer.slug))
            entity = issuer
        return tuple(chain)

    def anchors(self) -> list[x509.Certificate]:
        return load_certificates(self.path(self.anchors_pem))

    def intermediates(self) -> list[x509.Certificate]:
        return load_certificates(self.path(self.intermediates_pem))

    def crl_list(self) -> list[x509.CertificateRevocationList]:
        return load_crls(*(self.path(crl.der) for crl in self.crls))

    def validator(self, **options: Any) -> CertificateValidator:
        """A validator trusting this PKI's root, with its CAs and current CRLs loaded."""
        return CertificateValidator(
            self.anchors(), intermediates=self.intermediates(), crls=self.crl_list(), **options
        )

    def ocsp_responder(self, ca_slug: str) -> OcspResponder:
        """An OCSP responder for one CA, answering from the manifest (serve it at the CA's
        placeholder `/pki/<ca-slug>/ocsp` URL)."""
        issued = [entity for entity in self.entities if entity.issuer == ca_slug]
        return OcspResponder(
            issuer=self.certificate(ca_slug),
            issuer_key=self.private_key(ca_slug),
            revoked={
                int(entity.serial, 16): (entity.revoked_at, _reason(entity.revocation_reason))
                for entity in issued
                if entity.revoked and entity.revoked_at is not None
            },
            known_serials=frozenset(
                int(entity.serial, 16) for entity in issued if entity.slug != ca_slug
            ),
        )

    def is_complete(self) -> bool:
        """True when every file the manifest names exists."""
        names = [ANCHORS_FILE, INTERMEDIATES_FILE]
        for entity in self.entities:
            files = entity.files
            names += [
                files.certificate_pem,
                files.certificate_der,
                files.private_key_pem,
                files.pkcs12,
                files.bundle_pem,
            ]
            if files.chain_pem is not None:
                names.append(files.chain_pem)
        for crl in self.crls:
            names += [crl.der, crl.pem]
        return all(self.path(name).is_file() for name in names)


def _reason(value: str | None) -> x509.ReasonFlags | None:
    return x509.ReasonFlags(value) if value is not None else None


# --- building -------------------------------------------------------------------------------


def _utc(now: datetime | None) -> datetime:
    moment = datetime.now(UTC) if now is None else now
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return moment.astimezone(UTC).replace(microsecond=0)


def _name(spec: _Spec) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if spec.province:
        attributes.append(x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, spec.province))
    if spec.locality:
        attributes.append(x509.NameAttribute(NameOID.LOCALITY_NAME, spec.locality))
    organization = spec.organization
    if organization is None and spec.role in ("organisation", "ivan", "agency"):
        organization = spec.common_name
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if spec.organizational_unit:
        attributes.append(
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, spec.organizational_unit)
        )
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, spec.common_name))
    if spec.tax_code:
        attributes.append(x509.NameAttribute(NameOID.USER_ID, f"MST:{spec.tax_code}"))
    if spec.citizen_id:
        attributes.append(x509.NameAttribute(NameOID.USER_ID, f"CCCD:{spec.citizen_id}"))
    return x509.Name(attributes)


def crl_url(ca_slug: str) -> str:
    return f"{DEMO_BASE_URL}/{ca_slug}/crl"


def ocsp_url(ca_slug: str) -> str:
    return f"{DEMO_BASE_URL}/{ca_slug}/ocsp"


_CA_USAGE: Final = x509.KeyUsage(
    digital_signature=False,
    content_commitment=False,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=True,
    crl_sign=True,
    encipher_only=False,
    decipher_only=False,
)
SIGNING_USAGE: Final = x509.KeyUsage(
    digital_signature=True,
    content_commitment=True,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


@dataclass(frozen=True)
class _Issued:
    spec: _Spec
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate


def _issue(spec: _Spec, issuer: _Issued | None, now: datetime) -> _Issued:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    subject = _name(spec)
    if spec.role == "root":
        validity = ROOT_VALIDITY
    elif spec.role == "ca":
        validity = CA_VALIDITY
    else:
        validity = HOLDER_VALIDITY
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - (CA_BACKDATE if spec.role in ("root", "ca") else BACKDATE))
        .not_valid_after(now + validity)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
        ).add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(crl_url(issuer.spec.slug))],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            False,
        )
    if spec.role in ("root", "ca"):
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=None if spec.role == "root" else 0), True
        ).add_extension(_CA_USAGE, True)
    else:
        assert issuer is not None  # holders are never self-signed
        builder = (
            builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), False)
            .add_extension(SIGNING_USAGE, True)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]
                ),
                False,
            )
            .add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.OCSP,
                            x509.UniformResourceIdentifier(ocsp_url(issuer.spec.slug)),
                        )
                    ]
                ),
                False,
            )
        )
    signer = issuer.key if issuer else key
    return _Issued(spec, key, builder.sign(signer, hashes.SHA256()))


def issue_crl(
    issuer: x509.Certificate,
    issuer_key: CertificateIssuerPrivateKeyTypes,
    *,
    number: int,
    this_update: datetime,
    next_update: datetime,
    revoked: Iterable[tuple[int, datetime, x509.ReasonFlags | None]] = (),
) -> x509.CertificateRevocationList:
    """A CRL of `issuer` with a CRL number; `revoked` is (serial, date, reason) triples."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(x509.CRLNumber(number), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
    )
    for serial, revoked_at, reason in revoked:
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at)
        if reason is not None:
            entry = entry.add_extension(x509.CRLReason(reason), False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _files_for(slug: str, *, has_chain: bool) -> DemoFiles:
    return DemoFiles(
        certificate_pem=f"certs/{slug}.pem",
        certificate_der=f"certs/{slug}.der",
        private_key_pem=f"keys/{slug}.key.pem",
        pkcs12=f"keys/{slug}.p12",
        bundle_pem=f"keys/{slug}.bundle.pem",
        chain_pem=f"certs/{slug}.chain.pem" if has_chain else None,
    )


def _write_crl(
    directory: Path,
    ca: DemoEntity,
    certificate: x509.Certificate,
    key: rsa.RSAPrivateKey,
    revoked: list[DemoEntity],
    number: int,
    now: datetime,
) -> DemoCrl:
    crl = issue_crl(
        certificate,
        key,
        number=number,
        this_update=now,
        next_update=now + CRL_VALIDITY,
        revoked=[
            (int(entity.serial, 16), entity.revoked_at, _reason(entity.revocation_reason))
            for entity in revoked
            if entity.revoked_at is not None
        ],
    )
    record = DemoCrl(
        issuer=ca.slug,
        number=number,
        this_update=now,
        next_update=now + CRL_VALIDITY,
        der=f"crl/{ca.slug}.crl",
        pem=f"crl/{ca.slug}.crl.pem",
        revoked_serials=tuple(entity.serial for entity in revoked),
    )
    _write(directory / record.der, crl.public_bytes(serialization.Encoding.DER))
    _write(directory / record.pem, crl.public_bytes(serialization.Encoding.PEM))
    return record


def build_demo_pki(out_dir: Path, *, now: datetime | None = None, force: bool = False) -> DemoPki:
    """Write the demo PKI into `out_dir` and return its manifest.

    A folder that already holds a complete demo PKI is left as it is (its manifest is
    returned) unless `force` is set, so the demo keeps the keys units have registered. The
    manifest is written last: an interrupted run leaves an incomplete folder that the next
    run rebuilds.
    """
    moment = _utc(now)
    if not force:
        existing = load_if_complete(out_dir)
        if existing is not None:
            return existing
    out_dir.mkdir(parents=True, exist_ok=True)
    issued: dict[str, _Issued] = {}
    entities: list[DemoEntity] = []
    for spec in SPECS:
        issuer = issued[spec.issuer] if spec.issuer else None
        made = _issue(spec, issuer, moment)
        issued[spec.slug] = made
        entities.append(_write_entity(out_dir, made, issued, moment))
    anchors = [issued[ROOT].certificate]
    cas = [made.certificate for made in issued.values() if made.spec.role == "ca"]
    _write(out_dir / ANCHORS_FILE, b"".join(_pem(c) for c in anchors))
    _write(out_dir / INTERMEDIATES_FILE, b"".join(_pem(c) for c in cas))
    crls = [
        _write_crl(
            out_dir,
            entity,
            issued[entity.slug].certificate,
            issued[entity.slug].key,
            [e for e in entities if e.issuer == entity.slug and e.revoked and e.slug != ROOT],
            1,
            moment,
        )
        for entity in entities
        if entity.role in ("root", "ca")
    ]
    pki = DemoPki(
        directory=out_dir,
        generated_at=moment,
        anchors_pem=ANCHORS_FILE,
        intermediates_pem=INTERMEDIATES_FILE,
        entities=tuple(entities),
        crls=tuple(crls),
    )
    _save_manifest(pki)
    return pki


def load_if_complete(out_dir: Path) -> DemoPki | None:
    """The demo PKI in `out_dir` if its manifest reads and every file it names exists."""
    try:
        pki = DemoPki.load(out_dir)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pki if pki.is_complete() else None


def _write_entity(
    out_dir: Path, made: _Issued, issued: dict[str, _Issued], now: datetime
) -> DemoEntity:
    spec = made.spec
    chain: list[x509.Certificate] = []
    parent = spec.issuer
    while parent is not None:
        chain.append(issued[parent].certificate)
        parent = issued[parent].spec.issuer
    files = _files_for(spec.slug, has_chain=bool(chain))
    password = p12_password(spec.slug)
    certificate = made.certificate
    _write(out_dir / files.certificate_pem, _pem(certificate))
    _write(out_dir / files.certificate_der, certificate.public_bytes(serialization.Encoding.DER))
    _write(out_dir / files.private_key_pem, _key_pem(made.key))
    _write(
        out_dir / files.bundle_pem,
        _key_pem(made.key) + _pem(certificate) + b"".join(_pem(c) for c in chain),
    )
    if files.chain_pem is not None:
        _write(out_dir / files.chain_pem, b"".join(_pem(c) for c in chain))
    _write(
        out_dir / files.pkcs12,
        pkcs12.serialize_key_and_certificates(
            spec.slug.encode(),
            made.key,
            certificate,
            chain or None,
            serialization.BestAvailableEncryption(password.encode()),
        ),
    )
    holder = spec.role not in ("root", "ca")
    return DemoEntity(
        slug=spec.slug,
        role=spec.role,
        common_name=spec.common_name,
        subject=certificate.subject.rfc4514_string(),
        issuer=spec.issuer or spec.slug,
        tax_code=spec.tax_code,
        citizen_id=spec.citizen_id,
        ivan_code=spec.ivan_code,
        province=spec.province,
        unit_code=spec.unit_code,
        serial=format(certificate.serial_number, "x"),
        fingerprint_sha256=fingerprint_sha256(certificate),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        revoked=spec.revoked,
        revoked_at=now - REVOKED_BEFORE_BUILD if spec.revoked else None,
        revocation_reason=REVOKED_REASON.value if spec.revoked else None,
        p12_password=password,
        crl_url=crl_url(spec.issuer) if spec.issuer else None,
        ocsp_url=ocsp_url(spec.issuer) if holder and spec.issuer else None,
        files=files,
    )


def refresh_demo_crls(out_dir: Path, *, now: datetime | None = None) -> DemoPki:
    """Re-issue every CA's CRL with the next CRL number and a fresh nextUpdate.

    Demo CRLs are valid for `CRL_VALIDITY`; after that validation answers CRT005, as it
    would for a real CA that stopped publishing. The demo calls this on start.
    """
    moment = _utc(now)
    pki = DemoPki.load(out_dir)
    crls = []
    for old in pki.crls:
        ca = pki.entity(old.issuer)
        revoked = [
            e for e in pki.entities if e.issuer == ca.slug and e.revoked and e.slug != ca.slug
        ]
        crls.append(
            _write_crl(
                out_dir,
                ca,
                pki.certificate(ca.slug),
                pki.private_key(ca.slug),
                revoked,
                old.number + 1,
                moment,
            )
        )
    refreshed = DemoPki(
        directory=pki.directory,
        generated_at=pki.generated_at,
        anchors_pem=pki.anchors_pem,
        intermediates_pem=pki.intermediates_pem,
        entities=pki.entities,
        crls=tuple(crls),
    )
    _save_manifest(refreshed)
    return refreshed


# --- the manifest ---------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _manifest(pki: DemoPki) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "note": (
            "Bộ PKI mẫu (DEMO) của ebhxh: khóa và chứng thư chỉ dùng để thử, không có giá trị "
            "pháp lý. Địa chỉ CRL/OCSP trỏ tới máy chủ demo (127.0.0.1:8000)."
        ),
        "generated_at": _iso(pki.generated_at),
        "anchors_pem": pki.anchors_pem,
        "intermediates_pem": pki.intermediates_pem,
        "entities": [
            {
                "slug": e.slug,
                "role": e.role,
                "common_name": e.common_name,
                "subject": e.subject,
                "issuer": e.issuer,
                "tax_code": e.tax_code,
                "citizen_id": e.citizen_id,
                "ivan_code": e.ivan_code,
                "province": e.province,
                "unit_code": e.unit_code,
                "serial": e.serial,
                "fingerprint_sha256": e.fingerprint_sha256,
                "not_before": _iso(e.not_before),
                "not_after": _iso(e.not_after),
                "revoked": e.revoked,
                "revoked_at": _iso(e.revoked_at),
                "revocation_reason": e.revocation_reason,
                "p12_password": e.p12_password,
                "crl_url": e.crl_url,
                "ocsp_url": e.ocsp_url,
                "files": {
                    "certificate_pem": e.files.certificate_pem,
                    "certificate_der": e.files.certificate_der,
                    "private_key_pem": e.files.private_key_pem,
                    "pkcs12": e.files.pkcs12,
                    "bundle_pem": e.files.bundle_pem,
                    "chain_pem": e.files.chain_pem,
                },
            }
            for e in pki.entities
        ],
        "crls": [
            {
                "issuer": c.issuer,
                "number": c.number,
                "this_update": _iso(c.this_update),
                "next_update": _iso(c.next_update),
                "der": c.der,
                "pem": c.pem,
                "revoked_serials": list(c.revoked_serials),
            }
            for c in pki.crls
        ],
    }


def _save_manifest(pki: DemoPki) -> None:
    """Atomic replace, so a reader never sees half a manifest."""
    text = json.dumps(_manifest(pki), ensure_ascii=False, indent=2) + "\n"
    handle, temporary = tempfile.mkstemp(dir=pki.directory, prefix=".manifest-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    Path(temporary).replace(pki.directory / MANIFEST_NAME)


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw[key]
    if not isinstance(value, str):
        raise ValueError(f"manifest: {key} must be a string")
    return value


def _optional_text(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"manifest: {key} must be a string or null")
    return value


def _time(raw: dict[str, Any], key: str) -> datetime:
    moment = datetime.fromisoformat(_text(raw, key))
    if moment.tzinfo is None:
        raise ValueError(f"manifest: {key} has no time zone")
    return moment


def _optional_time(raw: dict[str, Any], key: str) -> datetime | None:
    return None if raw.get(key) is None else _time(raw, key)


def _from_manifest(directory: Path, raw: Any) -> DemoPki:
    if not isinstance(raw, dict) or raw.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"{directory / MANIFEST_NAME}: not an ebhxh demo PKI manifest")
    if raw.get("version") != MANIFEST_VERSION:
        raise ValueError(f"{directory / MANIFEST_NAME}: manifest version {raw.get('version')}")
    entities = []
    for item in raw["entities"]:
        role = _text(item, "role")
        if role not in ROLES:
            raise ValueError(f"manifest: unknown role {role!r}")
        files = item["files"]
        entities.append(
            DemoEntity(
                slug=_text(item, "slug"),
                role=role,
                common_name=_text(item, "common_name"),
                subject=_text(item, "subject"),
                issuer=_text(item, "issuer"),
                tax_code=_optional_text(item, "tax_code"),
                citizen_id=_optional_text(item, "citizen_id"),
                ivan_code=_optional_text(item, "ivan_code"),
                province=_optional_text(item, "province"),
                unit_code=_optional_text(item, "unit_code"),
                serial=_text(item, "serial"),
                fingerprint_sha256=_text(item, "fingerprint_sha256"),
                not_before=_time(item, "not_before"),
                not_after=_time(item, "not_after"),
                revoked=bool(item["revoked"]),
                revoked_at=_optional_time(item, "revoked_at"),
                revocation_reason=_optional_text(item, "revocation_reason"),
                p12_password=_text(item, "p12_password"),
                crl_url=_optional_text(item, "crl_url"),
                ocsp_url=_optional_text(item, "ocsp_url"),
                files=DemoFiles(
                    certificate_pem=_text(files, "certificate_pem"),
                    certificate_der=_text(files, "certificate_der"),
                    private_key_pem=_text(files, "private_key_pem"),
                    pkcs12=_text(files, "pkcs12"),
                    bundle_pem=_text(files, "bundle_pem"),
                    chain_pem=_optional_text(files, "chain_pem"),
                ),
            )
        )
    crls = [
        DemoCrl(
            issuer=_text(item, "issuer"),
            number=int(item["number"]),
            this_update=_time(item, "this_update"),
            next_update=_time(item, "next_update"),
            der=_text(item, "der"),
            pem=_text(item, "pem"),
            revoked_serials=tuple(str(serial) for serial in item["revoked_serials"]),
        )
        for item in raw["crls"]
    ]
    return DemoPki(
        directory=directory,
        generated_at=_time(raw, "generated_at"),
        anchors_pem=_text(raw, "anchors_pem"),
        intermediates_pem=_text(raw, "intermediates_pem"),
        entities=tuple(entities),
        crls=tuple(crls),
    )
