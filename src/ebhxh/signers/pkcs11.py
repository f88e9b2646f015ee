"""USB tokens (and SoftHSM2) through PKCS#11, with python-pkcs11.

A Vietnamese signing certificate usually lives on a USB token from its certification
authority; the vendor ships a PKCS#11 module (.so/.dll) that this code loads. Three things
happen here: listing tokens and the certificates on them (for the "chọn chứng thư số"
screen), signing a digest with the chosen certificate's key, and loading a PKCS#12 file
onto a token (development tokens, the demo).

The module owns the loading of PKCS#11 libraries in the process. Before each operation it
finalises and re-initialises a library that no open signer is using, so tokens plugged in
(or created by softhsm2-util, or another SOFTHSM2_CONF) since the last call are seen.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pkcs11
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from cryptography.hazmat.primitives.serialization import Encoding
from pkcs11 import Attribute, CertificateType, KeyType, Mechanism, ObjectClass, TokenFlag
from pkcs11 import exceptions as p11

from ebhxh.signers.certificates import (
    SHA256_DIGEST_INFO_PREFIX,
    check_digest,
    fingerprint_sha1,
    fingerprint_sha256,
    intermediates_for,
    normalize_hex,
    subject_summary,
)
from ebhxh.signers.errors import SignerError, SignerErrorCode
from ebhxh.signers.softhsm import find_softhsm_module, init_softhsm_token
from ebhxh.signers.software import read_pkcs12
from ebhxh.signers.types import TokenCertificate, TokenInfo

if TYPE_CHECKING:
    from pkcs11._pkcs11 import lib as Pkcs11Library
    from pkcs11.types import Session, SignMixin, Token

    from ebhxh.signers.ports import DigestSigner

__all__ = [
    "MODULE_ENV",
    "Pkcs11Signer",
    "default_module_path",
    "init_softhsm_token",
    "list_certificates",
    "list_tokens",
    "load_into_token",
]

MODULE_ENV = "EBHXH_PKCS11_MODULE"
ModulePath = str | os.PathLike[str]

_PIN_REJECTED = (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange)
_TOKEN_GONE = (
    p11.TokenNotPresent,
    p11.TokenNotRecognised,
    p11.DeviceRemoved,
    p11.SlotIDInvalid,
    p11.NoSuchToken,
)
_LOGGED_IN_ELSEWHERE = (p11.UserAlreadyLoggedIn, p11.AnotherUserAlreadyLoggedIn)


def default_module_path() -> Path:
    """EBHXH_PKCS11_MODULE if set, else SoftHSM2 where the distribution installs it."""
    configured = os.environ.get(MODULE_ENV)
    if configured:
        return Path(configured)
    found = find_softhsm_module()
    if found is None:
        raise SignerError(
            SignerErrorCode.TOKEN_MODULE_NOT_FOUND,
            detail=f"(chưa đặt {MODULE_ENV} và không tìm thấy SoftHSM2 trên máy)",
        )
    return found


# --- loading modules -------------------------------------------------------------------------


class _Modules:
    """Loaded PKCS#11 libraries and which slots open signers hold, under one lock.

    Re-initialising a library closes every session on it, so it only happens while no
    signer holds a slot there; a slot held by a signer is also logged in for the whole
    process (PKCS#11 login state is per application), which TOKEN_IN_USE protects.
    """

    lock = threading.RLock()
    held: dict[str, Counter[int]] = {}

    @classmethod
    @contextlib.contextmanager
    def use(cls, module_path: ModulePath | None) -> Iterator[tuple[str, Pkcs11Library]]:
        """Hold the lock for one short operation on a fresh view of the module's tokens."""
        key = _module_key(module_path)
        with cls.lock:
            library = _load_library(key)
            if not cls.held.get(key):
                try:
                    library.reinitialize()
                except p11.PKCS11Error as exc:
                    raise _translate(exc) from exc
            try:
                yield key, library
            except p11.PKCS11Error as exc:
                raise _translate(exc) from exc

    @classmethod
    def hold(cls, key: str, slot_id: int) -> None:
        with cls.lock:
            cls.held.setdefault(key, Counter())[slot_id] += 1

    @classmethod
    def release(cls, key: str, slot_id: int) -> None:
        with cls.lock:
            slots = cls.held.get(key)
            if slots is not None and slots[slot_id] > 0:
                slots[slot_id] -= 1
                if slots[slot_id] == 0:
                    del slots[slot_id]

    @classmethod
    def is_held(cls, key: str, slot_id: int) -> bool:
        with cls.lock:
            return cls.held.get(key, Counter())[slot_id] > 0


def _module_key(module_path: ModulePath | None) -> str:
    """The real path: python-pkcs11 caches per string, and one .so must load only once."""
    path = Path(module_path) if module_path is not None else default_module_path()
    if not path.is_file():
        raise SignerError(SignerErrorCode.TOKEN_MODULE_NOT_FOUND, detail=f"({path})")
    return os.path.realpath(path)


def _load_library(key: str) -> Pkcs11Library:
    try:
        return pkcs11.lib(key)
    except p11.PKCS11Error as exc:
        raise SignerError(SignerErrorCode.TOKEN_MODULE_INVALID, detail=f"({key})") from exc


# --- tokens ----------------------------------------------------------------------------------


def list_tokens(
    module_path: ModulePath | None, *, include_uninitialized: bool = False
) -> list[TokenInfo]:
    """Tokens present in the module's slots; SoftHSM's empty "free" slot only on request."""
    with _Modules.use(module_path) as (_, library):
        infos = [_token_info(token) for token in _present_tokens(library)]
    return [info for info in infos if include_uninitialized or info.initialized]


def _present_tokens(library: Pkcs11Library) -> list[Token]:
    tokens: list[Token] = []
    for slot in library.get_slots(token_present=True):
        try:
            tokens.append(slot.get_token())
        except _TOKEN_GONE:
            continue  # unplugged between the slot list and the token query
    return tokens


def _token_info(token: Token) -> TokenInfo:
    flags = token.flags
    return TokenInfo(
        slot_id=token.slot.slot_id,
        label=token.label,
        serial=_serial_text(token.serial),
        manufacturer=token.manufacturer_id,
        model=token.model,
        initialized=bool(flags & TokenFlag.TOKEN_INITIALIZED),
        login_required=bool(flags & TokenFlag.LOGIN_REQUIRED),
        user_pin_initialized=bool(flags & TokenFlag.USER_PIN_INITIALIZED),
        pin_count_low=bool(flags & TokenFlag.USER_PIN_COUNT_LOW),
        pin_final_try=bool(flags & TokenFlag.USER_PIN_FINAL_TRY),
        pin_locked=bool(flags & TokenFlag.USER_PIN_LOCKED),
        protected_authentication_path=bool(flags & TokenFlag.PROTECTED_AUTHENTICATION_PATH),
    )


def _serial_text(serial: bytes) -> str:
    return serial.decode("ascii", "replace").strip().strip("\x00")


def _select_token(
    library: Pkcs11Library, *, token_label: str | None, token_serial: str | None
) -> Token:
    """The one initialised token matching label/serial; refuse to guess between several."""
    tokens = [
        token for token in _present_tokens(library) if token.flags & TokenFlag.TOKEN_INITIALIZED
    ]
    matching = [
        token
        for token in tokens
        if (token_label is None or token.label == token_label)
        and (token_serial is None or _serial_text(token.serial) == token_serial.strip())
    ]
    if not matching:
        present = ", ".join(_describe_token(token) for token in tokens) or "không có token nào"
        wanted = " ".join(
            part
            for part in (
                f"nhãn '{token_label}'" if token_label is not None else "",
                f"sê-ri {token_serial}" if token_serial is not None else "",
            )
            if part
        )
        prefix = f"(không có token {wanted}; " if wanted else "("
        raise SignerError(SignerErrorCode.TOKEN_NOT_FOUND, detail=f"{prefix}đang có: {present})")
    if len(matching) > 1:
        listed = "; ".join(_describe_token(token) for token in matching)
        raise SignerError(SignerErrorCode.TOKEN_CHOICE_REQUIRED, detail=f"(đang có: {listed})")
    return matching[0]


def _describe_token(token: Token) -> str:
    return f"'{token.label}' sê-ri {_serial_text(token.serial)}"


def _login(key: str, token: Token, pin: str, *, rw: bool = False) -> Session:
    """A session logged in as the user, with the PIN checks a token cannot be asked twice."""
    slot_id = token.slot.slot_id
    if token.flags & TokenFlag.USER_PIN_LOCKED:
        raise SignerError(SignerErrorCode.TOKEN_PIN_LOCKED)
    if _Modules.is_held(key, slot_id):
        # C_Login would answer "already logged in" without checking this PIN.
        raise SignerError(SignerErrorCode.TOKEN_IN_USE, detail=f"({_describe_token(token)})")
    try:
        return token.open(rw=rw, user_pin=pin)
    except p11.PKCS11Error as exc:
        raise _translate(exc, token) from exc


def _translate(exc: p11.PKCS11Error, token: Token | None = None) -> SignerError:
    """A python-pkcs11 exception as the SignerError a user can act on."""
    if isinstance(exc, p11.PinLocked):
        return SignerError(SignerErrorCode.TOKEN_PIN_LOCKED)
    if isinstance(exc, _PIN_REJECTED):
        return _pin_rejected(token)
    if isinstance(exc, _LOGGED_IN_ELSEWHERE):
        return SignerError(SignerErrorCode.TOKEN_IN_USE)
    if isinstance(exc, _TOKEN_GONE):
        return SignerError(SignerErrorCode.TOKEN_NOT_FOUND, detail="(token đã bị rút ra?)")
    if isinstance(exc, p11.PinExpired):
        return SignerError(
            SignerErrorCode.TOKEN_ERROR,
            detail="(mã PIN đã hết hạn; đổi mã PIN bằng công cụ của nhà cung cấp)",
        )
    if isinstance(exc, p11.UserPinNotInitialized):
        return SignerError(
            SignerErrorCode.TOKEN_ERROR, detail="(token chưa được đặt mã PIN người dùng)"
        )
    return SignerError(SignerErrorCode.TOKEN_ERROR, detail=f"({type(exc).__name__})")


def _pin_rejected(token: Token | None) -> SignerError:
    """Wrong PIN; the token's fresh flags tell whether it locked or has one try left."""
    flags = TokenFlag(0)
    if token is not None:
        try:
            flags = token.slot.get_token().flags
        except p11.PKCS11Error:
            flags = TokenFlag(0)
    if flags & TokenFlag.USER_PIN_LOCKED:
        return SignerError(SignerErrorCode.TOKEN_PIN_LOCKED)
    if flags & TokenFlag.USER_PIN_FINAL_TRY:
        return SignerError(
            SignerErrorCode.TOKEN_PIN_INCORRECT,
            detail="Token báo chỉ còn MỘT lần thử: nhập sai lần nữa token sẽ bị khoá.",
        )
    return SignerError(SignerErrorCode.TOKEN_PIN_INCORRECT)


# --- objects on a token ----------------------------------------------------------------------


@dataclass(frozen=True)
class _CertificateObject:
    label: str
    key_id: bytes
    certificate: x509.Certificate


@dataclass(frozen=True)
class _KeyObject:
    key: SignMixin
    key_id: bytes
    modulus: bytes | None


def _attribute(obj: Any, attribute: Attribute, default: Any) -> Any:
    """An attribute some tokens lack or refuse (or store as non-UTF-8), with a fallback."""
    try:
        return obj[attribute]
    except (p11.PKCS11Error, UnicodeDecodeError, ValueError):
        return default


def _certificate_objects(session: Session) -> list[_CertificateObject]:
    found: list[_CertificateObject] = []
    query = {
        Attribute.CLASS: ObjectClass.CERTIFICATE,
        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
    }
    for obj in session.get_objects(query):
        der = _attribute(obj, Attribute.VALUE, b"")
        try:
            certificate = x509.load_der_x509_certificate(bytes(der))
        except ValueError:
            continue  # not parseable: a vendor object no signature could use anyway
        found.append(
            _CertificateObject(
                label=_attribute(obj, Attribute.LABEL, ""),
                key_id=bytes(_attribute(obj, Attribute.ID, b"")),
                certificate=certificate,
            )
        )
    return found


def _private_keys(session: Session) -> list[_KeyObject]:
    keys: list[_KeyObject] = []
    query = {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.KEY_TYPE: KeyType.RSA}
    for obj in session.get_objects(query):
        modulus = _attribute(obj, Attribute.MODULUS, None)
        keys.append(
            _KeyObject(
                key=obj,  # type: ignore[arg-type]  # get_objects types its results as Object
                key_id=bytes(_attribute(obj, Attribute.ID, b"")),
                modulus=bytes(modulus) if modulus is not None else None,
            )
        )
    return keys


def _key_for(entry: _CertificateObject, keys: list[_KeyObject]) -> _KeyObject | None:
    """The private key sharing the certificate's CKA_ID; by modulus if no key carries it.

    Some vendor tools write keys and certificates with different or empty IDs; the modulus
    (public, readable on every token tried) still ties them together.
    """
    if entry.key_id:
        for key in keys:
            if key.key_id == entry.key_id:
                return key
    public = entry.certificate.public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        return None
    modulus = _int_bytes(public.public_numbers().n)
    for key in keys:
        if key.modulus is not None and key.modulus.lstrip(b"\x00") == modulus:
            return key
    return None


def _token_certificate(
    token: Token, entry: _CertificateObject, has_private_key: bool | None
) -> TokenCertificate:
    certificate = entry.certificate
    return TokenCertificate(
        token_label=token.label,
        token_serial=_serial_text(token.serial),
        label=entry.label,
        id_hex=entry.key_id.hex(),
        certificate=certificate,
        subject=certificate.subject.rfc4514_string(),
        subject_summary=subject_summary(certificate.subject),
        issuer_summary=subject_summary(certificate.issuer),
        serial_number_hex=format(certificate.serial_number, "x"),
        fingerprint_sha256=fingerprint_sha256(certificate),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        has_private_key=has_private_key,
    )


def list_certificates(
    module_path: ModulePath | None,
    *,
    token_label: str | None = None,
    token_serial: str | None = None,
    pin: str | None = None,
) -> list[TokenCertificate]:
    """X.509 certificates on the token; with the PIN, also whether each has its private key.

    Certificates are public objects, so a screen can show them before asking for the PIN.
    """
    with _Modules.use(module_path) as (key, library):
        token = _select_token(library, token_label=token_label, token_serial=token_serial)
        session = _login(key, token, pin) if pin is not None else token.open()
        with session:
            entries = _certificate_objects(session)
            keys = _private_keys(session) if pin is not None else None
            return [
                _token_certificate(
                    token, entry, None if keys is None else _key_for(entry, keys) is not None
                )
                for entry in entries
            ]


# --- signing ---------------------------------------------------------------------------------


class _Lease:
    """A logged-in session and the slot it holds; released once, by close() or collection."""

    def __init__(self, key: str, slot_id: int, session: Session) -> None:
        self.key = key
        self.slot_id = slot_id
        self.session: Session | None = session

    def release(self) -> None:
        with _Modules.lock:
            session, self.session = self.session, None
            if session is None:
                return
            # The token may be gone already; the slot is free either way.
            with contextlib.suppress(p11.PKCS11Error):
                session.close()
            _Modules.release(self.key, self.slot_id)


class Pkcs11Signer:
    """A DigestSigner whose private key never leaves the token.

    The session stays open and logged in until `close()` (or the end of a `with` block), so
    a batch of dossiers is signed with one PIN entry. The PIN itself is not kept.
    """

    def __init__(
        self,
        *,
        lease: _Lease,
        private_key: SignMixin,
        token: TokenInfo,
        token_certificate: TokenCertificate,
        chain: tuple[x509.Certificate, ...],
    ) -> None:
        self._lease = lease
        self._private_key = private_key
        self._token = token
        self._token_certificate = token_certificate
        self._chain = chain
        self._finalizer = weakref.finalize(self, lease.release)

    @classmethod
    def open(
        cls,
        module_path: ModulePath | None,
        *,
        token_label: str | None = None,
        token_serial: str | None = None,
        pin: str,
        certificate_id: str | bytes | None = None,
        certificate_label: str | None = None,
        fingerprint: str | None = None,
    ) -> Pkcs11Signer:
        """Log in and pick the certificate to sign with, by CKA_ID, label or fingerprint.

        Without a choice, the token's only certificate that has a private key is used;
        several raise CERTIFICATE_CHOICE_REQUIRED with them in `candidates`. `fingerprint`
        is SHA-256 or SHA-1 (the Windows thumbprint) in hex; all given choices must match.
        """
        with _Modules.use(module_path) as (key, library):
            token = _select_token(library, token_label=token_label, token_serial=token_serial)
            session = _login(key, token, pin)
            slot_id = token.slot.slot_id
            _Modules.hold(key, slot_id)
            lease = _Lease(key, slot_id, session)
            try:
                return cls._choose(
                    lease,
                    token,
                    session,
                    certificate_id=certificate_id,
                    certificate_label=certificate_label,
                    fingerprint=fingerprint,
                )
            except BaseException:
                lease.release()
                raise

    @classmethod
    def _choose(
        cls,
        lease: _Lease,
        token: Token,
        session: Session,
        *,
        certificate_id: str | bytes | None,
        certificate_label: str | None,
        fingerprint: str | None,
    ) -> Pkcs11Signer:
        entries = _certificate_objects(session)
        keys = _private_keys(session)
        wanted_id = certificate_id.hex() if isinstance(certificate_id, bytes) else certificate_id
        pool = [
            entry
            for entry in entries
            if _matches(
                entry,
                certificate_id=normalize_hex(wanted_id) if wanted_id is not None else None,
                certificate_label=certificate_label,
                fingerprint=normalize_hex(fingerprint) if fingerprint is not None else None,
            )
        ]
        if not pool:
            listed = "; ".join(_token_certificate(token, e, None).describe() for e in entries)
            raise SignerError(
                SignerErrorCode.CERTIFICATE_NOT_FOUND,
                detail=f"(trên token có: {listed or 'không có chứng thư số nào'})",
            )
        signable: dict[str, tuple[_CertificateObject, _KeyObject]] = {}
        for entry in pool:
            key = _key_for(entry, keys)
            if key is not None:
                signable.setdefault(fingerprint_sha256(entry.certificate), (entry, key))
        if not signable:
            listed = "; ".join(_token_certificate(token, e, False).describe() for e in pool)
            rsa_certificates = [
                e for e in pool if isinstance(e.certificate.public_key(), rsa.RSAPublicKey)
            ]
            code = (
                SignerErrorCode.KEY_NOT_FOUND if rsa_certificates else SignerErrorCode.KEY_NOT_RSA
            )
            raise SignerError(code, detail=f"({listed})")
        if len(signable) > 1:
            candidates = [_token_certificate(token, e, True) for e, _ in signable.values()]
            listed = "\n".join(f"  - {c.describe()}" for c in candidates)
            raise SignerError(
                SignerErrorCode.CERTIFICATE_CHOICE_REQUIRED,
                detail=f"\n{listed}",
                candidates=candidates,
            )
        entry, key = next(iter(signable.values()))
        chain = intermediates_for(entry.certificate, [e.certificate for e in entries])
        return cls(
            lease=lease,
            private_key=key.key,
            token=_token_info(token),
            token_certificate=_token_certificate(token, entry, True),
            chain=chain,
        )

    @property
    def certificate(self) -> x509.Certificate:
        """The chosen certificate (goes into KeyInfo)."""
        return self._token_certificate.certificate

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """Its issuers found on the token, nearest first, without the root."""
        return self._chain

    @property
    def token(self) -> TokenInfo:
        """The token signing happens on (for audit: label and serial)."""
        return self._token

    @property
    def token_certificate(self) -> TokenCertificate:
        """The chosen certificate with its label and CKA_ID on the token."""
        return self._token_certificate

    @property
    def closed(self) -> bool:
        return self._lease.session is None

    def sign_digest(self, digest: bytes) -> bytes:
        """CKM_RSA_PKCS over DigestInfo(SHA-256) || digest, checked against the certificate.

        Raw CKM_RSA_PKCS (not CKM_SHA256_RSA_PKCS) is what lets a digest computed elsewhere
        (the browser, a remote CSC signHash request) be signed as is. The local check turns
        a key that does not match the certificate into an error now, not a rejection later.
        """
        check_digest(digest)
        # python-pkcs11 initialises modules without locking callbacks (C_Initialize(NULL)),
        # which lets a module assume one thread at a time: every call goes through the lock.
        with _Modules.lock:
            if self._lease.session is None:
                raise SignerError(SignerErrorCode.SIGNER_CLOSED)
            try:
                signature = self._private_key.sign(
                    SHA256_DIGEST_INFO_PREFIX + bytes(digest), mechanism=Mechanism.RSA_PKCS
                )
            except p11.PKCS11Error as exc:
                raise _translate(exc) from exc
        public = self.certificate.public_key()
        try:
            if not isinstance(public, rsa.RSAPublicKey):
                raise InvalidSignature
            public.verify(signature, bytes(digest), padding.PKCS1v15(), utils.Prehashed(_SHA256))
        except InvalidSignature as exc:
            raise SignerError(
                SignerErrorCode.KEY_CERTIFICATE_MISMATCH,
                detail=f"({self._token_certificate.describe()})",
            ) from exc
        return signature

    def close(self) -> None:
        """Close the session (logging out of the token) and free the slot; idempotent."""
        self._finalizer()

    def __enter__(self) -> Pkcs11Signer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return (
            f"<Pkcs11Signer {state} token='{self._token.label}' "
            f"cert={self._token_certificate.subject_summary!r}>"
        )


_SHA256 = hashes.SHA256()


def _matches(
    entry: _CertificateObject,
    *,
    certificate_id: str | None,
    certificate_label: str | None,
    fingerprint: str | None,
) -> bool:
    if certificate_id is not None and entry.key_id.hex() != certificate_id:
        return False
    if certificate_label is not None and entry.label != certificate_label:
        return False
    return fingerprint is None or fingerprint in (
        fingerprint_sha256(entry.certificate),
        fingerprint_sha1(entry.certificate),
    )


# --- loading a PKCS#12 onto a token ----------------------------------------------------------


def load_into_token(
    module_path: ModulePath | None,
    *,
    token_label: str,
    pin: str,
    p12: bytes,
    p12_password: bytes | None,
    label: str,
    key_id: bytes | None = None,
) -> TokenCertificate:
    """Import a PKCS#12's RSA key (sensitive, not extractable), certificate and chain.

    The CKA_ID defaults to the certificate's Subject Key Identifier, the convention signing
    middleware expects. Chain certificates already on the token are not duplicated. On any
    failure the objects created so far are destroyed, so a half-loaded token never remains.
    """
    contents = read_pkcs12(p12, p12_password)
    certificate = contents.certificate
    object_id = key_id if key_id is not None else _subject_key_id(certificate)
    with _Modules.use(module_path) as (key, library):
        token = _select_token(library, token_label=token_label, token_serial=None)
        with _login(key, token, pin, rw=True) as session:
            existing = _certificate_objects(session)
            present = {fingerprint_sha256(e.certificate) for e in existing}
            if fingerprint_sha256(certificate) in present:
                raise SignerError(
                    SignerErrorCode.CERTIFICATE_EXISTS,
                    detail=f"({subject_summary(certificate.subject)})",
                )
            if any(True for _ in session.get_objects({Attribute.ID: object_id})):
                raise SignerError(SignerErrorCode.KEY_ID_IN_USE, detail=f"({object_id.hex()})")
            templates = [
                _private_key_template(contents.private_key, certificate, label, object_id),
                _public_key_template(contents.private_key, label, object_id),
                _certificate_template(certificate, label, object_id),
            ]
            for issuer in contents.additional_certificates:
                fingerprint = fingerprint_sha256(issuer)
                if fingerprint not in present:
                    present.add(fingerprint)
                    templates.append(
                        _certificate_template(issuer, _common_name(issuer), _subject_key_id(issuer))
                    )
            _create_all(session, templates)
            entry = _CertificateObject(label=label, key_id=object_id, certificate=certificate)
            return _token_certificate(token, entry, True)


def _create_all(session: Session, templates: list[dict[Attribute, Any]]) -> None:
    """Create every object or none."""
    created: list[Any] = []
    try:
        for template in templates:
            created.append(session.create_object(template))
    except p11.PKCS11Error:
        for obj in reversed(created):
            try:
                obj.destroy()
            except p11.PKCS11Error:
                continue
        raise


def _private_key_template(
    key: rsa.RSAPrivateKey, certificate: x509.Certificate, label: str, object_id: bytes
) -> dict[Attribute, Any]:
    numbers = key.private_numbers()
    public = numbers.public_numbers
    return {
        Attribute.CLASS: ObjectClass.PRIVATE_KEY,
        Attribute.KEY_TYPE: KeyType.RSA,
        Attribute.TOKEN: True,
        Attribute.PRIVATE: True,
        Attribute.SENSITIVE: True,
        Attribute.EXTRACTABLE: False,
        Attribute.SIGN: True,
        Attribute.DECRYPT: False,
        Attribute.UNWRAP: False,
        Attribute.LABEL: label,
        Attribute.ID: object_id,
        Attribute.SUBJECT: certificate.subject.public_bytes(),
        Attribute.MODULUS: _int_bytes(public.n),
        Attribute.PUBLIC_EXPONENT: _int_bytes(public.e),
        Attribute.PRIVATE_EXPONENT: _int_bytes(numbers.d),
        Attribute.PRIME_1: _int_bytes(numbers.p),
        Attribute.PRIME_2: _int_bytes(numbers.q),
        Attribute.EXPONENT_1: _int_bytes(numbers.dmp1),
        Attribute.EXPONENT_2: _int_bytes(numbers.dmq1),
        Attribute.COEFFICIENT: _int_bytes(numbers.iqmp),
    }


def _public_key_template(
    key: rsa.RSAPrivateKey, label: str, object_id: bytes
) -> dict[Attribute, Any]:
    """Some middleware looks for the public key object next to the private one."""
    public = key.public_key().public_numbers()
    return {
        Attribute.CLASS: ObjectClass.PUBLIC_KEY,
        Attribute.KEY_TYPE: KeyType.RSA,
        Attribute.TOKEN: True,
        Attribute.PRIVATE: False,
        Attribute.VERIFY: True,
        Attribute.ENCRYPT: False,
        Attribute.WRAP: False,
        Attribute.LABEL: label,
        Attribute.ID: object_id,
        Attribute.MODULUS: _int_bytes(public.n),
        Attribute.PUBLIC_EXPONENT: _int_bytes(public.e),
    }


def _certificate_template(
    certificate: x509.Certificate, label: str, object_id: bytes
) -> dict[Attribute, Any]:
    return {
        Attribute.CLASS: ObjectClass.CERTIFICATE,
        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
        Attribute.TOKEN: True,
        Attribute.PRIVATE: False,
        Attribute.LABEL: label,
        Attribute.ID: object_id,
        Attribute.SUBJECT: certificate.subject.public_bytes(),
        Attribute.ISSUER: certificate.issuer.public_bytes(),
        Attribute.SERIAL_NUMBER: _der_integer(certificate.serial_number),
        Attribute.VALUE: certificate.public_bytes(Encoding.DER),
    }


def _subject_key_id(certificate: x509.Certificate) -> bytes:
    """The certificate's SKI extension, else the RFC 5280 method-1 value computed here."""
    try:
        return certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value.key_identifier
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if names:
        value = names[0].value
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return certificate.subject.rfc4514_string()


def _int_bytes(value: int) -> bytes:
    """A PKCS#11 big integer: unsigned, big-endian, no leading zero bytes."""
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def _der_integer(value: int) -> bytes:
    """DER INTEGER, which CKA_SERIAL_NUMBER holds (not the bare number)."""
    body = value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True)
    return b"\x02" + _der_length(len(body)) + body


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes((length,))
    encoded = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(encoded),)) + encoded


if TYPE_CHECKING:

    def _fits_the_port(signer: Pkcs11Signer) -> DigestSigner:
        """Never called: makes `mypy src/` prove Pkcs11Signer satisfies DigestSigner."""
        return signer
