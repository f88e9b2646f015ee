"""Builders and fixtures for certificate tests, reusable from any test folder.

Import the fixtures into a folder's conftest.py to use them there:

    from tests.pki.support import demo_pki, demo_validator  # noqa: F401

`demo_pki` is built once per test session (about two seconds) in a temporary folder.
`issue` makes one-off certificates (expired, wrong key usage, ...) signed by a demo CA, and
`OcspServer` is a real OCSP responder on 127.0.0.1 for certificates that name it.
"""

from __future__ import annotations

import functools
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from ebhxh.pki.demo import DemoPki, build_demo_pki, issue_crl
from ebhxh.pki.ocsp import OcspResponder
from ebhxh.pki.validation import CertificateValidator


@functools.cache
def shared_key(index: int) -> rsa.RSAPrivateKey:
    """RSA keys made once per session: key generation dominates certificate-building time."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class Authority:
    """A certificate with its private key, able to issue."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey


def authority(pki: DemoPki, slug: str) -> Authority:
    return Authority(pki.certificate(slug), pki.private_key(slug))


def name(
    common_name: str, *uids: str, organization: str | None = None, country: str = "VN"
) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    attributes += [x509.NameAttribute(NameOID.USER_ID, uid) for uid in uids]
    return x509.Name(attributes)


def key_usage(
    *,
    digital_signature: bool = False,
    non_repudiation: bool = False,
    key_encipherment: bool = False,
    key_cert_sign: bool = False,
    crl_sign: bool = False,
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=non_repudiation,
        key_encipherment=key_encipherment,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


SIGNING = key_usage(digital_signature=True, non_repudiation=True)
CA_USAGE = key_usage(key_cert_sign=True, crl_sign=True)
_DEFAULT = object()


def issue(
    subject: x509.Name | str,
    *,
    issuer: Authority | None,
    key: rsa.RSAPrivateKey | None = None,
    ca: bool | None = False,
    path_length: int | None = None,
    usage: x509.KeyUsage | object | None = _DEFAULT,
    eku: Iterable[x509.ObjectIdentifier] | None = (
        ExtendedKeyUsageOID.CLIENT_AUTH,
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
    ),
    not_before: datetime,
    not_after: datetime,
    ocsp_url: str | None = None,
    extensions: Iterable[tuple[x509.ExtensionType, bool]] = (),
    signing_key: rsa.RSAPrivateKey | None = None,
) -> Authority:
    """A certificate for tests. `issuer=None` makes it self-signed; `ca=None` leaves out
    basicConstraints; `signing_key` signs with a key other than the issuer's (a forgery)."""
    own_key = key or shared_key(0)
    subject_name = subject if isinstance(subject, x509.Name) else name(subject)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_name)
        .issuer_name(issuer.certificate.subject if issuer else subject_name)
        .public_key(own_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(own_key.public_key()), False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
        )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), True)
    chosen = (CA_USAGE if ca else SIGNING) if usage is _DEFAULT else usage
    if isinstance(chosen, x509.KeyUsage):
        builder = builder.add_extension(chosen, True)
    if eku is not None and not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), False)
    if ocsp_url is not None:
        builder = builder.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
                    )
                ]
            ),
            False,
        )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical)
    signer = signing_key or (issuer.key if issuer else own_key)
    return Authority(builder.sign(signer, hashes.SHA256()), own_key)


def crl_of(
    ca: Authority,
    *,
    now: datetime,
    number: int = 100,
    revoked: Iterable[tuple[int, datetime, x509.ReasonFlags | None]] = (),
    this_update: datetime | None = None,
    next_update: datetime | None = None,
    signing_key: rsa.RSAPrivateKey | None = None,
) -> x509.CertificateRevocationList:
    """A CRL in the name of `ca` (signed by `signing_key` instead to forge one)."""
    return issue_crl(
        ca.certificate,
        signing_key or ca.key,
        number=number,
        this_update=this_update or now - timedelta(minutes=5),
        next_update=next_update or now + timedelta(days=7),
        revoked=revoked,
    )


