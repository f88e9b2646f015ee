"""Use cases of the remote-signing service (DESIGN.md §6.1–6.3).

Each function runs in one transaction and writes its audit record there. A refusal that
must still leave a trace (a wrong PIN counted, a request found past its deadline) is decided
inside the transaction and raised only after the transaction commits. Polls that change
nothing (`signing_request_check` while still pending) write no audit record.

Rows that two callers could change at once are read with `select_for_update`: the holder
(PIN counter) before the request, never the other way round, so no two services deadlock.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ebhxh.audit.services import SYSTEM_ACTOR, audit_record
from ebhxh.esign import keystore
from ebhxh.esign.errors import (
    AccessDenied,
    CredentialDisabled,
    DeviceLocked,
    EsignError,
    HashMismatch,
    InvalidCredential,
    InvalidGrant,
    InvalidRequest,
    InvalidSad,
    PinIncorrect,
    RequestExpired,
    RequestNotFound,
    RequestNotPending,
    SadAlreadyIssued,
    SadExpired,
    SadUsed,
    UnknownProcedure,
    UnsupportedAlgorithm,
)
from ebhxh.esign.models import (
    SIGNING_REQUEST_TRANSITIONS,
    AccessToken,
    Credential,
    DeviceConfirmation,
    HolderAccount,
    KeyStorage,
    SigningRequest,
    SigningRequestStatus,
    new_credential_id,
)
from ebhxh.identifiers import IdentifierError, parse_tax_code
from ebhxh.pki.loading import fingerprint_sha256
from ebhxh.reference.errors import UnknownProcedureError
from ebhxh.reference.procedures import get_procedure
from ebhxh.signers.pkcs11 import Pkcs11Signer
from ebhxh.signers.software import read_pkcs12

SHA256_OID = "2.16.840.1.101.3.4.2.1"
RSA_ENCRYPTION_OID = "1.2.840.113549.1.1.1"
SHA256_WITH_RSA_OID = "1.2.840.113549.1.1.11"
SIGN_ALGORITHMS = frozenset({RSA_ENCRYPTION_OID, SHA256_WITH_RSA_OID})
SHA256_BYTES = 32
MAX_HASHES = 10  # `multisign` in credentials/info
POLL_INTERVAL_SECONDS = 2  # what authorize tells the client to wait between checks
_PIN_FORMAT = re.compile(r"^[0-9]{4,12}$")
_Status = SigningRequestStatus


def holder_actor(holder: HolderAccount) -> str:
    """The audit actor for something a holder did (API client or device)."""
    return f"esign:{holder.pk}:{holder.username}"


def token_digest(token: str) -> str:
    """Bearer tokens and SADs are 256-bit random values: SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _seconds_until(moment: datetime | None, now: datetime) -> int:
    if moment is None:
        return 0
    return max(0, int((moment - now).total_seconds()))


# --- accounts ---------------------------------------------------------------------------------


def holder_create(
    *, actor: str, username: str, full_name: str, password: str, pin: str
) -> HolderAccount:
    """Open a holder account (the provider does this when it issues the certificate)."""
    username = username.strip()
    if not username or not password:
        raise InvalidRequest(_("Tên đăng nhập và mật khẩu không được để trống."))
    if not _PIN_FORMAT.match(pin):
        raise InvalidRequest(_("Mã PIN thiết bị phải gồm 4 đến 12 chữ số."), field="pin")
    with transaction.atomic():
        if HolderAccount.objects.filter(username=username).exists():
            raise InvalidRequest(_("Tên đăng nhập này đã được dùng."), field="username")
        holder = HolderAccount.objects.create(
            username=username,
            full_name=full_name.strip(),
            password=make_password(password),
            pin=make_password(pin),
        )
        audit_record(actor=actor, action="esign.holder_created", target=holder)
    return holder


def holder_pin_unlock(*, actor: str, holder: HolderAccount) -> HolderAccount:
    """The provider's support unlocks a device locked after too many wrong PINs."""
    with transaction.atomic():
        locked = HolderAccount.objects.select_for_update().get(pk=holder.pk)
        locked.pin_failures = 0
        locked.pin_locked_at = None
        locked.save(update_fields=["pin_failures", "pin_locked_at"])
        audit_record(actor=actor, action="esign.pin_unlocked", target=locked)
    return locked


# --- credentials ------------------------------------------------------------------------------


def _pem(certificates: Sequence[x509.Certificate]) -> str:
    return "".join(
        cert.public_bytes(serialization.Encoding.PEM).decode("ascii") for cert in certificates
    )


