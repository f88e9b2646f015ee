"""OCSP (RFC 6960): asking a CA's responder whether one certificate is revoked, and answering.

The validator asks only when it has no current CRL for the certificate's issuer, so a CRL
outage does not stop dossiers while the responder is up. A response counts only when it is
signed by the issuer itself or by a responder certificate that the issuer signed for OCSP
(id-kp-OCSPSigning) with SHA-256/384/512 (or Ed25519/Ed448), names this very certificate, and
is fresh. `OcspResponder` is the other
side, used by the demo's `/pki/<ca>/ocsp` placeholder URLs and by the tests.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

OCSP_REQUEST_TYPE: Final = "application/ocsp-request"
OCSP_RESPONSE_TYPE: Final = "application/ocsp-response"
# Clock difference tolerated between the responder and us.
CLOCK_SKEW: Final = timedelta(minutes=5)
# A response without nextUpdate is taken as fresh for this long after its thisUpdate.
MAX_AGE_WITHOUT_NEXT_UPDATE: Final = timedelta(hours=1)
MAX_RESPONSE_BYTES: Final = 64 * 1024
# Hashes a response's signature may use (Ed25519/Ed448 sign without a separate hash); SHA-1
# and MD5 signatures can be forged by collision, so a response signed with them is no answer.
ALLOWED_SIGNATURE_HASHES: Final = (hashes.SHA256, hashes.SHA384, hashes.SHA512)

OcspStatusName = Literal["good", "revoked", "unknown"]


class OcspUnavailableError(Exception):
    """No usable answer: network failure, error status, bad signature, stale or foreign."""


@dataclass(frozen=True)
class OcspStatus:
    """A verified answer about one certificate; `fresh_until` bounds how long to rely on it."""

    status: OcspStatusName
    this_update: datetime
    fresh_until: datetime
    revocation_time: datetime | None = None
    revocation_reason: x509.ReasonFlags | None = None


def ocsp_urls(certificate: x509.Certificate) -> list[str]:
    """The http(s) OCSP responder URLs in the certificate's AIA extension, in order."""
    try:
        aia = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
    except x509.ExtensionNotFound:
        return []
    urls = []
    for description in aia.value:
        location = description.access_location
        if (
            description.access_method == AuthorityInformationAccessOID.OCSP
            and isinstance(location, x509.UniformResourceIdentifier)
            and location.value.lower().startswith(("http://", "https://"))
        ):
            urls.append(location.value)
    return urls


def build_request(
    certificate: x509.Certificate,
    issuer: x509.Certificate,
    *,
    nonce: bytes | None,
    algorithm: hashes.HashAlgorithm | None = None,
) -> ocsp.OCSPRequest:
    """A request for one certificate. CertID uses SHA-1 unless told otherwise because every
    responder accepts it; the hash only identifies the issuer and carries no security weight."""
    builder = ocsp.OCSPRequestBuilder().add_certificate(
        certificate,
        issuer,
        algorithm or hashes.SHA1(),  # noqa: S303 - CertID hash, see the docstring
    )
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build()


def verify_signature(
    public_key: object,
    signature: bytes,
    data: bytes,
    hash_algorithm: hashes.HashAlgorithm | None,
) -> None:
    """Verify with whatever key type the signer has; raises InvalidSignature."""
    if isinstance(public_key, rsa.RSAPublicKey) and hash_algorithm is not None:
        public_key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
    elif isinstance(public_key, ec.EllipticCurvePublicKey) and hash_algorithm is not None:
        public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
    elif isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        public_key.verify(signature, data)
    else:
        raise InvalidSignature("unsupported key or signature algorithm")


def acceptable_signature_algorithm(
    public_key: object, hash_algorithm: hashes.HashAlgorithm | None
) -> bool:
    """SHA-256/384/512 with an RSA or EC key, or no separate hash with Ed25519/Ed448."""
    if isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return hash_algorithm is None
    return isinstance(hash_algorithm, ALLOWED_SIGNATURE_HASHES)


def _key_hash(certificate: x509.Certificate) -> bytes:
    """SHA-1 of the subjectPublicKey bits, as ResponderID byKey carries it."""
    return x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest


