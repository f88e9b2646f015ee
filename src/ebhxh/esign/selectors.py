"""Reads: who a bearer token belongs to, a holder's credentials, what the device shows."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from ebhxh.esign.errors import InvalidCredential, InvalidToken
from ebhxh.esign.models import (
    AccessToken,
    Credential,
    HolderAccount,
    SigningRequest,
    SigningRequestStatus,
)
from ebhxh.esign.services import token_digest


def holder_for_token(token: str) -> HolderAccount:
    """The active holder of an unexpired bearer token; InvalidToken otherwise."""
    if not token:
        raise InvalidToken()
    found = (
        AccessToken.objects.select_related("holder")
        .filter(
            token_hash=token_digest(token),
            expires_at__gt=timezone.now(),
            holder__is_active=True,
        )
        .first()
    )
    if found is None:
        raise InvalidToken()
    return found.holder


def active_holder(holder_id: int) -> HolderAccount | None:
    """The holder a device session names, if the account is still active."""
    return HolderAccount.objects.filter(pk=holder_id, is_active=True).first()


def holder_credentials(holder: HolderAccount) -> QuerySet[Credential]:
    return Credential.objects.filter(holder=holder).order_by("id")


def holder_credential(holder: HolderAccount, credential_id: str) -> Credential:
    """Only the holder's own: another holder's id is answered as if it did not exist."""
    try:
        return Credential.objects.get(holder=holder, credential_id=credential_id)
    except Credential.DoesNotExist:
        raise InvalidCredential() from None


def pending_requests(holder: HolderAccount) -> QuerySet[SigningRequest]:
    """What the device asks the holder to confirm: pending and still within the time limit."""
    return (
        SigningRequest.objects.select_related("credential")
        .filter(
            holder=holder,
            status=SigningRequestStatus.PENDING,
            expires_at__gt=timezone.now(),
        )
        .order_by("expires_at", "id")
    )


def recent_requests(holder: HolderAccount, *, limit: int = 10) -> QuerySet[SigningRequest]:
    """The holder's latest finished requests (pending ones are listed above them)."""
    return (
        SigningRequest.objects.select_related("credential")
        .filter(holder=holder)
        .exclude(status=SigningRequestStatus.PENDING)
        .order_by("-created_at", "-id")[:limit]
    )