def _certificate_fields(
    certificate: x509.Certificate, chain: Sequence[x509.Certificate]
) -> dict[str, Any]:
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise UnsupportedAlgorithm()
    return {
        "certificate_pem": _pem([certificate]),
        "chain_pem": _pem(chain),
        "fingerprint_sha256": fingerprint_sha256(certificate),
        "subject_dn": certificate.subject.rfc4514_string(),
        "issuer_dn": certificate.issuer.rfc4514_string(),
        "serial_number": format(certificate.serial_number, "x"),
        "valid_from": certificate.not_valid_before_utc,
        "valid_to": certificate.not_valid_after_utc,
        "key_bits": key.key_size,
    }


def _add_credential(
    *, actor: str, holder: HolderAccount, fields: dict[str, Any], credential_id: str
) -> Credential:
    with transaction.atomic():
        if Credential.objects.filter(
            holder=holder, fingerprint_sha256=fields["fingerprint_sha256"]
        ).exists():
            raise InvalidRequest(_("Tài khoản đã có chứng thư số này."))
        credential = Credential.objects.create(
            holder=holder,
            credential_id=credential_id,
            key_encryption_key_id=keystore.key_encryption_key_id(),
            **fields,
        )
        audit_record(
            actor=actor,
            action="esign.credential_added",
            target=credential,
            data={
                "holder": holder.username,
                "fingerprint_sha256": credential.fingerprint_sha256,
                "key_storage": credential.key_storage,
            },
        )
    return credential


def credential_add_encrypted(
    *,
    actor: str,
    holder: HolderAccount,
    private_key: rsa.RSAPrivateKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    description: str = "",
) -> Credential:
    """Keep a key sealed with the KEK (AES-GCM); the key must match the certificate."""
    public = certificate.public_key()
    if (
        not isinstance(public, rsa.RSAPublicKey)
        or private_key.public_key().public_numbers() != public.public_numbers()
    ):
        raise InvalidRequest(_("Khoá bí mật không khớp với chứng thư số."))
    credential_id = new_credential_id()
    fields = _certificate_fields(certificate, chain)
    fields.update(
        description=description,
        key_storage=KeyStorage.ENCRYPTED,
        encrypted_key=keystore.seal_private_key(private_key, credential_id=credential_id),
    )
    return _add_credential(actor=actor, holder=holder, fields=fields, credential_id=credential_id)


def credential_add_from_pkcs12(
    *,
    actor: str,
    holder: HolderAccount,
    p12: bytes,
    password: bytes | str | None,
    description: str = "",
) -> Credential:
    """Import a .p12 handed over by the CA: its key is sealed, the file is not kept."""
    contents = read_pkcs12(p12, password)
    return credential_add_encrypted(
        actor=actor,
        holder=holder,
        private_key=contents.private_key,
        certificate=contents.certificate,
        chain=contents.chain,
        description=description,
    )


def credential_add_pkcs11(
    *,
    actor: str,
    holder: HolderAccount,
    token_label: str,
    token_pin: str,
    module_path: str = "",
    certificate_id: str | None = None,
    fingerprint: str | None = None,
    description: str = "",
) -> Credential:
    """Use a key that stays on a PKCS#11 token; the token is opened once to check it."""
    with Pkcs11Signer.open(
        module_path or None,
        token_label=token_label,
        pin=token_pin,
        certificate_id=certificate_id,
        fingerprint=fingerprint,
    ) as signer:
        certificate, chain = signer.certificate, signer.chain
        key_id = signer.token_certificate.id_hex
    credential_id = new_credential_id()
    fields = _certificate_fields(certificate, chain)
    fields.update(
        description=description,
        key_storage=KeyStorage.PKCS11,
        pkcs11_module=module_path,
        pkcs11_token_label=token_label,
        pkcs11_key_id=key_id,
        encrypted_pkcs11_pin=keystore.seal(
            token_pin.encode("utf-8"), purpose="pkcs11-pin", credential_id=credential_id
        ),
    )
    return _add_credential(actor=actor, holder=holder, fields=fields, credential_id=credential_id)


# --- logging in ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    holder: HolderAccount


def _authenticate(username: str, password: str) -> HolderAccount:
    """The active holder with this password; the same work is done for unknown usernames."""
    holder = HolderAccount.objects.filter(username=username.strip(), is_active=True).first()
    if holder is None:
        make_password(password)  # so an unknown username takes as long as a wrong password
        raise InvalidGrant()
    if not check_password(password, holder.password):
        raise InvalidGrant()
    return holder