def _names_responder(response: ocsp.OCSPResponse, certificate: x509.Certificate) -> bool:
    if response.responder_key_hash is not None:
        return response.responder_key_hash == _key_hash(certificate)
    return response.responder_name == certificate.subject


def _is_delegated_responder(
    candidate: x509.Certificate, issuer: x509.Certificate, now: datetime
) -> bool:
    if not candidate.not_valid_before_utc <= now <= candidate.not_valid_after_utc:
        return False
    try:
        usages = candidate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    if ExtendedKeyUsageOID.OCSP_SIGNING not in usages:
        return False
    try:
        candidate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _signer_of(
    response: ocsp.OCSPResponse, issuer: x509.Certificate, now: datetime
) -> x509.Certificate:
    if _names_responder(response, issuer):
        return issuer
    for candidate in response.certificates:
        if _names_responder(response, candidate) and _is_delegated_responder(
            candidate, issuer, now
        ):
            return candidate
    raise OcspUnavailableError(
        "phản hồi OCSP không do tổ chức cấp hoặc máy chủ OCSP được tổ chức cấp ủy quyền ký"
    )


def check_response(
    data: bytes,
    *,
    certificate: x509.Certificate,
    issuer: x509.Certificate,
    nonce: bytes | None,
    now: datetime,
) -> OcspStatus:
    """Parse and verify a DER response about `certificate`; raise OcspUnavailableError when it
    cannot be relied on."""
    try:
        response = ocsp.load_der_ocsp_response(data)
    except ValueError as error:
        raise OcspUnavailableError(f"phản hồi OCSP không đọc được ({error})") from error
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspUnavailableError(f"máy chủ OCSP trả lời {response.response_status.name}")
    signer = _signer_of(response, issuer, now)
    try:
        hash_algorithm = response.signature_hash_algorithm
    except UnsupportedAlgorithm as error:
        raise OcspUnavailableError("phản hồi OCSP ký bằng thuật toán không hỗ trợ") from error
    public_key = signer.public_key()
    if not acceptable_signature_algorithm(public_key, hash_algorithm):
        named = hash_algorithm.name if hash_algorithm is not None else "không có"
        raise OcspUnavailableError(
            f"phản hồi OCSP ký với hàm băm không được chấp nhận ({named}); "
            "chỉ nhận SHA-256, SHA-384, SHA-512 hoặc Ed25519/Ed448"
        )
    try:
        verify_signature(
            public_key, response.signature, response.tbs_response_bytes, hash_algorithm
        )
    except (InvalidSignature, UnsupportedAlgorithm) as error:
        raise OcspUnavailableError("chữ ký của phản hồi OCSP không hợp lệ") from error
    try:
        echoed = response.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        echoed = None
    if echoed is not None and echoed != nonce:
        raise OcspUnavailableError("phản hồi OCSP mang nonce của yêu cầu khác")
    for single in response.responses:
        reference = build_request(certificate, issuer, nonce=None, algorithm=single.hash_algorithm)
        if (
            single.serial_number == certificate.serial_number
            and single.issuer_key_hash == reference.issuer_key_hash
            and single.issuer_name_hash == reference.issuer_name_hash
        ):
            return _status_of(single, now)
    raise OcspUnavailableError("phản hồi OCSP không nói về chứng thư số này")


def _status_of(single: ocsp.OCSPSingleResponse, now: datetime) -> OcspStatus:
    this_update = single.this_update_utc
    if this_update > now + CLOCK_SKEW:
        raise OcspUnavailableError("phản hồi OCSP ghi thời điểm trong tương lai")
    next_update = single.next_update_utc
    fresh_until = (
        next_update if next_update is not None else this_update + MAX_AGE_WITHOUT_NEXT_UPDATE
    )
    if fresh_until + CLOCK_SKEW < now:
        raise OcspUnavailableError("phản hồi OCSP đã cũ")
    status = single.certificate_status
    if status == ocsp.OCSPCertStatus.GOOD:
        return OcspStatus("good", this_update, fresh_until)
    if status == ocsp.OCSPCertStatus.REVOKED:
        return OcspStatus(
            "revoked",
            this_update,
            fresh_until,
            revocation_time=single.revocation_time_utc,
            revocation_reason=single.revocation_reason,
        )
    return OcspStatus("unknown", this_update, fresh_until)


