"""The validation cache: a repeat check is a lookup plus date checks, until a CRL changes."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from ebhxh.pki.demo import DemoPki
from ebhxh.pki.errors import CertificateError
from ebhxh.pki.validation import CertificateValidator
from tests.pki.support import Authority, Clock, authority, crl_of, issue, shared_key


def expensive_work(validator: CertificateValidator) -> tuple[int, int]:
    """What a cache hit must not repeat: path searches (certificate signatures) and CRL
    signature checks."""
    return validator.stats.path_searches, validator.stats.crl_signature_checks


def test_second_validation_verifies_no_signature_again(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    certificate = demo_pki.certificate("sao-mai-vnpt")
    first = demo_validator.validate(certificate)
    work = expensive_work(demo_validator)
    assert work[0] >= 1 and work[1] >= 2  # the leaf's CA's CRL and the root's CRL
    second = demo_validator.validate(certificate, intermediates=demo_pki.chain("sao-mai-vnpt"))
    assert expensive_work(demo_validator) == work
    assert demo_validator.stats.cache_hits == 1
    assert second.chain == first.chain
    assert second.identity == first.identity


def test_cache_hit_still_judges_the_signing_time(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    certificate = demo_pki.certificate("sao-mai-vnpt")
    demo_validator.validate(certificate)
    work = expensive_work(demo_validator)
    entity = demo_pki.entity("sao-mai-vnpt")
    with pytest.raises(CertificateError) as expired:
        demo_validator.validate(certificate, at=entity.not_after + timedelta(days=1))
    with pytest.raises(CertificateError) as early:
        demo_validator.validate(certificate, at=entity.not_before - timedelta(days=1))
    assert (expired.value.code, early.value.code) == ("CRT002", "CRT003")
    assert expensive_work(demo_validator) == work
    assert demo_validator.stats.cache_hits == 2


def test_cached_revocation_is_judged_against_each_signing_time(
    demo_pki: DemoPki, clock: Clock
) -> None:
    viettel = authority(demo_pki, "viettel-ca")
    certificate = demo_pki.certificate("song-hau")
    revoked_at = clock() - timedelta(hours=2)
    entry = (certificate.serial_number, revoked_at, x509.ReasonFlags.superseded)
    others = [c for c in demo_pki.crl_list() if c.issuer != viettel.certificate.subject]
    validator = CertificateValidator(
        demo_pki.anchors(),
        intermediates=demo_pki.intermediates(),
        crls=[*others, crl_of(viettel, now=clock(), revoked=[entry])],
        now=clock,
    )
    validator.validate(certificate, at=revoked_at - timedelta(minutes=1))
    work = expensive_work(validator)
    with pytest.raises(CertificateError) as caught:
        validator.validate(certificate)
    assert caught.value.code == "CRT004"
    assert expensive_work(validator) == work


def test_newer_crl_invalidates_the_entries_that_relied_on_the_old_one(
    demo_pki: DemoPki, demo_validator: CertificateValidator, clock: Clock
) -> None:
    certificate = demo_pki.certificate("hoa-binh")
    other = demo_pki.certificate("nguyen-thi-huong")
    demo_validator.validate(certificate)
    demo_validator.validate(other)
    misa = authority(demo_pki, "misa-ca")
    newer = crl_of(
        misa,
        now=clock(),
        number=2,
        revoked=[(certificate.serial_number, clock(), x509.ReasonFlags.key_compromise)],
    )
    assert demo_validator.add_crl(newer) is True
    searches = demo_validator.stats.path_searches
    with pytest.raises(CertificateError) as caught:
        demo_validator.validate(certificate)
    assert caught.value.code == "CRT004"
    assert demo_validator.stats.path_searches == searches + 1
    demo_validator.validate(other)  # issued by VNPT-CA: its entry did not depend on MISA's CRL
    assert demo_validator.stats.path_searches == searches + 1


def _printable_crl(
    ca: Authority,
    *,
    number: int,
    now: datetime,
    revoked: list[tuple[int, datetime, x509.ReasonFlags]] | None = None,
) -> x509.CertificateRevocationList:
    """A CRL of `ca` whose issuer name spells every attribute as PrintableString."""
    issuer = x509.Name(
        [
            x509.NameAttribute(attribute.oid, str(attribute.value), _type=_ASN1Type.PrintableString)
            for attribute in ca.certificate.subject
        ]
    )
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer)
        .last_update(now - timedelta(minutes=5))
        .next_update(now + timedelta(days=7))
        .add_extension(x509.CRLNumber(number), False)
    )
    for serial, revoked_at, reason in revoked or []:
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at)
        builder = builder.add_revoked_certificate(
            entry.add_extension(x509.CRLReason(reason), False).build()
        )
    return builder.sign(ca.key, hashes.SHA256())


def test_newer_crl_spelling_the_issuer_differently_still_invalidates(clock: Clock) -> None:
    # The certificates name their CA in UTF8String, its CRLs in PrintableString: the same
    # name (RFC 5280 compares the values), different DER. A newer CRL must still reach the
    # cached result of a certificate it revokes.
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Encoding Test CA", _type=_ASN1Type.UTF8String),
        ]
    )
    ca = issue(
        subject,
        issuer=None,
        key=shared_key(3),
        ca=True,
        not_before=clock() - timedelta(days=30),
        not_after=clock() + timedelta(days=365),
    )
    leaf = issue(
        "Encoding Test Holder",
        issuer=ca,
        key=shared_key(4),
        not_before=clock() - timedelta(days=1),
        not_after=clock() + timedelta(days=100),
    ).certificate
    first = _printable_crl(ca, number=1, now=clock())
    assert first.issuer == leaf.issuer
    assert first.issuer.public_bytes() != leaf.issuer.public_bytes()
    validator = CertificateValidator([ca.certificate], crls=[first], now=clock)
    validator.validate(leaf)
    validator.validate(leaf)
    assert validator.stats.cache_hits == 1
    revoking = _printable_crl(
        ca,
        number=2,
        now=clock(),
        revoked=[(leaf.serial_number, clock() - timedelta(minutes=1), x509.ReasonFlags.superseded)],
    )
    assert validator.add_crl(revoking)
    with pytest.raises(CertificateError) as caught:
        validator.validate(leaf)  # no clear_cache()
    assert caught.value.code == "CRT004"


def test_unrelated_crl_keeps_the_entry_and_the_next_hit_is_cheap(
    demo_pki: DemoPki, demo_validator: CertificateValidator, clock: Clock
) -> None:
    certificate = demo_pki.certificate("hoa-binh")  # MISA-CA
    demo_validator.validate(certificate)
    newer = crl_of(authority(demo_pki, "vnpt-ca"), now=clock(), number=2)
    assert demo_validator.add_crl(newer)
    work = expensive_work(demo_validator)
    demo_validator.validate(certificate)  # epoch moved on: generations compared, entry kept
    demo_validator.validate(certificate)  # entry refreshed to the current epoch
    assert expensive_work(demo_validator) == work
    assert demo_validator.stats.cache_hits == 2
    assert all(
        entry.crl_epoch == demo_validator._crl_epoch for entry in demo_validator._cache.values()
    )


def test_newer_crl_without_the_certificate_still_forces_a_fresh_check(
    demo_pki: DemoPki, demo_validator: CertificateValidator, clock: Clock
) -> None:
    certificate = demo_pki.certificate("hoa-binh")
    demo_validator.validate(certificate)
    same_day = crl_of(authority(demo_pki, "misa-ca"), now=clock(), number=1, this_update=clock())
    # Same CRL number, later thisUpdate: newer all the same.
    assert same_day.last_update_utc > demo_pki.crls[0].this_update
    assert demo_validator.add_crl(same_day)
    searches = demo_validator.stats.path_searches
    demo_validator.validate(certificate)
    assert demo_validator.stats.path_searches == searches + 1


def test_adding_a_crl_already_held_changes_nothing(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    certificate = demo_pki.certificate("hoa-binh")
    demo_validator.validate(certificate)
    assert demo_validator.add_crl(demo_pki.crl_list()[0]) is False
    work = expensive_work(demo_validator)
    demo_validator.validate(certificate)
    assert expensive_work(demo_validator) == work


def test_an_older_crl_does_not_invalidate(
    demo_pki: DemoPki, demo_validator: CertificateValidator, clock: Clock
) -> None:
    certificate = demo_pki.certificate("hoa-binh")
    demo_validator.validate(certificate)
    older = crl_of(
        authority(demo_pki, "misa-ca"),
        now=clock(),
        number=0,
        this_update=clock() - timedelta(days=3),
    )
    assert demo_validator.add_crl(older) is True
    work = expensive_work(demo_validator)
    demo_validator.validate(certificate)
    assert expensive_work(demo_validator) == work


def test_entry_expires_with_the_crl_it_relied_on(
    demo_pki: DemoPki, demo_validator: CertificateValidator, clock: Clock
) -> None:
    certificate = demo_pki.certificate("hoa-binh")
    demo_validator.validate(certificate)
    clock.advance(timedelta(days=8))
    with pytest.raises(CertificateError) as caught:
        demo_validator.validate(certificate, at=demo_pki.generated_at)
    assert caught.value.code == "CRT005"
    assert demo_validator.stats.cache_hits == 0


def test_failures_are_not_cached(demo_pki: DemoPki, demo_validator: CertificateValidator) -> None:
    for _ in range(2):
        with pytest.raises(CertificateError):
            demo_validator.validate(demo_pki.certificate("phu-thinh"))
    assert demo_validator.stats.cache_hits == 0


def test_cache_is_bounded_least_recently_used_first(demo_pki: DemoPki, clock: Clock) -> None:
    validator = demo_pki.validator(now=clock, cache_size=2)
    first, second, third = (
        demo_pki.certificate(slug) for slug in ("hoa-binh", "song-hau", "ivan-misa")
    )
    validator.validate(first)
    validator.validate(second)
    validator.validate(first)  # first is now the most recently used
    validator.validate(third)  # evicts second
    hits = validator.stats.cache_hits
    validator.validate(first)
    assert validator.stats.cache_hits == hits + 1
    validator.validate(second)
    assert validator.stats.cache_hits == hits + 1


def test_clear_cache_forgets_results(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    demo_validator.validate(demo_pki.certificate("hoa-binh"))
    demo_validator.clear_cache()
    demo_validator.validate(demo_pki.certificate("hoa-binh"))
    assert demo_validator.stats.cache_hits == 0


def test_concurrent_validations_agree(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    slugs = ["hoa-binh", "sao-mai-vnpt", "sao-mai-viettel", "tran-van-duc", "phu-thinh"]
    certificates = {slug: demo_pki.certificate(slug) for slug in slugs}
    outcomes: list[tuple[str, str]] = []
    lock = threading.Lock()

    def work(slug: str) -> None:
        for _ in range(20):
            try:
                result = demo_validator.validate(certificates[slug])
                outcome = result.fingerprint_sha256
            except CertificateError as error:
                outcome = error.code
            with lock:
                outcomes.append((slug, outcome))

    threads = [threading.Thread(target=work, args=(slug,)) for slug in slugs * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 200
    by_slug = {slug: {outcome for s, outcome in outcomes if s == slug} for slug in slugs}
    assert by_slug["phu-thinh"] == {"CRT004"}
    for slug in slugs[:-1]:
        assert by_slug[slug] == {demo_pki.entity(slug).fingerprint_sha256}
    assert demo_validator.stats.validations == 200
    assert demo_validator.stats.cache_hits >= 200 - 2 * len(slugs) - 40
