"""PKCS#11 against a real SoftHSM2 token: listing, choosing, signing, loading, refusing."""

from __future__ import annotations

import gc
import hashlib
import pickle
from pathlib import Path

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from pkcs11 import Attribute, ObjectClass
from pkcs11 import exceptions as p11

from ebhxh.signers import pkcs11 as signer_pkcs11
from ebhxh.signers.errors import SignerError, SignerErrorCode
from ebhxh.signers.pkcs11 import (
    Pkcs11Signer,
    default_module_path,
    list_certificates,
    list_tokens,
    load_into_token,
)
from ebhxh.signers.ports import DigestSigner
from ebhxh.signers.softhsm import init_softhsm_token
from ebhxh.signers.software import Pkcs12Signer
from ebhxh.signers.types import TokenCertificate
from tests.signers.conftest import (
    P12_PASSWORD,
    PIN,
    SO_PIN,
    TOKEN_LABEL,
    UNIT_TAX_CODE,
    SigningPki,
)
from tests.signers.test_software import DIGEST, verify


def load_person(module_path: Path, pki: SigningPki, **kwargs: object) -> TokenCertificate:
    """Put the second certificate (a person's) on the test token."""
    options: dict[str, object] = {"label": "Chữ ký số cá nhân", **kwargs}
    return load_into_token(
        module_path,
        token_label=TOKEN_LABEL,
        pin=PIN,
        p12=pki.p12(pki.person),
        p12_password=P12_PASSWORD,
        **options,  # type: ignore[arg-type]
    )


def raw_session(module_path: Path) -> pkcs11.Session:
    """A read-write user session straight from python-pkcs11, to arrange odd token states."""
    library = pkcs11.lib(str(module_path.resolve()))
    library.reinitialize()
    token = library.get_token(token_label=TOKEN_LABEL)
    return token.open(rw=True, user_pin=PIN)


# --- listing ---------------------------------------------------------------------------------


def test_list_tokens_shows_the_initialised_token(empty_token: str, module_path: Path) -> None:
    tokens = list_tokens(module_path)
    assert [token.label for token in tokens] == [TOKEN_LABEL]
    token = tokens[0]
    assert token.manufacturer == "SoftHSM project"
    assert token.model == "SoftHSM v2"
    assert len(token.serial) == 16
    assert token.initialized and token.login_required and token.user_pin_initialized
    assert not (token.pin_locked or token.pin_final_try or token.pin_count_low)
    everything = list_tokens(module_path, include_uninitialized=True)
    assert len(everything) == 2  # SoftHSM always offers one free slot
    assert not next(t for t in everything if t.label != TOKEN_LABEL).initialized


def test_new_tokens_are_seen_without_restarting(empty_token: str, module_path: Path) -> None:
    assert len(list_tokens(module_path)) == 1
    init_softhsm_token(token_label="TOKEN-2", so_pin=SO_PIN, pin=PIN)
    assert sorted(t.label for t in list_tokens(module_path)) == [TOKEN_LABEL, "TOKEN-2"]


def test_list_certificates_without_pin_shows_public_objects(
    unit_on_token: TokenCertificate, module_path: Path, pki: SigningPki
) -> None:
    listed = list_certificates(module_path, token_label=TOKEN_LABEL)
    by_label = {cert.label: cert for cert in listed}
    assert set(by_label) == {"Chữ ký số đơn vị", "eBHXH Test Issuing CA", "eBHXH Test Root CA"}
    unit = by_label["Chữ ký số đơn vị"]
    assert unit.certificate == pki.unit.certificate
    assert unit.has_private_key is None  # cannot know without logging in
    assert f"UID=MST:{UNIT_TAX_CODE}" in unit.subject_summary
    assert unit.subject_summary.startswith("CN=CÔNG TY TNHH THỬ NGHIỆM BHXH")
    assert unit.not_before == pki.unit.certificate.not_valid_before_utc
    assert unit.not_after == pki.unit.certificate.not_valid_after_utc
    assert unit.not_after.tzinfo is not None
    assert unit.id_hex == unit_on_token.id_hex
    assert unit.token_serial == list_tokens(module_path)[0].serial