def token_issue(*, username: str, password: str) -> IssuedToken:
    """OAuth 2.0 password grant: a bearer token for the CSC API; only its hash is kept."""
    holder = _authenticate(username, password)
    token = secrets.token_urlsafe(32)
    lifetime = int(settings.ESIGN_TOKEN_SECONDS)
    with transaction.atomic():
        AccessToken.objects.filter(holder=holder, expires_at__lte=timezone.now()).delete()
        AccessToken.objects.create(
            holder=holder,
            token_hash=token_digest(token),
            expires_at=timezone.now() + timedelta(seconds=lifetime),
        )
        audit_record(actor=holder_actor(holder), action="esign.token_issued", target=holder)
    return IssuedToken(access_token=token, expires_in=lifetime, holder=holder)


def device_login(*, username: str, password: str) -> HolderAccount:
    """The holder opens the device page; recorded so a confirmation can be traced to it."""
    holder = _authenticate(username, password)
    with transaction.atomic():
        audit_record(actor=holder_actor(holder), action="esign.device_login", target=holder)
    return holder


# --- signing requests -----------------------------------------------------------------------


def _move(request: SigningRequest, target: SigningRequestStatus, now: datetime) -> None:
    SIGNING_REQUEST_TRANSITIONS.check(request.status, target)
    request.status = target
    if target == _Status.CONFIRMED:
        request.confirmed_at = now
        request.sad_expires_at = now + timedelta(seconds=int(settings.ESIGN_SAD_SECONDS))
    else:
        request.closed_at = now


def _expire_if_due(request: SigningRequest, now: datetime) -> bool:
    """Expire a pending request past its deadline, or a confirmed one whose SAD lapsed."""
    deadline: datetime | None
    if request.status == _Status.PENDING:
        deadline = request.expires_at
    elif request.status == _Status.CONFIRMED:
        deadline = request.sad_expires_at
    else:
        return False
    if deadline is None or deadline > now:
        return False
    previous = request.status
    _move(request, _Status.EXPIRED, now)
    request.save(update_fields=["status", "closed_at"])
    audit_record(
        actor=SYSTEM_ACTOR,
        action="esign.request_expired",
        target=request,
        data={"from": previous, "confirmations": request.confirmations_received},
    )
    return True


def _locked_request(holder: HolderAccount, request_id: str | uuid.UUID) -> SigningRequest:
    try:
        public_id = uuid.UUID(str(request_id))
    except ValueError:
        raise RequestNotFound() from None
    try:
        return (
            SigningRequest.objects.select_for_update(of=("self",))
            .select_related("credential")
            .get(public_id=public_id, holder=holder)
        )
    except SigningRequest.DoesNotExist:
        raise RequestNotFound() from None


def _holder_credential(holder: HolderAccount, credential_id: str) -> Credential:
    try:
        return Credential.objects.get(credential_id=credential_id, holder=holder)
    except Credential.DoesNotExist:
        raise InvalidCredential() from None


def _check_usable(credential: Credential, now: datetime) -> None:
    if not credential.enabled or not (credential.valid_from <= now <= credential.valid_to):
        raise CredentialDisabled()


def _check_hashes(hashes: Sequence[bytes], hash_algorithm_oid: str) -> list[str]:
    if hash_algorithm_oid != SHA256_OID:
        raise UnsupportedAlgorithm(field="hashAlgorithmOID")
    if not hashes or len(hashes) > MAX_HASHES:
        raise InvalidRequest(
            _("Cần từ 1 đến %(max)d giá trị băm.") % {"max": MAX_HASHES}, field="hashes"
        )
    if any(len(value) != SHA256_BYTES for value in hashes):
        raise InvalidRequest(_("Mỗi giá trị băm phải là SHA-256 (32 byte)."), field="hashes")
    return [value.hex() for value in hashes]


class ChainRefusal(StrEnum):
    """Why a `chainedTo` was not honoured; the request then goes to the device as usual."""

    UNKNOWN_PARENT = "unknown_parent"  # no such request of this holder
    OTHER_CREDENTIAL = "other_credential"
    OTHER_PROCEDURE = "other_procedure"
    OTHER_UNIT = "other_unit"  # another MST or unit name
    PARENT_NOT_USED = "parent_not_used"  # pending, denied, expired, or SAD not yet used
    PARENT_NOT_CONFIRMED = "parent_not_confirmed"  # without its full count of confirmations
    WINDOW_PASSED = "window_passed"  # used more than ESIGN_CHAIN_SECONDS ago
    CHAIN_TOO_LONG = "chain_too_long"  # would exceed ESIGN_CHAIN_MAX_LENGTH
    ALREADY_CONTINUED = "already_continued"  # a request continues only once


