"""OCSP against a real responder on 127.0.0.1: used only when no current CRL is at hand."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from ebhxh.pki.demo import DemoPki
from ebhxh.pki.errors import CertificateError
from ebhxh.pki.ocsp import (
    CLOCK_SKEW,
    MAX_AGE_WITHOUT_NEXT_UPDATE,
    MAX_RESPONSE_BYTES,
    OcspResponder,
    OcspUnavailableError,
    acceptable_signature_algorithm,
    check_response,
    ocsp_urls,
)
from ebhxh.pki.validation import CertificateValidator
from tests.pki.support import (
    Authority,
    Clock,
    OcspServer,
    authority,
    crl_of,
    issue,
    name,
    resign_ocsp_response_with_sha1,
    shared_key,
)

DAY = timedelta(days=1)


@pytest.fixture
def vnpt(demo_pki: DemoPki) -> Authority:
    return authority(demo_pki, "vnpt-ca")


@pytest.fixture
def responder(vnpt: Authority, ocsp_server: OcspServer) -> OcspResponder:
    answering = OcspResponder(issuer=vnpt.certificate, issuer_key=vnpt.key)
    ocsp_server.responders["vnpt-ca"] = answering
    return answering


@pytest.fixture
def signer(vnpt: Authority, ocsp_server: OcspServer, pki_now: datetime) -> Authority:
    """A VNPT-CA certificate whose AIA names the test responder."""
    return issue(
        name("Ocsp Holder (TEST)", "MST:0109123458"),
        issuer=vnpt,
        key=shared_key(1),
        not_before=pki_now - 10 * DAY,
        not_after=pki_now + 100 * DAY,
        ocsp_url=ocsp_server.url("vnpt-ca"),
    )


def without_vnpt_crl(
    demo_pki: DemoPki, clock: Clock, *, ocsp_enabled: bool = True
) -> CertificateValidator:
    """VNPT-CA's CRL is missing (the CA is down); the root's CRL is there."""
    crls = [c for c in demo_pki.crl_list() if "VNPT" not in c.issuer.rfc4514_string()]
    return CertificateValidator(
        demo_pki.anchors(),
        intermediates=demo_pki.intermediates(),
        crls=crls,
        ocsp_enabled=ocsp_enabled,
        ocsp_timeout=2.0,
        now=clock,
    )


def code_of(
    validator: CertificateValidator, certificate: x509.Certificate, **kwargs: object
) -> str:
    with pytest.raises(CertificateError) as caught:
        validator.validate(certificate, **kwargs)  # type: ignore[arg-type]
    return caught.value.code


def test_good_answer_validates_and_is_cached(
    demo_pki: DemoPki,
    clock: Clock,
    responder: OcspResponder,
    signer: Authority,
    ocsp_server: OcspServer,
) -> None:
    validator = without_vnpt_crl(demo_pki, clock)
    validator.validate(signer.certificate)
    assert validator.stats.ocsp_queries == 1
    request = ocsp.load_der_ocsp_request(ocsp_server.requests[0])
    assert request.serial_number == signer.certificate.serial_number
    validator.validate(signer.certificate)
    assert validator.stats.ocsp_queries == 1
    assert validator.stats.cache_hits == 1


def test_cached_good_answer_expires_with_its_next_update(
    demo_pki: DemoPki, clock: Clock, responder: OcspResponder, signer: Authority
) -> None:
    validator = without_vnpt_crl(demo_pki, clock)
    validator.validate(signer.certificate)
    assert responder.validity is not None
    clock.advance(responder.validity + timedelta(minutes=1))
    validator.validate(signer.certificate)
    assert validator.stats.ocsp_queries == 2


def test_revoked_answer_is_crt004(
    demo_pki: DemoPki, clock: Clock, responder: OcspResponder, signer: Authority
) -> None:
    revoked_at = clock() - DAY
    responder.revoked = {
        signer.certificate.serial_number: (revoked_at, x509.ReasonFlags.superseded)
    }
    validator = without_vnpt_crl(demo_pki, clock)
    assert code_of(validator, signer.certificate) == "CRT004"
    validator.validate(signer.certificate, at=revoked_at - timedelta(hours=1))


def test_revoked_for_key_compromise_is_crt004_whatever_the_signing_time(
    demo_pki: DemoPki, clock: Clock, responder: OcspResponder, signer: Authority
) -> None:
    revoked_at = clock() - DAY
    responder.revoked = {
        signer.certificate.serial_number: (revoked_at, x509.ReasonFlags.key_compromise)
    }
    validator = without_vnpt_crl(demo_pki, clock)
    assert code_of(validator, signer.certificate, at=revoked_at - 2 * DAY) == "CRT004"


def test_unknown_answer_is_crt005(
    demo_pki: DemoPki, clock: Clock, responder: OcspResponder, signer: Authority
) -> None:
    responder.known_serials = frozenset({1, 2, 3})
    assert code_of(without_vnpt_crl(demo_pki, clock), signer.certificate) == "CRT005"


def test_delegated_responder_with_ocsp_signing_is_trusted(
    demo_pki: DemoPki,
    clock: Clock,
    responder: OcspResponder,
    signer: Authority,
    vnpt: Authority,
    pki_now: datetime,
) -> None:
    delegate = issue(
        name("VNPT OCSP Responder (TEST)"),
        issuer=vnpt,
        key=shared_key(6),
        eku=[ExtendedKeyUsageOID.OCSP_SIGNING],
        not_before=pki_now - DAY,
        not_after=pki_now + DAY,
    )
    responder.responder_certificate = delegate.certificate
    responder.responder_key = delegate.key
    without_vnpt_crl(demo_pki, clock).validate(signer.certificate)


def test_delegated_responder_without_ocsp_signing_is_not_trusted(
    demo_pki: DemoPki,
    clock: Clock,
    responder: OcspResponder,
    signer: Authority,
    vnpt: Authority,
    pki_now: datetime,
) -> None:
    delegate = issue(
        name("Not A Responder (TEST)"),
        issuer=vnpt,
        key=shared_key(6),
        not_before=pki_now - DAY,
        not_after=pki_now + DAY,
    )
    responder.responder_certificate = delegate.certificate
    responder.responder_key = delegate.key
    assert code_of(without_vnpt_crl(demo_pki, clock), signer.certificate) == "CRT005"


def test_responder_certified_by_another_ca_is_not_trusted(
    demo_pki: DemoPki, clock: Clock, responder: OcspResponder, signer: Authority, pki_now: datetime
) -> None:
    elsewhere = issue(
        name("Viettel OCSP Responder (TEST)"),
        issuer=authority(demo_pki, "viettel-ca"),
        key=shared_key(6),
        eku=[ExtendedKeyUsageOID.OCSP_SIGNING],
        not_before=pki_now - DAY,
        not_after=pki_now + DAY,
    )
    responder.responder_certificate = elsewhere.certificate
    responder.responder_key = elsewhere.key
    assert code_of(without_vnpt_crl(demo_pki, clock), signer.certificate) == "CRT005"


def test_answer_signed_with_a_wrong_key_is_crt005(
    demo_pki: DemoPki, clock: Clock, responder: OcspResponder, signer: Authority
) -> None:
    # Names VNPT-CA as the responder but is signed by another key.
    responder.issuer_key = shared_key(7)
    assert code_of(without_vnpt_crl(demo_pki, clock), signer.certificate) == "CRT005"


def test_answer_signed_with_sha1_is_crt005(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
    vnpt: Authority,
) -> None:
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(signer.certificate, vnpt.certificate, hashes.SHA1())
        .build()
    )
    genuine = responder.respond(request.public_bytes(serialization.Encoding.DER), now=clock())
    sha1 = resign_ocsp_response_with_sha1(genuine, vnpt.key)
    assert isinstance(ocsp.load_der_ocsp_response(sha1).signature_hash_algorithm, hashes.SHA1)
    # The SHA-1 signature itself is genuine: only the hash algorithm is at fault.
    with pytest.raises(OcspUnavailableError, match="sha1"):
        check_response(
            sha1, certificate=signer.certificate, issuer=vnpt.certificate, nonce=None, now=clock()
        )
    check_response(
        genuine, certificate=signer.certificate, issuer=vnpt.certificate, nonce=None, now=clock()
    )
    ocsp_server.body = sha1
    validator = without_vnpt_crl(demo_pki, clock)
    assert code_of(validator, signer.certificate) == "CRT005"
    assert validator.stats.ocsp_queries == 1


def test_stale_answer_is_crt005(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
) -> None:
    ocsp_server.clock = lambda: clock() - timedelta(hours=3)  # nextUpdate 2 hours ago
    assert code_of(without_vnpt_crl(demo_pki, clock), signer.certificate) == "CRT005"


def test_answer_about_another_certificate_is_crt005(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
    vnpt: Authority,
) -> None:
    other = demo_pki.certificate("sao-mai-vnpt")
    request = (
        ocsp.OCSPRequestBuilder().add_certificate(other, vnpt.certificate, hashes.SHA1()).build()
    )
    ocsp_server.body = responder.respond(
        request.public_bytes(serialization.Encoding.DER), now=clock()
    )
    assert code_of(without_vnpt_crl(demo_pki, clock), signer.certificate) == "CRT005"


def test_answer_with_another_requests_nonce_is_crt005(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
    vnpt: Authority,
) -> None:
    replayed = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(signer.certificate, vnpt.certificate, hashes.SHA1())
        .add_extension(x509.OCSPNonce(b"0123456789abcdef"), critical=False)
        .build()
    )
    ocsp_server.body = responder.respond(
        replayed.public_bytes(serialization.Encoding.DER), now=clock()
    )
    assert code_of(without_vnpt_crl(demo_pki, clock), signer.certificate) == "CRT005"


@pytest.mark.parametrize("status", [500, 302])
def test_http_error_is_crt005_even_with_a_genuine_body(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
    status: int,
) -> None:
    ocsp_server.status = status
    with pytest.raises(CertificateError) as caught:
        without_vnpt_crl(demo_pki, clock).validate(signer.certificate)
    assert caught.value.code == "CRT005"
    assert f"HTTP {status}" in caught.value.detail


def test_unknown_responder_path_is_crt005(
    demo_pki: DemoPki, clock: Clock, ocsp_server: OcspServer, signer: Authority
) -> None:
    assert code_of(without_vnpt_crl(demo_pki, clock), signer.certificate) == "CRT005"


def test_oversized_answer_is_crt005(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
) -> None:
    ocsp_server.body = b"\x30" * (MAX_RESPONSE_BYTES + 1)
    with pytest.raises(CertificateError) as caught:
        without_vnpt_crl(demo_pki, clock).validate(signer.certificate)
    assert "quá lớn" in caught.value.detail


def test_answer_from_the_future_is_crt005(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
) -> None:
    ocsp_server.clock = lambda: clock() + timedelta(hours=1)
    with pytest.raises(CertificateError) as caught:
        without_vnpt_crl(demo_pki, clock).validate(signer.certificate)
    assert "tương lai" in caught.value.detail


def test_responder_named_by_subject_is_recognised(
    demo_pki: DemoPki, clock: Clock, responder: OcspResponder, signer: Authority
) -> None:
    responder.responder_id = ocsp.OCSPResponderEncoding.NAME
    without_vnpt_crl(demo_pki, clock).validate(signer.certificate)


def test_expired_delegated_responder_is_not_trusted(
    demo_pki: DemoPki,
    clock: Clock,
    responder: OcspResponder,
    signer: Authority,
    vnpt: Authority,
    pki_now: datetime,
) -> None:
    delegate = issue(
        name("Old VNPT OCSP Responder (TEST)"),
        issuer=vnpt,
        key=shared_key(6),
        eku=[ExtendedKeyUsageOID.OCSP_SIGNING],
        not_before=pki_now - 10 * DAY,
        not_after=pki_now - DAY,
    )
    responder.responder_certificate = delegate.certificate
    responder.responder_key = delegate.key
    assert code_of(without_vnpt_crl(demo_pki, clock), signer.certificate) == "CRT005"


def test_unreadable_answer_is_crt005(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
) -> None:
    ocsp_server.body = b"not an OCSP response"
    assert code_of(without_vnpt_crl(demo_pki, clock), signer.certificate) == "CRT005"


def test_unsuccessful_status_is_crt005(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
) -> None:
    ocsp_server.body = ocsp.OCSPResponseBuilder.build_unsuccessful(
        ocsp.OCSPResponseStatus.TRY_LATER
    ).public_bytes(serialization.Encoding.DER)
    error_code = code_of(without_vnpt_crl(demo_pki, clock), signer.certificate)
    assert error_code == "CRT005"


def test_responder_down_is_crt005(
    demo_pki: DemoPki, clock: Clock, vnpt: Authority, pki_now: datetime
) -> None:
    server = OcspServer(clock=clock).start()
    url = server.url("vnpt-ca")
    server.stop()
    lonely = issue(
        name("Lonely (TEST)"),
        issuer=vnpt,
        key=shared_key(1),
        not_before=pki_now - DAY,
        not_after=pki_now + DAY,
        ocsp_url=url,
    )
    with pytest.raises(CertificateError) as caught:
        without_vnpt_crl(demo_pki, clock).validate(lonely.certificate)
    assert caught.value.code == "CRT005"
    assert "OCSP" in caught.value.detail


def test_ocsp_is_not_asked_when_disabled(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
) -> None:
    validator = without_vnpt_crl(demo_pki, clock, ocsp_enabled=False)
    assert code_of(validator, signer.certificate) == "CRT005"
    assert ocsp_server.requests == []


def test_ocsp_is_not_asked_when_a_current_crl_exists(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
) -> None:
    validator = demo_pki.validator(now=clock, ocsp_enabled=True)
    validator.validate(signer.certificate)
    assert ocsp_server.requests == []


def test_ocsp_is_asked_when_the_crl_is_stale(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
) -> None:
    validator = demo_pki.validator(now=clock, ocsp_enabled=True)
    validator.add_crl(crl_of(authority(demo_pki, "root-ca"), now=clock() + 8 * DAY, number=50))
    clock.advance(8 * DAY)
    validator.validate(signer.certificate)
    assert len(ocsp_server.requests) == 1


def test_certificate_without_responder_url_is_crt005(
    demo_pki: DemoPki, clock: Clock, vnpt: Authority, pki_now: datetime
) -> None:
    silent = issue(
        name("No AIA (TEST)"),
        issuer=vnpt,
        key=shared_key(1),
        not_before=pki_now - DAY,
        not_after=pki_now + DAY,
    )
    assert ocsp_urls(silent.certificate) == []
    with pytest.raises(CertificateError) as caught:
        without_vnpt_crl(demo_pki, clock).validate(silent.certificate)
    assert "không ghi địa chỉ OCSP" in caught.value.detail


def test_crl_arriving_during_validation_keeps_the_result_out_of_the_cache(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
) -> None:
    validator = without_vnpt_crl(demo_pki, clock)
    vnpt_crl = next(c for c in demo_pki.crl_list() if "VNPT" in c.issuer.rfc4514_string())
    ocsp_server.on_request = lambda: validator.add_crl(vnpt_crl)
    validator.validate(signer.certificate)
    ocsp_server.on_request = None
    validator.validate(signer.certificate)
    assert validator.stats.cache_hits == 0
    assert validator.stats.ocsp_queries == 1  # the second check used the CRL that arrived


def test_demo_responder_answers_for_the_demo_pki(demo_pki: DemoPki, pki_now: datetime) -> None:
    responder = demo_pki.ocsp_responder("viettel-ca")
    issuer = demo_pki.certificate("viettel-ca")
    answers = {}
    for slug in ("song-hau", "phu-thinh"):
        certificate = demo_pki.certificate(slug)
        request = (
            ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1()).build()
        )
        data = responder.respond(request.public_bytes(serialization.Encoding.DER), now=pki_now)
        answers[slug] = check_response(
            data, certificate=certificate, issuer=issuer, nonce=None, now=pki_now
        )
    assert answers["song-hau"].status == "good"
    assert answers["phu-thinh"].status == "revoked"
    assert answers["phu-thinh"].revocation_reason == x509.ReasonFlags.key_compromise
    stranger = issue(  # signed by Viettel-CA's key but not in the manifest
        name("Stranger (TEST)"),
        issuer=authority(demo_pki, "viettel-ca"),
        not_before=pki_now - DAY,
        not_after=pki_now + DAY,
    ).certificate
    request = ocsp.OCSPRequestBuilder().add_certificate(stranger, issuer, hashes.SHA1()).build()
    data = responder.respond(request.public_bytes(serialization.Encoding.DER), now=pki_now)
    assert ocsp.load_der_ocsp_response(data).certificate_status == ocsp.OCSPCertStatus.UNKNOWN


def test_responder_refuses_requests_for_another_ca_and_garbage(
    demo_pki: DemoPki, pki_now: datetime
) -> None:
    responder = demo_pki.ocsp_responder("viettel-ca")
    certificate = demo_pki.certificate("hoa-binh")
    foreign = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(certificate, demo_pki.certificate("misa-ca"), hashes.SHA256())
        .build()
    )
    answer = responder.respond(foreign.public_bytes(serialization.Encoding.DER), now=pki_now)
    assert (
        ocsp.load_der_ocsp_response(answer).response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED
    )
    garbage = ocsp.load_der_ocsp_response(responder.respond(b"\x30\x00"))
    assert garbage.response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


def test_answer_without_next_update_is_fresh_for_an_hour(
    demo_pki: DemoPki,
    clock: Clock,
    ocsp_server: OcspServer,
    responder: OcspResponder,
    signer: Authority,
) -> None:
    responder.validity = None
    ocsp_server.clock = lambda: clock() - MAX_AGE_WITHOUT_NEXT_UPDATE + timedelta(minutes=1)
    without_vnpt_crl(demo_pki, clock).validate(signer.certificate)
    ocsp_server.clock = lambda: (
        clock() - MAX_AGE_WITHOUT_NEXT_UPDATE - CLOCK_SKEW - timedelta(minutes=1)
    )
    assert code_of(without_vnpt_crl(demo_pki, clock), signer.certificate) == "CRT005"


@pytest.mark.parametrize(
    ("key_kind", "algorithm", "accepted"),
    [
        ("rsa", hashes.SHA256(), True),
        ("rsa", hashes.SHA384(), True),
        ("rsa", hashes.SHA512(), True),
        ("rsa", hashes.SHA1(), False),
        ("rsa", hashes.MD5(), False),
        ("rsa", hashes.SHA224(), False),
        ("rsa", None, False),
        ("ec", hashes.SHA256(), True),
        ("ec", hashes.SHA1(), False),
        ("ed25519", None, True),
        ("ed25519", hashes.SHA256(), False),
    ],
)
def test_only_sha2_256_384_512_or_eddsa_sign_an_acceptable_answer(
    key_kind: str, algorithm: hashes.HashAlgorithm | None, accepted: bool
) -> None:
    key = {
        "rsa": lambda: shared_key(0).public_key(),
        "ec": lambda: ec.generate_private_key(ec.SECP256R1()).public_key(),
        "ed25519": lambda: ed25519.Ed25519PrivateKey.generate().public_key(),
    }[key_kind]()
    assert acceptable_signature_algorithm(key, algorithm) is accepted