def test_list_certificates_with_pin_tells_which_have_a_key(
    unit_on_token: TokenCertificate, module_path: Path, pki: SigningPki
) -> None:
    listed = list_certificates(module_path, token_label=TOKEN_LABEL, pin=PIN)
    keys = {cert.label: cert.has_private_key for cert in listed}
    assert keys == {
        "Chữ ký số đơn vị": True,
        "eBHXH Test Issuing CA": False,
        "eBHXH Test Root CA": False,
    }


# --- loading ---------------------------------------------------------------------------------


def test_load_uses_the_subject_key_identifier_and_protects_the_key(
    unit_on_token: TokenCertificate, module_path: Path, pki: SigningPki
) -> None:
    ski = pki.unit.certificate.extensions.get_extension_for_class(
        x509.SubjectKeyIdentifier
    ).value.key_identifier
    assert unit_on_token.id_hex == ski.hex()
    assert unit_on_token.has_private_key is True
    with raw_session(module_path) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=ski)
        assert key[Attribute.SENSITIVE] and key[Attribute.PRIVATE] and key[Attribute.TOKEN]
        assert key[Attribute.SIGN] and not key[Attribute.EXTRACTABLE]
        with pytest.raises(p11.AttributeSensitive):
            key[Attribute.PRIVATE_EXPONENT]
        cert = session.get_key(object_class=ObjectClass.CERTIFICATE, id=ski)
        assert cert[Attribute.VALUE] == pki.unit.certificate.public_bytes(Encoding.DER)
        assert cert[Attribute.SERIAL_NUMBER][0] == 0x02  # a DER INTEGER, as PKCS#11 says


def test_load_with_an_explicit_id_shares_the_chain(
    unit_on_token: TokenCertificate, module_path: Path, pki: SigningPki
) -> None:
    person = load_person(module_path, pki, key_id=b"\x01\x02")
    assert person.id_hex == "0102"
    labels = sorted(c.label for c in list_certificates(module_path, token_label=TOKEN_LABEL))
    # The issuing CA and the root were already there: not loaded twice.
    assert labels == sorted(
        ["Chữ ký số đơn vị", "Chữ ký số cá nhân", "eBHXH Test Issuing CA", "eBHXH Test Root CA"]
    )


def test_loading_the_same_certificate_twice_is_refused(
    unit_on_token: TokenCertificate, module_path: Path, pki: SigningPki
) -> None:
    with pytest.raises(SignerError) as caught:
        load_into_token(
            module_path,
            token_label=TOKEN_LABEL,
            pin=PIN,
            p12=pki.p12(pki.unit),
            p12_password=P12_PASSWORD,
            label="lần hai",
        )
    assert caught.value.code is SignerErrorCode.CERTIFICATE_EXISTS


def test_an_id_already_used_on_the_token_is_refused(
    unit_on_token: TokenCertificate, module_path: Path, pki: SigningPki
) -> None:
    with pytest.raises(SignerError) as caught:
        load_person(module_path, pki, key_id=bytes.fromhex(unit_on_token.id_hex))
    assert caught.value.code is SignerErrorCode.KEY_ID_IN_USE
    assert len(list_certificates(module_path, token_label=TOKEN_LABEL)) == 3  # nothing added


def test_load_refuses_a_wrong_p12_password_before_touching_the_token(
    empty_token: str, module_path: Path, pki: SigningPki
) -> None:
    with pytest.raises(SignerError) as caught:
        load_into_token(
            module_path,
            token_label=empty_token,
            pin=PIN,
            p12=pki.p12(pki.unit),
            p12_password=b"sai",
            label="x",
        )
    assert caught.value.code is SignerErrorCode.P12_PASSWORD_INCORRECT


# --- signing ---------------------------------------------------------------------------------