def _chain_refusal(
    parent: SigningRequest | None,
    *,
    credential: Credential,
    procedure_code: str,
    required_confirmations: int,
    unit_name: str,
    unit_tax_code: str,
    now: datetime,
) -> ChainRefusal | None:
    """None when `parent` may stand for the device confirmation of the next request.

    The parent is the previous request of the same dossier: same holder (looked up under
    the holder), credential, procedure and unit, confirmed with the full count on the device
    (itself, or the request that began the chain) and already used, a moment ago.
    """
    if parent is None:
        return ChainRefusal.UNKNOWN_PARENT
    if parent.credential_id != credential.pk:
        return ChainRefusal.OTHER_CREDENTIAL
    if parent.procedure_code != procedure_code:
        return ChainRefusal.OTHER_PROCEDURE
    if (parent.unit_tax_code, parent.unit_name) != (unit_tax_code, unit_name):
        return ChainRefusal.OTHER_UNIT
    if parent.status != _Status.USED or parent.closed_at is None:
        return ChainRefusal.PARENT_NOT_USED
    if parent.chained_from_id is None and not (
        parent.required_confirmations >= required_confirmations
        and parent.confirmations_received == parent.required_confirmations
        and parent.confirmations.count() == parent.required_confirmations
    ):
        return ChainRefusal.PARENT_NOT_CONFIRMED
    if parent.closed_at < now - timedelta(seconds=int(settings.ESIGN_CHAIN_SECONDS)):
        return ChainRefusal.WINDOW_PASSED
    if parent.chain_position >= int(settings.ESIGN_CHAIN_MAX_LENGTH):
        return ChainRefusal.CHAIN_TOO_LONG
    if SigningRequest.objects.filter(chained_from=parent).exists():
        return ChainRefusal.ALREADY_CONTINUED
    return None


def _chain_parent(holder: HolderAccount, request_id: str) -> SigningRequest | None:
    try:
        return _locked_request(holder, request_id)
    except RequestNotFound:
        return None


def signing_request_create(
    *,
    holder: HolderAccount,
    credential_id: str,
    hashes: Sequence[bytes],
    hash_algorithm_oid: str,
    num_signatures: int,
    procedure_code: str,
    unit_name: str,
    unit_tax_code: str = "",
    description: str = "",
    chained_to: str = "",
) -> SigningRequest:
    """credentials/authorize: ask the holder's device to confirm signing these hashes.

    The number of confirmations comes from the procedure catalogue (seed 002: one for
    register/change/stop dossiers, two for every other dossier). That number is per dossier,
    which is signed several times in a row: with `chained_to` naming the previous request of
    the same dossier (see `_chain_refusal`), the request is granted at once, without the
    device, still single-use and bound to its own hashes. Any other `chained_to` is ignored
    and the device is asked as usual; the audit record says why.
    """
    hex_hashes = _check_hashes(hashes, hash_algorithm_oid)
    if num_signatures != len(hex_hashes):
        raise InvalidRequest(
            _("numSignatures phải bằng số giá trị băm gửi lên."), field="numSignatures"
        )
    try:
        procedure = get_procedure(procedure_code.strip())
    except UnknownProcedureError:
        raise UnknownProcedure(field="procedureCode") from None
    unit_name = " ".join(unit_name.split())
    if not unit_name or len(unit_name) > 255:
        raise InvalidRequest(_("Thiếu tên đơn vị (unitName)."), field="unitName")
    tax_code = ""
    if unit_tax_code.strip():
        try:
            tax_code = parse_tax_code(unit_tax_code).value
        except IdentifierError as exc:
            raise InvalidRequest(exc.message, field="unitTaxCode") from None
    now = timezone.now()
    with transaction.atomic():
        credential = _holder_credential(holder, credential_id)
        _check_usable(credential, now)
        if HolderAccount.objects.filter(pk=holder.pk, pin_locked_at__isnull=False).exists():
            raise DeviceLocked()
        parent: SigningRequest | None = None
        refusal: ChainRefusal | None = None
        if chained_to:
            parent = _chain_parent(holder, chained_to)
            refusal = _chain_refusal(
                parent,
                credential=credential,
                procedure_code=procedure.code,
                required_confirmations=procedure.device_confirmations,
                unit_name=unit_name,
                unit_tax_code=tax_code,
                now=now,
            )
            if refusal is not None:
                parent = None
        request = SigningRequest.objects.create(
            holder=holder,
            credential=credential,
            procedure_code=procedure.code,
            procedure_name=procedure.name,
            unit_name=unit_name,
            unit_tax_code=tax_code,
            description=description.strip()[:500],
            hashes=hex_hashes,
            hash_algorithm_oid=hash_algorithm_oid,
            required_confirmations=0 if parent else procedure.device_confirmations,
            chained_from=parent,
            chain_position=parent.chain_position + 1 if parent else 1,
            created_at=now,
            expires_at=now + timedelta(seconds=int(settings.ESIGN_CONFIRMATION_SECONDS)),
        )
        audit_record(
            actor=holder_actor(holder),
            action="esign.request_created",
            target=request,
            data={
                "credential": credential.credential_id,
                "procedure": procedure.code,
                "unit_name": unit_name,
                "unit_tax_code": tax_code,
                "hashes": hex_hashes,
                "required_confirmations": request.required_confirmations,
                "chained_to": chained_to or None,
                "chain_refused": str(refusal) if refusal else None,
            },
        )
        if parent is not None:
            _move(request, _Status.CONFIRMED, now)
            request.save(update_fields=["status", "confirmed_at", "sad_expires_at"])
            audit_record(
                actor=holder_actor(holder),
                action="esign.request_chained",
                target=request,
                data={
                    "parent": str(parent.public_id),
                    "chain_position": request.chain_position,
                    "hashes": hex_hashes,
                },
            )
    return request


