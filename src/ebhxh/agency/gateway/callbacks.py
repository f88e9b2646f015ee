"""Signed callbacks to the I-VAN when a dossier's status changes."""

from __future__ import annotations

from ebhxh.agency.gateway.models import Dossier


def schedule(*, dossier: Dossier) -> None:
    """Queue a callback for the dossier's I-VAN after the current transaction commits."""
    raise NotImplementedError("to be built with the gateway: signed callback with retries")