def test_sign_a_digest_and_verify_it_with_the_certificate(
    unit_on_token: TokenCertificate, module_path: Path, pki: SigningPki
) -> None:
    with Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN) as signer:
        port: DigestSigner = signer
        signature = port.sign_digest(DIGEST)
        assert port.certificate == pki.unit.certificate
        assert port.chain == (pki.issuing.certificate,)
        assert signer.token.label == TOKEN_LABEL
        assert signer.token_certificate.label == "Chữ ký số đơn vị"
        # A second signature in the same session: one PIN entry signs a batch.
        assert signer.sign_digest(hashlib.sha256("hồ sơ 2".encode()).digest())
    verify(signature, pki.unit.certificate.public_key())
    # PKCS#1 v1.5 is deterministic: the token and the software key agree byte for byte.
    software = Pkcs12Signer(pki.unit.key, pki.unit.certificate)
    assert signature == software.sign_digest(DIGEST)


def test_token_can_be_chosen_by_serial(unit_on_token: TokenCertificate, module_path: Path) -> None:
    serial = unit_on_token.token_serial
    with Pkcs11Signer.open(module_path, token_serial=serial, pin=PIN) as signer:
        assert signer.token.serial == serial


def test_default_module_comes_from_the_environment(
    unit_on_token: TokenCertificate, module_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EBHXH_PKCS11_MODULE", str(module_path))
    assert default_module_path() == module_path
    with Pkcs11Signer.open(None, pin=PIN) as signer:
        verify(signer.sign_digest(DIGEST), signer.certificate.public_key())


def test_default_module_falls_back_to_softhsm(
    softhsm_conf: Path, module_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EBHXH_PKCS11_MODULE", raising=False)
    assert default_module_path() == module_path


def test_signing_after_close_is_refused(unit_on_token: TokenCertificate, module_path: Path) -> None:
    signer = Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN)
    signer.close()
    signer.close()  # idempotent
    assert signer.closed
    with pytest.raises(SignerError) as caught:
        signer.sign_digest(DIGEST)
    assert caught.value.code is SignerErrorCode.SIGNER_CLOSED


def test_digest_of_wrong_length(unit_on_token: TokenCertificate, module_path: Path) -> None:
    signer = Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN)
    with signer, pytest.raises(SignerError) as caught:
        signer.sign_digest(hashlib.sha1(b"x").digest())
    assert caught.value.code is SignerErrorCode.DIGEST_LENGTH


def test_two_certificates_require_a_choice(
    unit_on_token: TokenCertificate, module_path: Path, pki: SigningPki
) -> None:
    person = load_person(module_path, pki)
    with pytest.raises(SignerError) as caught:
        Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN)
    error = caught.value
    assert error.code is SignerErrorCode.CERTIFICATE_CHOICE_REQUIRED
    assert {c.fingerprint_sha256 for c in error.candidates} == {
        unit_on_token.fingerprint_sha256,
        person.fingerprint_sha256,
    }
    assert "Chữ ký số đơn vị" in error.detail and "Chữ ký số cá nhân" in error.detail
    assert unit_on_token.id_hex in error.detail and person.id_hex in error.detail
    restored = pickle.loads(pickle.dumps(error))
    assert restored.code is error.code
    assert restored.detail == error.detail
    assert restored.candidates == error.candidates


def test_choose_by_id_label_or_fingerprint(
    unit_on_token: TokenCertificate, module_path: Path, pki: SigningPki
) -> None:
    person = load_person(module_path, pki)
    sha1_thumbprint = pki.person.certificate.fingerprint(hashes.SHA1()).hex().upper()
    choices: list[dict[str, object]] = [
        {"certificate_id": person.id_hex.upper()},
        {"certificate_id": bytes.fromhex(person.id_hex)},
        {"certificate_label": "Chữ ký số cá nhân"},
        {"fingerprint": person.fingerprint_sha256},
        {"fingerprint": ":".join(sha1_thumbprint[i : i + 2] for i in range(0, 40, 2))},
    ]
    for choice in choices:
        with Pkcs11Signer.open(
            module_path,
            token_label=TOKEN_LABEL,
            pin=PIN,
            **choice,  # type: ignore[arg-type]
        ) as signer:
            assert signer.certificate == pki.person.certificate, choice
            verify(signer.sign_digest(DIGEST), pki.person.certificate.public_key())