@dataclass(frozen=True)
class AuthorizationState:
    """What credentials/authorizeCheck answers: still pending, or the SAD (given once)."""

    request: SigningRequest
    expires_in: int  # seconds left to confirm, or (with a SAD) to use it
    sad: str | None = None


def signing_request_check(
    *, holder: HolderAccount, credential_id: str, request_id: str
) -> AuthorizationState:
    """credentials/authorizeCheck: pending, or the SAD once every confirmation is in.

    The SAD is handed out once and kept only as its hash; a second check after that is
    refused (SadAlreadyIssued), so a SAD seen by one poller cannot be fetched by another.
    """
    now = timezone.now()
    expired = False
    with transaction.atomic():
        request = _locked_request(holder, request_id)
        if request.credential.credential_id != credential_id:
            raise InvalidCredential()
        if _expire_if_due(request, now):
            expired = True
        elif request.status == _Status.DENIED:
            raise AccessDenied()
        elif request.status == _Status.EXPIRED:
            raise RequestExpired()
        elif request.status == _Status.USED or request.sad_issued:
            raise SadAlreadyIssued()
        elif request.status == _Status.PENDING:
            return AuthorizationState(request, _seconds_until(request.expires_at, now))
        else:
            sad = secrets.token_urlsafe(32)
            request.sad_hash = token_digest(sad)
            request.save(update_fields=["sad_hash"])
            audit_record(actor=holder_actor(holder), action="esign.sad_issued", target=request)
            return AuthorizationState(request, _seconds_until(request.sad_expires_at, now), sad)
    assert expired
    raise RequestExpired()


def device_confirm(
    *, holder: HolderAccount, request_id: str, pin: str, user_agent: str = ""
) -> SigningRequest:
    """One confirmation on the device, PIN each time; CONFIRMED after the last required one.

    Wrong PINs are counted per holder; after ESIGN_PIN_MAX_ATTEMPTS in a row the device is
    locked until `holder_pin_unlock`. A right PIN resets the count.
    """
    now = timezone.now()
    failure: EsignError | None = None
    with transaction.atomic():
        account = HolderAccount.objects.select_for_update().get(pk=holder.pk)
        request = _locked_request(account, request_id)
        if _expire_if_due(request, now):
            failure = RequestExpired()
        elif request.status != _Status.PENDING:
            raise RequestNotPending()
        elif account.pin_locked:
            raise DeviceLocked()
        elif not check_password(pin, account.pin):
            failure = _count_wrong_pin(account, request, now)
        else:
            _record_confirmation(account, request, now, user_agent)
    if failure is not None:
        raise failure
    return request


