"""Use cases of the dossier engine: create, sign, submit, track, cancel.

A dossier is checked with the gateway's own readers when it is created, so nobody signs
what the agency would refuse for its format. Signing follows the unit's configured method:
with a USB token the browser's signer agent signs one digest per request
(`filing_token_start` → `filing_token_continue` … until done); with remote signing one
`RemoteSigner` signs every form and then the envelope (`filing_remote_sign`), so the holder
confirms on the device as the procedure requires. Submission calls the gateway after the
dossier is marked SENDING and committed (no HTTP inside a transaction); the answer is then
recorded in its own transaction. Procedures react to outcomes through hooks
(`register_outcome_hook`), run after commit.

The engine is split into one small module per stage (`create`, `token`, `remote`,
`submission`, `tracking`, `cancel`, with `common`, `hooks` and `notify` shared by them) so
each can be read on its own; this package re-exports what the rest of the I-VAN uses, and
callers keep importing from `ebhxh.ivan.filings.services`.
"""

from ebhxh.ivan.filings.services.cancel import filing_cancel
from ebhxh.ivan.filings.services.common import (
    FilingInvalid,
    SigningRefused,
    device_confirmations,
    signing_setup,
)
from ebhxh.ivan.filings.services.create import FormInput, check_can_file, filing_create
from ebhxh.ivan.filings.services.hooks import register_outcome_hook
from ebhxh.ivan.filings.services.remote_signing import filing_remote_begin, filing_remote_sign
from ebhxh.ivan.filings.services.submission import RETRY_DELAYS, filing_submit
from ebhxh.ivan.filings.services.token import (
    SigningStep,
    filing_token_continue,
    filing_token_start,
)
from ebhxh.ivan.filings.services.tracking import (
    filing_refresh,
    refresh_open_filings,
    resend_due_filings,
)

__all__ = [
    "RETRY_DELAYS",
    "FilingInvalid",
    "FormInput",
    "SigningRefused",
    "SigningStep",
    "check_can_file",
    "device_confirmations",
    "filing_cancel",
    "filing_create",
    "filing_refresh",
    "filing_remote_begin",
    "filing_remote_sign",
    "filing_submit",
    "filing_token_continue",
    "filing_token_start",
    "refresh_open_filings",
    "register_outcome_hook",
    "resend_due_filings",
    "signing_setup",
]