def test_key_matched_by_modulus_when_ids_differ(
    empty_token: str, module_path: Path, pki: SigningPki
) -> None:
    """A vendor tool that wrote the key and the certificate under different CKA_IDs."""
    unit = load_into_token(
        module_path,
        token_label=empty_token,
        pin=PIN,
        p12=pki.p12(pki.unit),
        p12_password=P12_PASSWORD,
        label="đơn vị",
    )
    with raw_session(module_path) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=bytes.fromhex(unit.id_hex))
        key[Attribute.ID] = b"\xee\xee"
    with Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN) as signer:
        verify(signer.sign_digest(DIGEST), pki.unit.certificate.public_key())


# --- refusals --------------------------------------------------------------------------------


def test_wrong_pin(unit_on_token: TokenCertificate, module_path: Path) -> None:
    with pytest.raises(SignerError) as caught:
        Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin="000000")
    assert caught.value.code is SignerErrorCode.TOKEN_PIN_INCORRECT
    assert caught.value.message_vi.startswith("Mã PIN không đúng.")
    assert "000000" not in str(caught.value)
    # The token remembers the failure until the next good login.
    assert list_tokens(module_path)[0].pin_count_low
    with pytest.raises(SignerError) as caught:
        list_certificates(module_path, token_label=TOKEN_LABEL, pin="")
    assert caught.value.code is SignerErrorCode.TOKEN_PIN_INCORRECT
    with Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN):
        pass
    assert not list_tokens(module_path)[0].pin_count_low


def test_pin_locked_is_reported_from_the_token_error() -> None:
    """SoftHSM2 never locks a user PIN (checked: 30 wrong PINs, still unlocked), so the
    mapping of CKR_PIN_LOCKED is tested on the exception python-pkcs11 raises for it."""
    error = signer_pkcs11._translate(p11.PinLocked())
    assert error.code is SignerErrorCode.TOKEN_PIN_LOCKED
    assert "khoá" in error.message_vi


def test_other_token_failures_become_token_error() -> None:
    error = signer_pkcs11._translate(p11.DeviceError())
    assert error.code is SignerErrorCode.TOKEN_ERROR
    assert error.detail == "(DeviceError)"
    assert signer_pkcs11._translate(p11.DeviceRemoved()).code is SignerErrorCode.TOKEN_NOT_FOUND


def test_missing_module(softhsm_conf: Path, tmp_path: Path) -> None:
    with pytest.raises(SignerError) as caught:
        list_tokens(tmp_path / "libkhongco.so")
    assert caught.value.code is SignerErrorCode.TOKEN_MODULE_NOT_FOUND
    assert "libkhongco.so" in caught.value.detail


def test_no_module_configured_and_no_softhsm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EBHXH_PKCS11_MODULE", raising=False)
    monkeypatch.setattr(signer_pkcs11, "find_softhsm_module", lambda: None)
    with pytest.raises(SignerError) as caught:
        default_module_path()
    assert caught.value.code is SignerErrorCode.TOKEN_MODULE_NOT_FOUND


def test_file_that_is_not_a_pkcs11_module(softhsm_conf: Path, tmp_path: Path) -> None:
    fake = tmp_path / "libfake.so"
    fake.write_bytes(b"not an ELF file")
    with pytest.raises(SignerError) as caught:
        list_tokens(fake)
    assert caught.value.code is SignerErrorCode.TOKEN_MODULE_INVALID


def test_unknown_token(empty_token: str, module_path: Path) -> None:
    with pytest.raises(SignerError) as caught:
        Pkcs11Signer.open(module_path, token_label="KHONG-CO", pin=PIN)
    assert caught.value.code is SignerErrorCode.TOKEN_NOT_FOUND
    assert f"'{TOKEN_LABEL}'" in caught.value.detail  # says what is plugged in
    with pytest.raises(SignerError) as caught:
        list_certificates(module_path, token_serial="0000")
    assert caught.value.code is SignerErrorCode.TOKEN_NOT_FOUND


def test_no_token_at_all(softhsm_conf: Path, module_path: Path) -> None:
    assert list_tokens(module_path) == []
    with pytest.raises(SignerError) as caught:
        Pkcs11Signer.open(module_path, pin=PIN)
    assert caught.value.code is SignerErrorCode.TOKEN_NOT_FOUND