def _count_wrong_pin(account: HolderAccount, request: SigningRequest, now: datetime) -> EsignError:
    maximum = int(settings.ESIGN_PIN_MAX_ATTEMPTS)
    account.pin_failures += 1
    locked = account.pin_failures >= maximum
    if locked:
        account.pin_locked_at = now
    account.save(update_fields=["pin_failures", "pin_locked_at"])
    audit_record(
        actor=holder_actor(account),
        action="esign.pin_incorrect",
        target=request,
        data={"failures": account.pin_failures, "locked": locked},
    )
    if locked:
        return DeviceLocked()
    return PinIncorrect(
        _("Mã PIN không đúng. Yêu cầu ký chưa được xác nhận; còn %(left)d lần thử.")
        % {"left": maximum - account.pin_failures}
    )


def _record_confirmation(
    account: HolderAccount, request: SigningRequest, now: datetime, user_agent: str
) -> None:
    if account.pin_failures:
        account.pin_failures = 0
        account.save(update_fields=["pin_failures"])
    sequence = request.confirmations_received + 1
    DeviceConfirmation.objects.create(
        request=request, sequence=sequence, confirmed_at=now, user_agent=user_agent[:255]
    )
    request.confirmations_received = sequence
    if sequence >= request.required_confirmations:
        _move(request, _Status.CONFIRMED, now)
    request.save(
        update_fields=["confirmations_received", "status", "confirmed_at", "sad_expires_at"]
    )
    audit_record(
        actor=holder_actor(account),
        action="esign.request_confirmed",
        target=request,
        data={"sequence": sequence, "required": request.required_confirmations},
    )


def device_deny(*, holder: HolderAccount, request_id: str) -> SigningRequest:
    """The holder refuses on the device ("Từ chối"); the client gets access_denied."""
    now = timezone.now()
    with transaction.atomic():
        request = _locked_request(holder, request_id)
        if _expire_if_due(request, now):
            expired = True
        else:
            expired = False
            if request.status != _Status.PENDING:
                raise RequestNotPending()
            _move(request, _Status.DENIED, now)
            request.save(update_fields=["status", "closed_at"])
            audit_record(
                actor=holder_actor(holder),
                action="esign.request_denied",
                target=request,
                data={"confirmations": request.confirmations_received},
            )
    if expired:
        raise RequestExpired()
    return request


def signatures_sign_hash(
    *,
    holder: HolderAccount,
    credential_id: str,
    sad: str,
    hashes: Sequence[bytes],
    hash_algorithm_oid: str,
    sign_algo: str,
) -> list[bytes]:
    """signatures/signHash: sign exactly the confirmed hashes, once, with a live SAD."""
    hex_hashes = _check_hashes(hashes, hash_algorithm_oid)
    if sign_algo not in SIGN_ALGORITHMS:
        raise UnsupportedAlgorithm(field="signAlgo")
    now = timezone.now()
    expired = False
    with transaction.atomic():
        try:
            request = (
                SigningRequest.objects.select_for_update(of=("self",))
                .select_related("credential")
                .get(sad_hash=token_digest(sad), holder=holder)
            )
        except SigningRequest.DoesNotExist:
            raise InvalidSad() from None
        if request.credential.credential_id != credential_id:
            raise InvalidSad()
        if request.status == _Status.USED:
            raise SadUsed()
        if _expire_if_due(request, now):
            expired = True
        else:
            if request.status != _Status.CONFIRMED:
                raise SadExpired()
            if sorted(hex_hashes) != sorted(request.hashes):
                raise HashMismatch(field="hashes")
            _check_usable(request.credential, now)
            signatures = _sign(request.credential, list(hashes))
            _move(request, _Status.USED, now)
            request.save(update_fields=["status", "closed_at"])
            audit_record(
                actor=holder_actor(holder),
                action="esign.signed",
                target=request,
                data={
                    "credential": credential_id,
                    "procedure": request.procedure_code,
                    "hashes": hex_hashes,
                },
            )
    if expired:
        raise SadExpired()
    return signatures


def _sign(credential: Credential, digests: list[bytes]) -> list[bytes]:
    """The key operation, separate so tests can widen the race window around it."""
    return keystore.sign_digests(credential, digests)


def expire_due_requests(*, now: datetime | None = None, limit: int = 500) -> int:
    """The periodic sweep: expire what nobody touched after its deadline; returns how many."""
    now = now or timezone.now()
    due = Q(status=_Status.PENDING, expires_at__lte=now) | Q(
        status=_Status.CONFIRMED, sad_expires_at__lte=now
    )
    count = 0
    with transaction.atomic():
        for request in SigningRequest.objects.select_for_update(skip_locked=True).filter(due)[
            :limit
        ]:
            count += int(_expire_if_due(request, now))
    return count