_SHA256_WITH_RSA = bytes.fromhex("2a864886f70d01010b")
_SHA1_WITH_RSA = bytes.fromhex("2a864886f70d010105")


def _resign(der: bytes, tbs: bytes, signature: bytes, key: rsa.RSAPrivateKey) -> bytes:
    new_tbs = tbs.replace(_SHA256_WITH_RSA, _SHA1_WITH_RSA)
    new_signature = key.sign(new_tbs, padding.PKCS1v15(), hashes.SHA1())
    head, _, rest = der.partition(tbs)
    rest = rest.replace(_SHA256_WITH_RSA, _SHA1_WITH_RSA).replace(signature, new_signature)
    return head + new_tbs + rest


def resign_with_sha1(certificate: x509.Certificate, key: rsa.RSAPrivateKey) -> x509.Certificate:
    """The same certificate signed with SHA-1, which `cryptography` refuses to produce: swap
    the algorithm OID (same length) in the TBS and outside it, then sign the TBS again."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    return x509.load_der_x509_certificate(
        _resign(der, certificate.tbs_certificate_bytes, certificate.signature, key)
    )


def resign_crl_with_sha1(
    crl: x509.CertificateRevocationList, key: rsa.RSAPrivateKey
) -> x509.CertificateRevocationList:
    """The same CRL signed with SHA-1 (see `resign_with_sha1`)."""
    der = crl.public_bytes(serialization.Encoding.DER)
    return x509.load_der_x509_crl(_resign(der, crl.tbs_certlist_bytes, crl.signature, key))


def resign_ocsp_response_with_sha1(data: bytes, key: rsa.RSAPrivateKey) -> bytes:
    """A DER OCSP response signed again with SHA-1 (see `resign_with_sha1`): the algorithm
    is named outside tbsResponseData, so only it and the signature change."""
    response = ocsp.load_der_ocsp_response(data)
    return _resign(data, response.tbs_response_bytes, response.signature, key)


class Clock:
    """An injectable clock for validators and OCSP responders."""

    def __init__(self, now: datetime) -> None:
        self.moment = now

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


@dataclass
class OcspServer:
    """A real HTTP OCSP endpoint on 127.0.0.1: POST /<name> is answered by
    `responders[name]` (404 for other names). `status` replaces the HTTP status (the body is
    still a genuine answer); `body` replaces the answer; `on_request` runs before answering
    (to change the world mid-validation)."""

    clock: Callable[[], datetime]
    responders: dict[str, OcspResponder] = field(default_factory=dict)
    status: int | None = None
    body: bytes | None = None
    on_request: Callable[[], object] | None = None
    requests: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.requests.append(data)
                if server.on_request is not None:
                    server.on_request()
                responder = server.responders.get(self.path.strip("/"))
                if responder is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                answer = server.body or responder.respond(data, now=server.clock())
                self.send_response(server.status or 200)
                self.send_header("Content-Type", "application/ocsp-response")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, responder: str) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/{responder}"

    def start(self) -> OcspServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    """The demo PKI, built once per session; treat its folder as read-only."""
    return build_demo_pki(tmp_path_factory.mktemp("demo-pki"))


@pytest.fixture
def pki_now(demo_pki: DemoPki) -> datetime:
    """A moment just after the demo PKI was made: everything in it is valid and current."""
    return demo_pki.generated_at + timedelta(minutes=1)


@pytest.fixture
def clock(pki_now: datetime) -> Clock:
    return Clock(pki_now)


@pytest.fixture
def demo_validator(demo_pki: DemoPki, clock: Clock) -> CertificateValidator:
    """A fresh validator for the demo PKI (empty cache) on the test clock."""
    return demo_pki.validator(now=clock)


@pytest.fixture
def ocsp_server(clock: Clock) -> Iterator[OcspServer]:
    server = OcspServer(clock=clock).start()
    yield server
    server.stop()


def demo_dir_copy(pki: DemoPki, target: Path) -> DemoPki:
    """A writable copy of the session's demo PKI, for tests that change files."""
    shutil.copytree(pki.directory, target)
    return DemoPki.load(target)