def test_several_tokens_require_a_choice(empty_token: str, module_path: Path) -> None:
    init_softhsm_token(token_label="TOKEN-2", so_pin=SO_PIN, pin=PIN)
    with pytest.raises(SignerError) as caught:
        Pkcs11Signer.open(module_path, pin=PIN)
    assert caught.value.code is SignerErrorCode.TOKEN_CHOICE_REQUIRED
    assert TOKEN_LABEL in caught.value.detail and "TOKEN-2" in caught.value.detail


def test_a_token_held_by_an_open_signer_is_in_use(
    unit_on_token: TokenCertificate, module_path: Path
) -> None:
    with Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN):
        # A second login would be accepted by the token without checking this PIN.
        with pytest.raises(SignerError) as caught:
            Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin="sai-pin")
        assert caught.value.code is SignerErrorCode.TOKEN_IN_USE
        # Public listing still works while the signer is open.
        assert len(list_certificates(module_path, token_label=TOKEN_LABEL)) == 3
    with Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN):
        pass


def test_no_certificate_on_the_token(empty_token: str, module_path: Path) -> None:
    with pytest.raises(SignerError) as caught:
        Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN)
    assert caught.value.code is SignerErrorCode.CERTIFICATE_NOT_FOUND


def test_chosen_certificate_not_on_the_token(
    unit_on_token: TokenCertificate, module_path: Path
) -> None:
    with pytest.raises(SignerError) as caught:
        Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN, fingerprint="ab" * 32)
    assert caught.value.code is SignerErrorCode.CERTIFICATE_NOT_FOUND
    assert "Chữ ký số đơn vị" in caught.value.detail


def test_certificate_without_its_key(
    unit_on_token: TokenCertificate, module_path: Path, pki: SigningPki
) -> None:
    with pytest.raises(SignerError) as caught:
        Pkcs11Signer.open(
            module_path, token_label=TOKEN_LABEL, pin=PIN, certificate_label="eBHXH Test Root CA"
        )
    assert caught.value.code is SignerErrorCode.KEY_NOT_FOUND
    with raw_session(module_path) as session:
        session.get_key(
            object_class=ObjectClass.PRIVATE_KEY, id=bytes.fromhex(unit_on_token.id_hex)
        ).destroy()
    with pytest.raises(SignerError) as caught:
        Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN)
    assert caught.value.code is SignerErrorCode.KEY_NOT_FOUND


def test_a_non_rsa_certificate_cannot_sign(
    empty_token: str, module_path: Path, pki: SigningPki
) -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ECDSA")]))
        .issuer_name(pki.issuing.certificate.subject)
        .public_key(ec_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.unit.certificate.not_valid_before_utc)
        .not_valid_after(pki.unit.certificate.not_valid_after_utc)
        .sign(pki.issuing.key, hashes.SHA256())
    )
    with raw_session(module_path) as session:
        session.create_object(signer_pkcs11._certificate_template(ec_certificate, "ec", b"\x0e"))
    with pytest.raises(SignerError) as caught:
        Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN)
    assert caught.value.code is SignerErrorCode.KEY_NOT_RSA


def test_key_that_does_not_match_its_certificate(
    unit_on_token: TokenCertificate, module_path: Path, pki: SigningPki
) -> None:
    """A token whose key under the certificate's CKA_ID is some other key."""
    key_id = bytes.fromhex(unit_on_token.id_hex)
    with raw_session(module_path) as session:
        session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id).destroy()
        session.create_object(
            signer_pkcs11._private_key_template(
                pki.person.key, pki.unit.certificate, "khác", key_id
            )
        )
    signer = Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN)
    with signer, pytest.raises(SignerError) as caught:
        signer.sign_digest(DIGEST)
    assert caught.value.code is SignerErrorCode.KEY_CERTIFICATE_MISMATCH


def test_an_unclosed_signer_frees_its_slot_when_collected(
    unit_on_token: TokenCertificate, module_path: Path
) -> None:
    signer = Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN)
    del signer
    gc.collect()
    with Pkcs11Signer.open(module_path, token_label=TOKEN_LABEL, pin=PIN):
        pass
