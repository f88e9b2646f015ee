"""The claimed SigningTime: informational, never the time the certificate is validated at.

The signer writes SigningTime, so a back-dated one must not let an expired certificate, or one
revoked for a reason other than key compromise, pass: certificates are validated at the
trusted `at` (the agency's receipt time). A SigningTime after `at` (beyond the clock skew) is
refused: nothing can have been signed after it was received.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from cryptography import x509

from ebhxh.pki.demo import DemoPki
from ebhxh.pki.errors import CertificateError, XmlSignatureError
from ebhxh.pki.validation import CertificateValidator
from ebhxh.xmldsig import ENVELOPE, sign_xml, verify_xml
from ebhxh.xmldsig.verification import DEFAULT_CLOCK_SKEW
from tests.pki.support import Authority, Clock, authority, crl_of, issue, name, shared_key
from tests.xmldsig.support import KeySigner, PinnedCertificateChecker, envelope

DAY = timedelta(days=1)
SIGNING_TIME_XPATH = (
    "/Hoso/CKy_Dvi/ds:Signature/ds:Object/ds:SignatureProperties/ds:SignatureProperty"
    "/ds:SigningTime"
)


def holder(demo_pki: DemoPki, *, not_before: datetime, not_after: datetime) -> Authority:
    return issue(
        name("Ky Lui Ngay (TEST)", "MST:0109123458"),
        issuer=authority(demo_pki, "vnpt-ca"),
        key=shared_key(2),
        not_before=not_before,
        not_after=not_after,
    )


def signed_by(unit: Authority, signing_time: datetime) -> bytes:
    signer = KeySigner(unit.key, unit.certificate)
    return sign_xml(envelope(), signer, location=ENVELOPE, signing_time=signing_time)


def test_backdated_signing_time_does_not_rescue_an_expired_certificate(
    demo_pki: DemoPki, clock: Clock
) -> None:
    received = clock()
    expired = holder(demo_pki, not_before=received - 30 * DAY, not_after=received - DAY)
    document = signed_by(expired, received - 10 * DAY)  # claims a time it was still valid
    validator = demo_pki.validator(now=clock)
    with pytest.raises(CertificateError) as caught:
        verify_xml(document, checker=validator, location=ENVELOPE, at=received)
    assert caught.value.code == "CRT002"


def test_backdated_signing_time_does_not_rescue_a_revoked_certificate(
    demo_pki: DemoPki, clock: Clock
) -> None:
    received = clock()
    unit = holder(demo_pki, not_before=received - 30 * DAY, not_after=received + 100 * DAY)
    revoked_at = received - DAY
    vnpt = authority(demo_pki, "vnpt-ca")
    others = [c for c in demo_pki.crl_list() if c.issuer != vnpt.certificate.subject]
    crl = crl_of(
        vnpt,
        now=received,
        revoked=[(unit.certificate.serial_number, revoked_at, x509.ReasonFlags.superseded)],
    )
    validator = CertificateValidator(
        demo_pki.anchors(), intermediates=demo_pki.intermediates(), crls=[*others, crl], now=clock
    )
    document = signed_by(unit, revoked_at - 2 * DAY)  # claims a time before the revocation
    with pytest.raises(CertificateError) as caught:
        verify_xml(document, checker=validator, location=ENVELOPE, at=received)
    assert caught.value.code == "CRT004"
    # Received before the revocation (the intake recorded it then), the signature stands.
    verified = verify_xml(
        document, checker=validator, location=ENVELOPE, at=revoked_at - timedelta(hours=1)
    )
    assert verified.signing_time == revoked_at - 2 * DAY
    assert verified.validated.validated_at == revoked_at - timedelta(hours=1)


def test_signing_time_after_the_trusted_time_is_refused(
    signer: KeySigner, checker: PinnedCertificateChecker, clock: Clock
) -> None:
    received = clock()
    future = received + DEFAULT_CLOCK_SKEW + timedelta(seconds=1)
    document = sign_xml(envelope(), signer, location=ENVELOPE, signing_time=future)
    with pytest.raises(XmlSignatureError) as caught:
        verify_xml(document, checker=checker, location=ENVELOPE, at=received)
    assert (caught.value.code, caught.value.xpath) == ("SCH007", SIGNING_TIME_XPATH)
    assert not checker.calls, "a refused document's certificate is not looked at"


def test_signing_time_within_the_clock_skew_is_accepted(
    signer: KeySigner, checker: PinnedCertificateChecker, clock: Clock
) -> None:
    received = clock()
    ahead = received + DEFAULT_CLOCK_SKEW - timedelta(seconds=1)
    document = sign_xml(envelope(), signer, location=ENVELOPE, signing_time=ahead)
    verified = verify_xml(document, checker=checker, location=ENVELOPE, at=received)
    assert verified.signing_time == ahead
    assert checker.calls[-1].at == received
    # The tolerance is the caller's to choose.
    with pytest.raises(XmlSignatureError) as caught:
        verify_xml(
            document, checker=checker, location=ENVELOPE, at=received, clock_skew=timedelta(0)
        )
    assert caught.value.code == "SCH007"
    with pytest.raises(ValueError):
        verify_xml(document, checker=checker, location=ENVELOPE, at=received, clock_skew=-DAY)


def test_signing_time_in_the_future_of_now_is_refused_without_at(
    signer: KeySigner, checker: PinnedCertificateChecker
) -> None:
    future = datetime.now().astimezone() + timedelta(hours=1)
    document = sign_xml(envelope(), signer, location=ENVELOPE, signing_time=future)
    with pytest.raises(XmlSignatureError) as caught:
        verify_xml(document, checker=checker, location=ENVELOPE)
    assert (caught.value.code, caught.value.xpath) == ("SCH007", SIGNING_TIME_XPATH)
