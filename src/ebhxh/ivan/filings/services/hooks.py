"""Outcome hooks: how procedures (the registration wizard) react to their dossiers' outcomes
without the engine knowing them. Hooks run after commit, so they see the committed state."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final

from django.db import transaction

from ebhxh.ivan.filings.models import Filing, FilingState

logger = logging.getLogger(__name__)


# States after which outcome hooks run: the dossier left the I-VAN or ended.
_HOOK_STATES: Final = frozenset(
    {
        FilingState.SEND_FAILED,
        FilingState.RECEIVED,
        FilingState.PROCESSING,
        FilingState.ACCEPTED,
        FilingState.REFUSED,
        FilingState.CANCELLED,
    }
)
_HOOKS: dict[str, list[Callable[[Filing], None]]] = {}


def register_outcome_hook(procedure_code: str, hook: Callable[[Filing], None]) -> None:
    """Call `hook(filing)` after commit whenever a dossier of `procedure_code` reaches a new
    state once it left the I-VAN (SEND_FAILED, RECEIVED, PROCESSING, ACCEPTED, REFUSED) or
    is cancelled. Registering the same hook twice has no effect."""
    hooks = _HOOKS.setdefault(procedure_code, [])
    if hook not in hooks:
        hooks.append(hook)


def _schedule_hooks(filing: Filing) -> None:
    if filing.state not in _HOOK_STATES or not _HOOKS.get(filing.procedure_code):
        return
    pk = filing.pk
    transaction.on_commit(lambda: _run_hooks(pk))


def _run_hooks(filing_id: int) -> None:
    filing = Filing.objects.select_related("unit", "company").get(pk=filing_id)
    for hook in list(_HOOKS.get(filing.procedure_code, ())):
        # One procedure's failing hook must not hide the outcome from the others; the
        # dossier's state is already committed and the hook runs again on the next change.
        try:
            hook(filing)
        except Exception:
            logger.exception("Outcome hook %r failed for filing %s", hook, filing_id)
