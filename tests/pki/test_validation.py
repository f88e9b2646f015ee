"""Every way a signer certificate can fail, each with its own catalogue code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509.oid import ExtendedKeyUsageOID

from ebhxh.pki.demo import DemoPki
from ebhxh.pki.errors import CertificateError
from ebhxh.pki.loading import fingerprint_sha256
from ebhxh.pki.types import CertificateChecker
from ebhxh.pki.validation import (
    MAX_CRLS_PER_ISSUER,
    MAX_SUPPLIED_INTERMEDIATES,
    CertificateValidator,
)
from tests.pki.support import (
    CA_USAGE,
    Authority,
    Clock,
    authority,
    crl_of,
    issue,
    key_usage,
    name,
    resign_crl_with_sha1,
    resign_with_sha1,
    shared_key,
)

DAY = timedelta(days=1)


def rejected(
    code: str, call: Callable[..., object], *args: object, **kwargs: object
) -> CertificateError:
    """Run `call` and return its CertificateError, which must carry `code`."""
    with pytest.raises(CertificateError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    return caught.value


def leaf(
    issuer: Authority, now: datetime, subject: str = "Leaf (TEST)", **options: object
) -> Authority:
    options.setdefault("not_before", now - DAY)
    options.setdefault("not_after", now + 30 * DAY)
    return issue(
        name(subject, "MST:0109123458"),
        issuer=issuer,
        key=shared_key(1),
        **options,  # type: ignore[arg-type]
    )


def sub_ca(
    root: Authority, now: datetime, label: str = "Sub CA (TEST)", **options: object
) -> Authority:
    options.setdefault("not_before", now - 10 * DAY)
    options.setdefault("not_after", now + 1000 * DAY)
    options.setdefault("ca", True)
    options.setdefault("path_length", 0)
    options.setdefault("key", shared_key(2))
    return issue(name(label), issuer=root, **options)  # type: ignore[arg-type]


def validator_with(
    demo_pki: DemoPki,
    clock: Clock,
    *extra_crls: x509.CertificateRevocationList,
    **options: object,
) -> CertificateValidator:
    return CertificateValidator(
        demo_pki.anchors(),
        intermediates=demo_pki.intermediates(),
        crls=[*demo_pki.crl_list(), *extra_crls],
        now=clock,
        **options,  # type: ignore[arg-type]
    )


# --- the happy path -----------------------------------------------------------------------------


def test_demo_certificate_validates_with_its_chain(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    certificate = demo_pki.certificate("hoa-binh")
    checker: CertificateChecker = demo_validator
    result = checker.validate(certificate, intermediates=demo_pki.chain("hoa-binh"))
    assert result.certificate == certificate
    assert [c.subject for c in result.chain] == [
        certificate.subject,
        demo_pki.certificate("misa-ca").subject,
        demo_pki.certificate("root-ca").subject,
    ]
    assert result.fingerprint_sha256 == fingerprint_sha256(certificate)
    assert result.identity.tax_code == "0109123458"
    assert result.validated_at == pki_now


def test_signing_time_in_the_past_is_what_validity_is_judged_at(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    entity = demo_pki.entity("song-hau")
    at = entity.not_before + timedelta(hours=2)
    result = demo_validator.validate(demo_pki.certificate("song-hau"), at=at)
    assert result.validated_at == at


def test_intermediate_sent_with_the_signature_is_enough_without_a_pool(
    demo_pki: DemoPki, clock: Clock
) -> None:
    validator = CertificateValidator(demo_pki.anchors(), crls=demo_pki.crl_list(), now=clock)
    certificate = demo_pki.certificate("tran-van-duc")
    validator.validate(certificate, intermediates=demo_pki.chain("tran-van-duc"))


def test_extended_key_usage_is_not_required(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    vnpt = authority(demo_pki, "vnpt-ca")
    without = leaf(vnpt, pki_now, eku=None)
    server_only = leaf(vnpt, pki_now, eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    demo_validator.validate(without.certificate)
    demo_validator.validate(server_only.certificate)


# --- CRT001: the chain ----------------------------------------------------------------------------


def test_missing_intermediate_is_crt001(demo_pki: DemoPki, clock: Clock) -> None:
    validator = CertificateValidator(demo_pki.anchors(), crls=demo_pki.crl_list(), now=clock)
    rejected("CRT001", validator.validate, demo_pki.certificate("hoa-binh"))


def test_untrusted_root_is_crt001(demo_validator: CertificateValidator, pki_now: datetime) -> None:
    root = issue(
        name("Fake Root CA"),
        issuer=None,
        key=shared_key(3),
        ca=True,
        not_before=pki_now - DAY,
        not_after=pki_now + 100 * DAY,
    )
    sub = sub_ca(root, pki_now)
    signer = leaf(sub, pki_now)
    error = rejected(
        "CRT001",
        demo_validator.validate,
        signer.certificate,
        intermediates=[sub.certificate, root.certificate],
    )
    assert "tin cậy" in error.detail


def test_self_signed_signer_certificate_is_crt001(
    demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    alone = issue("Self (TEST)", issuer=None, not_before=pki_now - DAY, not_after=pki_now + DAY)
    rejected("CRT001", demo_validator.validate, alone.certificate)


def test_issuer_name_without_its_signature_is_crt001(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    forged = leaf(authority(demo_pki, "vnpt-ca"), pki_now, signing_key=shared_key(4))
    rejected("CRT001", demo_validator.validate, forged.certificate)


def test_issuer_without_ca_flag_is_crt001(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    not_a_ca = sub_ca(authority(demo_pki, "root-ca"), pki_now, ca=False, path_length=None)
    signer = leaf(not_a_ca, pki_now)
    error = rejected(
        "CRT001", demo_validator.validate, signer.certificate, intermediates=[not_a_ca.certificate]
    )
    assert "cA" in error.detail


def test_issuer_without_basic_constraints_is_crt001(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    bare = sub_ca(authority(demo_pki, "root-ca"), pki_now, ca=None, usage=CA_USAGE)
    signer = leaf(bare, pki_now)
    rejected(
        "CRT001", demo_validator.validate, signer.certificate, intermediates=[bare.certificate]
    )


def test_issuer_without_key_cert_sign_is_crt001(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    weak = sub_ca(authority(demo_pki, "root-ca"), pki_now, usage=key_usage(crl_sign=True))
    signer = leaf(weak, pki_now)
    error = rejected(
        "CRT001", demo_validator.validate, signer.certificate, intermediates=[weak.certificate]
    )
    assert "keyCertSign" in error.detail


def test_path_length_constraint_is_enforced(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    vnpt = authority(demo_pki, "vnpt-ca")  # pathLen 0: may not issue CA certificates
    below = issue(
        name("Sub-sub CA (TEST)"),
        issuer=vnpt,
        key=shared_key(3),
        ca=True,
        not_before=pki_now - DAY,
        not_after=pki_now + 100 * DAY,
    )
    signer = leaf(below, pki_now)
    rejected(
        "CRT001", demo_validator.validate, signer.certificate, intermediates=[below.certificate]
    )


def test_unknown_critical_extension_is_crt001(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    odd = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00")
    signer = leaf(authority(demo_pki, "vnpt-ca"), pki_now, extensions=[(odd, True)])
    rejected("CRT001", demo_validator.validate, signer.certificate)


def test_sha1_signature_on_the_certificate_is_crt001(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    vnpt = authority(demo_pki, "vnpt-ca")
    good = leaf(vnpt, pki_now)
    weak = resign_with_sha1(good.certificate, vnpt.key)
    assert weak.signature_algorithm_oid == x509.SignatureAlgorithmOID.RSA_WITH_SHA1
    demo_validator.validate(good.certificate)
    rejected("CRT001", demo_validator.validate, weak)


# --- CRT002 / CRT003: dates at the signing time ------------------------------------------


def test_expired_at_signing_time_is_crt002(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    entity = demo_pki.entity("sao-mai-vnpt")
    error = rejected(
        "CRT002",
        demo_validator.validate,
        demo_pki.certificate("sao-mai-vnpt"),
        at=entity.not_after + timedelta(seconds=1),
    )
    assert "SAO MAI" in error.detail


def test_certificate_that_expired_after_the_signing_time_is_fine(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    short = leaf(
        authority(demo_pki, "vnpt-ca"),
        pki_now,
        not_before=pki_now - 10 * DAY,
        not_after=pki_now - DAY,
    )
    rejected("CRT002", demo_validator.validate, short.certificate)
    demo_validator.validate(short.certificate, at=pki_now - 2 * DAY)


def test_not_yet_valid_at_signing_time_is_crt003(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    entity = demo_pki.entity("nguyen-thi-huong")
    rejected(
        "CRT003",
        demo_validator.validate,
        demo_pki.certificate("nguyen-thi-huong"),
        at=entity.not_before - timedelta(minutes=1),
    )


def test_future_certificate_is_crt003(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    later = leaf(authority(demo_pki, "vnpt-ca"), pki_now, not_before=pki_now + DAY)
    rejected("CRT003", demo_validator.validate, later.certificate)


def test_expired_intermediate_at_signing_time_is_crt002_naming_the_ca(
    demo_pki: DemoPki, pki_now: datetime, clock: Clock
) -> None:
    root = authority(demo_pki, "root-ca")
    old = sub_ca(root, pki_now, "Old CA (TEST)", not_after=pki_now - DAY)
    signer = leaf(old, pki_now, not_before=pki_now - 5 * DAY)
    validator = validator_with(demo_pki, clock, crl_of(old, now=pki_now))
    error = rejected(
        "CRT002", validator.validate, signer.certificate, intermediates=[old.certificate]
    )
    assert "Old CA" in error.detail


def test_naive_times_are_refused(demo_pki: DemoPki, demo_validator: CertificateValidator) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        demo_validator.validate(demo_pki.certificate("hoa-binh"), at=datetime(2026, 1, 1))
    naive_clock = CertificateValidator(demo_pki.anchors(), now=lambda: datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        naive_clock.validate(demo_pki.certificate("hoa-binh"))


def test_a_validator_needs_a_trust_anchor() -> None:
    with pytest.raises(ValueError, match="trust anchor"):
        CertificateValidator([])


# --- CRT006: key usage -------------------------------------------------------------------------


def test_encryption_only_key_is_crt006(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    encryption = leaf(
        authority(demo_pki, "vnpt-ca"), pki_now, usage=key_usage(key_encipherment=True)
    )
    error = rejected("CRT006", demo_validator.validate, encryption.certificate)
    assert "digitalSignature" in error.detail


def test_missing_non_repudiation_is_crt006_unless_relaxed(
    demo_pki: DemoPki, clock: Clock, pki_now: datetime
) -> None:
    signature_only = leaf(
        authority(demo_pki, "vnpt-ca"), pki_now, usage=key_usage(digital_signature=True)
    )
    strict = validator_with(demo_pki, clock)
    error = rejected("CRT006", strict.validate, signature_only.certificate)
    assert "nonRepudiation" in error.detail
    relaxed = validator_with(demo_pki, clock, require_non_repudiation=False)
    relaxed.validate(signature_only.certificate)


def test_missing_key_usage_extension_is_crt006(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    unspecified = leaf(authority(demo_pki, "vnpt-ca"), pki_now, usage=None)
    rejected("CRT006", demo_validator.validate, unspecified.certificate)


# --- CRT004: revoked ----------------------------------------------------------------------------


def test_demo_revoked_certificate_is_crt004(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    rejected("CRT004", demo_validator.validate, demo_pki.certificate("phu-thinh"))


def test_compromised_key_is_revoked_even_before_the_revocation_date(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    entity = demo_pki.entity("phu-thinh")
    assert entity.revocation_reason == "keyCompromise"
    assert entity.revoked_at is not None
    rejected(
        "CRT004",
        demo_validator.validate,
        demo_pki.certificate("phu-thinh"),
        at=entity.revoked_at - timedelta(hours=5),
    )


@pytest.mark.parametrize(
    "reason", [x509.ReasonFlags.superseded, x509.ReasonFlags.cessation_of_operation, None]
)
def test_revocation_after_the_signing_time_keeps_earlier_signatures_valid(
    demo_pki: DemoPki, clock: Clock, pki_now: datetime, reason: x509.ReasonFlags | None
) -> None:
    viettel = authority(demo_pki, "viettel-ca")
    signer = leaf(viettel, pki_now, not_before=pki_now - 10 * DAY)
    revoked_at = pki_now - 2 * DAY
    crl = crl_of(
        viettel, now=pki_now, revoked=[(signer.certificate.serial_number, revoked_at, reason)]
    )
    validator = validator_with(demo_pki, clock, crl)
    validator.validate(signer.certificate, at=revoked_at - timedelta(hours=1))
    rejected("CRT004", validator.validate, signer.certificate, at=revoked_at)
    rejected("CRT004", validator.validate, signer.certificate)


def test_revoked_intermediate_is_crt004(demo_pki: DemoPki, clock: Clock, pki_now: datetime) -> None:
    root = authority(demo_pki, "root-ca")
    sub = sub_ca(root, pki_now, "Revoked CA (TEST)")
    signer = leaf(sub, pki_now)
    root_crl = crl_of(
        root,
        now=pki_now,
        revoked=[(sub.certificate.serial_number, pki_now - DAY, x509.ReasonFlags.ca_compromise)],
    )
    validator = validator_with(demo_pki, clock, root_crl, crl_of(sub, now=pki_now))
    error = rejected(
        "CRT004", validator.validate, signer.certificate, intermediates=[sub.certificate]
    )
    assert "Revoked CA" in error.detail


def test_remove_from_crl_entry_does_not_revoke(
    demo_pki: DemoPki, clock: Clock, pki_now: datetime
) -> None:
    misa = authority(demo_pki, "misa-ca")
    signer = leaf(misa, pki_now)
    entry = (signer.certificate.serial_number, pki_now - DAY, x509.ReasonFlags.remove_from_crl)
    validator = validator_with(demo_pki, clock, crl_of(misa, now=pki_now, revoked=[entry]))
    validator.validate(signer.certificate)


# --- CRT005: revocation status unknown ----------------------------------------------------------


def test_missing_crl_is_crt005(demo_pki: DemoPki, clock: Clock) -> None:
    others = [crl for crl in demo_pki.crl_list() if "MISA" not in crl.issuer.rfc4514_string()]
    validator = CertificateValidator(
        demo_pki.anchors(), intermediates=demo_pki.intermediates(), crls=others, now=clock
    )
    error = rejected("CRT005", validator.validate, demo_pki.certificate("hoa-binh"))
    assert "MISA-CA" in error.detail
    validator.validate(demo_pki.certificate("sao-mai-vnpt"))


def test_missing_root_crl_fails_the_intermediate_with_crt005(
    demo_pki: DemoPki, clock: Clock
) -> None:
    others = [crl for crl in demo_pki.crl_list() if "Root" not in crl.issuer.rfc4514_string()]
    validator = CertificateValidator(
        demo_pki.anchors(), intermediates=demo_pki.intermediates(), crls=others, now=clock
    )
    error = rejected("CRT005", validator.validate, demo_pki.certificate("hoa-binh"))
    assert "Root CA" in error.detail


def test_stale_crl_is_crt005(
    demo_pki: DemoPki, demo_validator: CertificateValidator, clock: Clock
) -> None:
    clock.advance(timedelta(days=8))
    error = rejected(
        "CRT005",
        demo_validator.validate,
        demo_pki.certificate("hoa-binh"),
        at=demo_pki.generated_at + timedelta(hours=1),
    )
    assert "nextUpdate" in error.detail


def test_crl_not_yet_issued_is_crt005(
    demo_pki: DemoPki, demo_validator: CertificateValidator, clock: Clock
) -> None:
    clock.advance(-timedelta(hours=1))  # before the demo CRLs' thisUpdate
    error = rejected("CRT005", demo_validator.validate, demo_pki.certificate("hoa-binh"))
    assert "chỉ có hiệu lực từ" in error.detail


def test_crl_signed_by_another_key_is_crt005(
    demo_pki: DemoPki, clock: Clock, pki_now: datetime
) -> None:
    misa = authority(demo_pki, "misa-ca")
    forged = crl_of(misa, now=pki_now, signing_key=shared_key(5))
    others = [crl for crl in demo_pki.crl_list() if "MISA" not in crl.issuer.rfc4514_string()]
    validator = CertificateValidator(
        demo_pki.anchors(),
        intermediates=demo_pki.intermediates(),
        crls=[*others, forged],
        now=clock,
    )
    error = rejected("CRT005", validator.validate, demo_pki.certificate("hoa-binh"))
    assert "chữ ký" in error.detail


def test_forged_newer_crl_does_not_hide_the_genuine_one(
    demo_pki: DemoPki, clock: Clock, pki_now: datetime
) -> None:
    viettel = authority(demo_pki, "viettel-ca")
    forged = crl_of(viettel, now=pki_now, number=999, signing_key=shared_key(5))
    validator = validator_with(demo_pki, clock, forged)
    rejected("CRT004", validator.validate, demo_pki.certificate("phu-thinh"))
    validator.validate(demo_pki.certificate("song-hau"))


def test_issuer_not_allowed_to_sign_crls_is_crt005(
    demo_pki: DemoPki, clock: Clock, pki_now: datetime
) -> None:
    no_crl_sign = sub_ca(
        authority(demo_pki, "root-ca"), pki_now, usage=key_usage(key_cert_sign=True)
    )
    signer = leaf(no_crl_sign, pki_now)
    validator = validator_with(demo_pki, clock, crl_of(no_crl_sign, now=pki_now))
    error = rejected(
        "CRT005", validator.validate, signer.certificate, intermediates=[no_crl_sign.certificate]
    )
    assert "cRLSign" in error.detail


def test_partial_crls_are_refused(demo_pki: DemoPki, pki_now: datetime) -> None:
    misa = authority(demo_pki, "misa-ca")
    validator = demo_pki.validator()
    delta = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(misa.certificate.subject)
        .last_update(pki_now)
        .next_update(pki_now + DAY)
        .add_extension(x509.DeltaCRLIndicator(1), True)
    )
    with pytest.raises(ValueError, match="delta"):
        validator.add_crl(delta.sign(misa.key, hashes.SHA256()))
    users_only = x509.IssuingDistributionPoint(
        full_name=None,
        relative_name=None,
        only_contains_user_certs=True,
        only_contains_ca_certs=False,
        only_some_reasons=None,
        indirect_crl=False,
        only_contains_attribute_certs=False,
    )
    scoped = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(misa.certificate.subject)
        .last_update(pki_now)
        .next_update(pki_now + DAY)
        .add_extension(users_only, True)
    )
    with pytest.raises(ValueError, match="limited"):
        validator.add_crl(scoped.sign(misa.key, hashes.SHA256()))


def test_every_code_carries_the_catalogue_message(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    error = rejected("CRT004", demo_validator.validate, demo_pki.certificate("phu-thinh"))
    assert error.message.startswith("Chứng thư số đã bị thu hồi")
    assert str(error).startswith("CRT004: ")


def test_times_in_details_are_vietnam_time(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    entity = demo_pki.entity("sao-mai-vnpt")
    at = datetime(2100, 1, 1, tzinfo=UTC)
    error = rejected("CRT002", demo_validator.validate, demo_pki.certificate("sao-mai-vnpt"), at=at)
    assert "01/01/2100 07:00:00 (giờ Việt Nam)" in error.detail
    assert entity.not_after.astimezone(UTC).strftime("%Y") in error.detail


def test_only_the_first_intermediates_sent_with_a_signature_are_considered(
    demo_pki: DemoPki, clock: Clock, pki_now: datetime
) -> None:
    validator = CertificateValidator(demo_pki.anchors(), crls=demo_pki.crl_list(), now=clock)
    padding = [
        issue(f"Padding {index} (TEST)", issuer=None, not_before=pki_now, not_after=pki_now + DAY)
        for index in range(MAX_SUPPLIED_INTERMEDIATES)
    ]
    misa = demo_pki.certificate("misa-ca")
    certificate = demo_pki.certificate("hoa-binh")
    junk = [item.certificate for item in padding]
    rejected("CRT001", validator.validate, certificate, intermediates=[*junk, misa])
    validator.validate(certificate, intermediates=[misa, *junk])


def test_crl_store_keeps_the_newest_crls_per_issuer_and_fails_closed(
    demo_pki: DemoPki, clock: Clock, pki_now: datetime
) -> None:
    misa = authority(demo_pki, "misa-ca")
    validator = validator_with(demo_pki, clock)
    for number in range(2, 2 + MAX_CRLS_PER_ISSUER):
        validator.add_crl(crl_of(misa, now=pki_now, number=number, signing_key=shared_key(5)))
    # The genuine CRL (number 1) was pushed out by newer forged ones: no usable CRL is left,
    # and that is an error, never an acceptance.
    rejected("CRT005", validator.validate, demo_pki.certificate("hoa-binh"))
    validator.add_crl(crl_of(misa, now=pki_now, number=100))
    validator.validate(demo_pki.certificate("hoa-binh"))


def test_crl_signed_with_sha1_is_not_used(
    demo_pki: DemoPki, clock: Clock, pki_now: datetime
) -> None:
    misa = authority(demo_pki, "misa-ca")
    weak = resign_crl_with_sha1(crl_of(misa, now=pki_now), misa.key)
    public_key = misa.certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    # A genuine signature by the CA's key, only with SHA-1.
    public_key.verify(weak.signature, weak.tbs_certlist_bytes, PKCS1v15(), hashes.SHA1())
    others = [crl for crl in demo_pki.crl_list() if "MISA" not in crl.issuer.rfc4514_string()]
    validator = CertificateValidator(
        demo_pki.anchors(), intermediates=demo_pki.intermediates(), crls=[*others, weak], now=clock
    )
    rejected("CRT005", validator.validate, demo_pki.certificate("hoa-binh"))


def test_crl_issuer_name_matches_whatever_its_string_encoding(
    demo_pki: DemoPki, clock: Clock, pki_now: datetime
) -> None:
    misa = authority(demo_pki, "misa-ca")
    printable = x509.Name(
        [
            x509.NameAttribute(
                attribute.oid,
                str(attribute.value),
                _type=x509.name._ASN1Type.PrintableString,
            )
            for attribute in misa.certificate.subject
        ]
    )
    assert printable.public_bytes() != misa.certificate.subject.public_bytes()
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(printable)
        .last_update(pki_now - timedelta(minutes=1))
        .next_update(pki_now + DAY)
        .add_extension(x509.CRLNumber(7), False)
        .sign(misa.key, hashes.SHA256())
    )
    others = [c for c in demo_pki.crl_list() if "MISA" not in c.issuer.rfc4514_string()]
    validator = CertificateValidator(
        demo_pki.anchors(), intermediates=demo_pki.intermediates(), crls=[*others, crl], now=clock
    )
    validator.validate(demo_pki.certificate("hoa-binh"))


def test_intermediates_can_be_added_while_running(demo_pki: DemoPki, clock: Clock) -> None:
    validator = CertificateValidator(demo_pki.anchors(), crls=demo_pki.crl_list(), now=clock)
    rejected("CRT001", validator.validate, demo_pki.certificate("le-hoang-phuc"))
    validator.add_intermediate(demo_pki.certificate("misa-ca"))
    validator.add_intermediate(demo_pki.certificate("misa-ca"))
    validator.validate(demo_pki.certificate("le-hoang-phuc"))


def test_issuer_with_a_short_rsa_key_is_crt001(
    demo_pki: DemoPki, demo_validator: CertificateValidator, pki_now: datetime
) -> None:
    short_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    weak = sub_ca(authority(demo_pki, "root-ca"), pki_now, key=short_key)
    signer = leaf(weak, pki_now)
    rejected(
        "CRT001", demo_validator.validate, signer.certificate, intermediates=[weak.certificate]
    )
