"""Signing with a USB token through the browser's signer agent: the server prepares one
signature at a time and the agent signs its digest (`filing_token_start` →
`filing_token_continue` … until done); the PIN never reaches the server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ebhxh.audit.services import actor_of, audit_record
from ebhxh.ivan.certificates import check_for_unit, load_der
from ebhxh.ivan.filings.models import Filing, FilingForm, FilingState
from ebhxh.ivan.filings.services.common import (
    SigningRefused,
    _certificates,
    _check_signing,
    _envelope,
    _event,
    _files,
    _finish_signing,
    _locked,
    _membership,
    _move,
    _require_configured,
    _setup,
    _signing_time,
)
from ebhxh.ivan.models import SigningMethod
from ebhxh.ivan.permissions import Capability
from ebhxh.pki.errors import RejectionError
from ebhxh.xmldsig import ENVELOPE, FORM, PreparedSignature, assemble_signature
from ebhxh.xmldsig import prepare_signature as xml_prepare_signature


@dataclass(frozen=True)
class SigningStep:
    """What the token page does next: sign `digest` (document `index` of `total`), or stop
    (`done`)."""

    filing: Filing
    done: bool
    digest: bytes = b""
    description: str = ""
    index: int = 0
    total: int = 0


def _prepare_step(filing: Filing, forms: Sequence[FilingForm], step: int) -> SigningStep:
    certificate, chain = _certificates(_setup(filing.unit))
    total = len(forms) + 1
    if step < len(forms):
        document, location = bytes(forms[step].xml), FORM
        description = f"Tờ khai {forms[step].form_code} ({forms[step].file_name})"
    else:
        document, location = _envelope(filing, _files(forms, signed=True)), ENVELOPE
        description = f"Hồ sơ {filing.procedure_code} – {filing.unit.name}"
    prepared = xml_prepare_signature(
        document,
        certificate=certificate,
        chain=chain,
        location=location,
        signing_time=_signing_time(),
    )
    filing.signing_prepared = prepared.to_bytes()
    filing.signing_step = step
    filing.signing_progress = {
        "stage": "waiting",
        "message": f"Đang ký {description} ({step + 1}/{total})…",
        "index": step + 1,
        "total": total,
    }
    return SigningStep(
        filing=filing,
        done=False,
        digest=prepared.digest,
        description=description,
        index=step + 1,
        total=total,
    )


def filing_token_start(
    *, actor: User, filing: Filing, certificate: bytes, chain: Sequence[bytes] = ()
) -> SigningStep:
    """The token's certificate (DER, as the agent sends it) must be the unit's configured
    one and name the unit's MST; then the first form's digest is handed out to sign."""
    membership = _membership(actor, filing.unit, Capability.SIGN)
    with transaction.atomic():
        filing = _locked(filing)
        setup = _check_signing(filing, SigningMethod.TOKEN)
        [chosen, *intermediates] = load_der([certificate, *chain])
        facts = check_for_unit(
            chosen, intermediates, unit_tax_code=filing.unit.tax_code, now=timezone.now()
        )
        _require_configured(setup, facts.fingerprint_sha256)
        forms = list(filing.forms.all())
        for form in forms:
            form.signed_xml = None
        FilingForm.objects.bulk_update(forms, ["signed_xml"])
        if filing.state == FilingState.DRAFT:
            _move(filing, FilingState.SIGNING)
        filing.signing_method = SigningMethod.TOKEN
        filing.signer_fingerprint = facts.fingerprint_sha256
        step = _prepare_step(filing, forms, 0)
        filing.save()
        _event(
            filing,
            "signing_started",
            f"Bắt đầu ký bằng USB Token, chứng thư số {facts.common_name}.",
            fingerprint=facts.fingerprint_sha256,
        )
        audit_record(
            actor=actor_of(membership.user),
            action="ivan.filing_signing_started",
            target=filing,
            data={"method": SigningMethod.TOKEN, "fingerprint": facts.fingerprint_sha256},
        )
    return step


def filing_token_continue(*, actor: User, filing: Filing, signature: bytes) -> SigningStep:
    """Put the token's signature into the document it was prepared for and hand out the
    next digest; after the envelope's signature the dossier is SIGNED (`done`)."""
    membership = _membership(actor, filing.unit, Capability.SIGN)
    with transaction.atomic():
        filing = _locked(filing)
        _check_signing(filing, SigningMethod.TOKEN)
        if filing.state != FilingState.SIGNING or not filing.signing_prepared:
            raise SigningRefused(
                "Chưa có tài liệu chờ ký. Bấm “Ký hồ sơ” lại để bắt đầu.",
                code="FILING_NOT_PREPARED",
            )
        prepared = PreparedSignature.from_bytes(bytes(filing.signing_prepared))
        try:
            signed = assemble_signature(prepared, signature)
        except RejectionError as error:
            raise SigningRefused(error.message, code=error.code) from None
        forms = list(filing.forms.all())
        step = filing.signing_step
        if step < len(forms):
            forms[step].signed_xml = signed
            forms[step].save(update_fields=["signed_xml"])
            next_step = _prepare_step(filing, forms, step + 1)
            filing.save()
            return next_step
        _finish_signing(filing, signed)
        audit_record(
            actor=actor_of(membership.user),
            action="ivan.filing_signed",
            target=filing,
            data={"method": SigningMethod.TOKEN, "sha256": filing.envelope_sha256},
        )
    return SigningStep(filing=filing, done=True, index=len(forms) + 1, total=len(forms) + 1)