def query(
    url: str,
    *,
    certificate: x509.Certificate,
    issuer: x509.Certificate,
    client: httpx.Client,
    now: datetime,
) -> OcspStatus:
    """POST one request to `url` and return the verified answer."""
    nonce = secrets.token_bytes(16)
    request = build_request(certificate, issuer, nonce=nonce)
    try:
        with client.stream(
            "POST",
            url,
            content=request.public_bytes(serialization.Encoding.DER),
            headers={"Content-Type": OCSP_REQUEST_TYPE, "Accept": OCSP_RESPONSE_TYPE},
        ) as reply:
            if reply.status_code != httpx.codes.OK:
                raise OcspUnavailableError(f"máy chủ OCSP {url} trả mã HTTP {reply.status_code}")
            body = bytearray()
            for chunk in reply.iter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise OcspUnavailableError(f"phản hồi OCSP từ {url} quá lớn")
    except httpx.HTTPError as error:
        raise OcspUnavailableError(f"không kết nối được máy chủ OCSP {url} ({error})") from error
    return check_response(bytes(body), certificate=certificate, issuer=issuer, nonce=nonce, now=now)


@dataclass
class OcspResponder:
    """Answers OCSP requests for the certificates one CA issued.

    `revoked` maps serial -> (revocation time, reason). With `known_serials` set, any other
    serial is answered `unknown`, as a responder does for certificates it never issued. A
    delegated responder certificate/key may sign instead of the CA; `responder_id` chooses
    whether the response names its signer by key hash or by name.
    """

    issuer: x509.Certificate
    issuer_key: CertificateIssuerPrivateKeyTypes
    revoked: Mapping[int, tuple[datetime, x509.ReasonFlags | None]] = field(default_factory=dict)
    known_serials: frozenset[int] | None = None
    responder_certificate: x509.Certificate | None = None
    responder_key: CertificateIssuerPrivateKeyTypes | None = None
    validity: timedelta | None = timedelta(hours=1)  # None: answers without nextUpdate
    responder_id: ocsp.OCSPResponderEncoding = ocsp.OCSPResponderEncoding.HASH

    def respond(self, request_der: bytes, *, now: datetime | None = None) -> bytes:
        """The DER response to a DER request (malformedRequest when it cannot be read)."""
        moment = (now or datetime.now(UTC)).replace(microsecond=0)
        try:
            request = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.MALFORMED_REQUEST
            ).public_bytes(serialization.Encoding.DER)
        # Only certificates of this CA: CertID hashes the issuer's name and key.
        name_hash = hashes.Hash(request.hash_algorithm)
        name_hash.update(self.issuer.subject.public_bytes())
        # With the CA as "certificate" and issuer, the key hash is the CA's own.
        own = build_request(self.issuer, self.issuer, nonce=None, algorithm=request.hash_algorithm)
        if (request.issuer_key_hash, request.issuer_name_hash) != (
            own.issuer_key_hash,
            name_hash.finalize(),
        ):
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED
            ).public_bytes(serialization.Encoding.DER)
        serial = request.serial_number
        revocation_time: datetime | None = None
        reason: x509.ReasonFlags | None = None
        if serial in self.revoked:
            status = ocsp.OCSPCertStatus.REVOKED
            revocation_time, reason = self.revoked[serial]
        elif self.known_serials is not None and serial not in self.known_serials:
            status = ocsp.OCSPCertStatus.UNKNOWN
        else:
            status = ocsp.OCSPCertStatus.GOOD
        signer_certificate = self.responder_certificate or self.issuer
        signer_key = self.responder_key or self.issuer_key
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                issuer_name_hash=request.issuer_name_hash,
                issuer_key_hash=request.issuer_key_hash,
                serial_number=serial,
                algorithm=request.hash_algorithm,
                cert_status=status,
                this_update=moment,
                next_update=moment + self.validity if self.validity else None,
                revocation_time=revocation_time,
                revocation_reason=reason,
            )
            .responder_id(self.responder_id, signer_certificate)
        )
        if self.responder_certificate is not None:
            builder = builder.certificates([self.responder_certificate])
        try:
            nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value
            builder = builder.add_extension(nonce, critical=False)
        except x509.ExtensionNotFound:
            pass
        return builder.sign(signer_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
