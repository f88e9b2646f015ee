"""The demo PKI: what it contains, its files, its manifest, and rebuilding it only on demand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from ebhxh.identifiers import parse_citizen_id, parse_tax_code, parse_unit_code
from ebhxh.pki.demo import (
    CRL_VALIDITY,
    MANIFEST_NAME,
    DemoPki,
    build_demo_pki,
    load_if_complete,
    refresh_demo_crls,
)
from ebhxh.pki.errors import CertificateError
from ebhxh.pki.identity import identity_of
from ebhxh.pki.validation import CertificateValidator
from tests.pki.support import Clock, demo_dir_copy

HOLDERS = ("organisation", "individual", "ivan", "agency")


Kind = TypeVar("Kind", bound=x509.ExtensionType)


def extension(certificate: x509.Certificate, kind: type[Kind]) -> x509.Extension[Kind]:
    return certificate.extensions.get_extension_for_class(kind)


def test_hierarchy_root_and_demo_named_vietnamese_cas(demo_pki: DemoPki) -> None:
    root = demo_pki.entity("root-ca")
    assert root.role == "root" and root.issuer == "root-ca"
    assert root.common_name == "Vietnam National Root CA (DEMO)"
    cas = demo_pki.with_role("ca")
    assert {ca.slug for ca in cas} == {"vnpt-ca", "viettel-ca", "misa-ca"}
    for entity in demo_pki.entities:
        certificate = demo_pki.certificate(entity.slug)
        assert "(DEMO)" in entity.common_name
        assert certificate.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "VN"
        assert entity.issuer == "root-ca" or demo_pki.entity(entity.issuer).role == "ca"


def test_ca_extensions(demo_pki: DemoPki) -> None:
    root = demo_pki.certificate("root-ca")
    for slug, path_length in (("root-ca", None), ("vnpt-ca", 0), ("viettel-ca", 0), ("misa-ca", 0)):
        certificate = demo_pki.certificate(slug)
        constraints = extension(certificate, x509.BasicConstraints)
        assert constraints.critical and constraints.value.ca
        assert constraints.value.path_length == path_length
        usage = extension(certificate, x509.KeyUsage)
        assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
        extension(certificate, x509.SubjectKeyIdentifier)
        if slug != "root-ca":
            certificate.verify_directly_issued_by(root)
            aki = extension(certificate, x509.AuthorityKeyIdentifier).value
            assert aki.key_identifier == extension(root, x509.SubjectKeyIdentifier).value.digest
            points = extension(certificate, x509.CRLDistributionPoints).value
            assert points[0].full_name[0].value == "http://127.0.0.1:8000/pki/root-ca/crl"


def test_holder_certificates_look_like_vietnamese_signing_certificates(demo_pki: DemoPki) -> None:
    for entity in demo_pki.entities:
        if entity.role not in HOLDERS:
            continue
        certificate = demo_pki.certificate(entity.slug)
        public_key = certificate.public_key()
        assert isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size == 2048
        usage = extension(certificate, x509.KeyUsage)
        assert usage.critical
        assert usage.value.digital_signature and usage.value.content_commitment
        assert not usage.value.key_cert_sign
        assert not extension(certificate, x509.BasicConstraints).value.ca
        assert list(extension(certificate, x509.ExtendedKeyUsage).value) == [
            ExtendedKeyUsageOID.CLIENT_AUTH,
            ExtendedKeyUsageOID.EMAIL_PROTECTION,
        ]
        points = extension(certificate, x509.CRLDistributionPoints).value
        assert points[0].full_name[0].value == f"http://127.0.0.1:8000/pki/{entity.issuer}/crl"
        access = extension(certificate, x509.AuthorityInformationAccess).value
        assert access[0].access_method == AuthorityInformationAccessOID.OCSP
        assert access[0].access_location.value == f"http://127.0.0.1:8000/pki/{entity.issuer}/ocsp"
        assert (entity.crl_url, entity.ocsp_url) == (
            points[0].full_name[0].value,
            access[0].access_location.value,
        )
        certificate.verify_directly_issued_by(demo_pki.certificate(entity.issuer))


def test_organisations_carry_valid_tax_codes_and_vietnamese_names(demo_pki: DemoPki) -> None:
    organisations = demo_pki.with_role("organisation")
    for entity in organisations + demo_pki.with_role("ivan") + demo_pki.with_role("agency"):
        assert entity.tax_code is not None
        assert parse_tax_code(entity.tax_code).value == entity.tax_code
        identity = identity_of(demo_pki.certificate(entity.slug))
        assert identity.tax_code == entity.tax_code
        assert identity.common_name == entity.common_name
        subject = demo_pki.certificate(entity.slug).subject
        assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        assert subject.get_attributes_for_oid(NameOID.LOCALITY_NAME)
        assert subject.get_attributes_for_oid(NameOID.STATE_OR_PROVINCE_NAME)
    hoa_binh = demo_pki.entity("hoa-binh")
    assert hoa_binh.common_name == "CÔNG TY CỔ PHẦN ĐẦU TƯ THƯƠNG MẠI HOÀ BÌNH (DEMO)"
    assert (hoa_binh.province, hoa_binh.unit_code) == ("Hà Nội", None)
    assert any(e.province not in (None, "Hà Nội") for e in organisations)
    for entity in organisations:
        if entity.unit_code is not None:
            parse_unit_code(entity.unit_code)


def test_one_organisation_holds_two_certificates(demo_pki: DemoPki) -> None:
    by_tax_code: dict[str | None, list[str]] = {}
    for entity in demo_pki.with_role("organisation"):
        by_tax_code.setdefault(entity.tax_code, []).append(entity.slug)
    assert by_tax_code["0109234567"] == ["sao-mai-vnpt", "sao-mai-viettel"]
    first, second = (demo_pki.certificate(slug) for slug in by_tax_code["0109234567"])
    assert first.public_key() != second.public_key()
    assert demo_pki.entity("sao-mai-hcm").tax_code == "0109234567-001"


def test_individuals_carry_valid_citizen_ids(demo_pki: DemoPki) -> None:
    individuals = demo_pki.with_role("individual")
    assert len(individuals) >= 2
    for entity in individuals:
        assert entity.citizen_id is not None
        parse_citizen_id(entity.citizen_id)
        assert identity_of(demo_pki.certificate(entity.slug)).citizen_id == entity.citizen_id
        assert entity.tax_code is None
    assert demo_pki.entity("nguyen-thi-huong").common_name == "Nguyễn Thị Hương (DEMO)"


def test_ivans_and_the_agency(demo_pki: DemoPki) -> None:
    ivans = {entity.ivan_code: entity for entity in demo_pki.with_role("ivan")}
    assert set(ivans) == {"00110", "00020", "00050"}
    assert (ivans["00110"].tax_code, ivans["00110"].issuer) == ("0101243150", "misa-ca")
    assert ivans["00020"].issuer == "vnpt-ca" and ivans["00050"].issuer == "viettel-ca"
    (agency,) = demo_pki.with_role("agency")
    assert agency.common_name == "BẢO HIỂM XÃ HỘI VIỆT NAM (DEMO)"


def test_every_holder_validates_except_the_revoked_one(
    demo_pki: DemoPki, demo_validator: CertificateValidator
) -> None:
    revoked = [entity.slug for entity in demo_pki.entities if entity.revoked]
    assert revoked == ["phu-thinh"]
    for entity in demo_pki.entities:
        if entity.role not in HOLDERS:
            continue
        certificate = demo_pki.certificate(entity.slug)
        if entity.revoked:
            with pytest.raises(CertificateError) as caught:
                demo_validator.validate(certificate, intermediates=demo_pki.chain(entity.slug))
            assert caught.value.code == "CRT004"
        else:
            result = demo_validator.validate(certificate, intermediates=demo_pki.chain(entity.slug))
            assert result.chain[-1] == demo_pki.certificate("root-ca")


def test_crls_per_ca(demo_pki: DemoPki) -> None:
    assert {crl.issuer for crl in demo_pki.crls} == {"root-ca", "vnpt-ca", "viettel-ca", "misa-ca"}
    for record in demo_pki.crls:
        issuer = demo_pki.certificate(record.issuer)
        der = x509.load_der_x509_crl(demo_pki.path(record.der).read_bytes())
        pem = x509.load_pem_x509_crl(demo_pki.path(record.pem).read_bytes())
        assert der == pem
        assert der.issuer == issuer.subject
        assert der.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
        assert der.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 1
        assert der.next_update_utc == demo_pki.generated_at + CRL_VALIDITY
        assert record.next_update == der.next_update_utc
        serials = {format(entry.serial_number, "x") for entry in der}
        assert serials == set(record.revoked_serials)
    viettel = next(record for record in demo_pki.crls if record.issuer == "viettel-ca")
    assert viettel.revoked_serials == (demo_pki.entity("phu-thinh").serial,)


def test_pkcs12_opens_with_its_password_only(demo_pki: DemoPki) -> None:
    for entity in demo_pki.entities:
        assert entity.p12_password == f"demo-{entity.slug}"
        data = demo_pki.path(entity.files.pkcs12).read_bytes()
        key, certificate, chain = pkcs12.load_key_and_certificates(
            data, entity.p12_password.encode()
        )
        assert certificate == demo_pki.certificate(entity.slug)
        assert key is not None and key.public_key() == certificate.public_key()
        assert len(chain) == (0 if entity.role == "root" else 1 if entity.role == "ca" else 2)
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(
            demo_pki.path(demo_pki.entity("hoa-binh").files.pkcs12).read_bytes(), b"wrong"
        )


def test_pem_bundle_signs_and_chain_files_hold_the_issuers(demo_pki: DemoPki) -> None:
    entity = demo_pki.entity("ivan-misa")
    bundle = demo_pki.path(entity.files.bundle_pem).read_bytes()
    key = serialization.load_pem_private_key(bundle, password=None)
    certificates = x509.load_pem_x509_certificates(bundle)
    assert certificates[0] == demo_pki.certificate("ivan-misa")
    assert certificates[1:] == [demo_pki.certificate("misa-ca"), demo_pki.certificate("root-ca")]
    assert entity.files.chain_pem is not None
    chain = x509.load_pem_x509_certificates(demo_pki.path(entity.files.chain_pem).read_bytes())
    assert chain == certificates[1:]
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = key.sign(b"ho so", padding.PKCS1v15(), hashes.SHA256())
    public_key = certificates[0].public_key()
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(signature, b"ho so", padding.PKCS1v15(), hashes.SHA256())
    assert demo_pki.private_key("ivan-misa").public_key() == certificates[0].public_key()
    assert demo_pki.chain("ivan-misa") == (demo_pki.certificate("misa-ca"),)
    assert demo_pki.entity("root-ca").files.chain_pem is None


def test_manifest_round_trips(demo_pki: DemoPki) -> None:
    raw = json.loads(demo_pki.path(MANIFEST_NAME).read_text(encoding="utf-8"))
    assert raw["format"] == "ebhxh-demo-pki"
    assert len(raw["entities"]) == len(demo_pki.entities)
    assert DemoPki.load(demo_pki.directory) == demo_pki
    for entity in demo_pki.entities:
        certificate = demo_pki.certificate(entity.slug)
        assert entity.serial == format(certificate.serial_number, "x")
        assert entity.fingerprint_sha256 == certificate.fingerprint(hashes.SHA256()).hex()
        assert entity.subject == certificate.subject.rfc4514_string()
        assert entity.not_after == certificate.not_valid_after_utc
        assert entity.not_before.tzinfo is not None
    with pytest.raises(KeyError):
        demo_pki.entity("nobody")


def test_manifest_of_another_kind_is_refused(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).write_text('{"format": "something-else"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not an ebhxh demo PKI"):
        DemoPki.load(tmp_path)
    (tmp_path / MANIFEST_NAME).write_text(
        '{"format": "ebhxh-demo-pki", "version": 99}', encoding="utf-8"
    )
    with pytest.raises(ValueError, match="version"):
        DemoPki.load(tmp_path)
    assert load_if_complete(tmp_path) is None


def test_existing_complete_pki_is_left_alone_unless_forced(
    demo_pki: DemoPki, tmp_path: Path
) -> None:
    copy = demo_dir_copy(demo_pki, tmp_path / "pki")
    again = build_demo_pki(copy.directory)
    assert again == copy
    assert again.generated_at == demo_pki.generated_at
    forced = build_demo_pki(copy.directory, force=True)
    assert (
        forced.entity("hoa-binh").fingerprint_sha256 != copy.entity("hoa-binh").fingerprint_sha256
    )
    assert DemoPki.load(copy.directory) == forced


def test_incomplete_pki_is_rebuilt(demo_pki: DemoPki, tmp_path: Path) -> None:
    copy = demo_dir_copy(demo_pki, tmp_path / "pki")
    copy.path(copy.entity("hoa-binh").files.pkcs12).unlink()
    assert not copy.is_complete()
    rebuilt = build_demo_pki(copy.directory)
    assert rebuilt.is_complete()
    assert (
        rebuilt.entity("hoa-binh").fingerprint_sha256 != copy.entity("hoa-binh").fingerprint_sha256
    )


def test_naive_build_time_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_demo_pki(tmp_path / "naive", now=datetime(2026, 1, 1))


def test_stale_crls_are_refreshed_with_the_next_number(demo_pki: DemoPki, tmp_path: Path) -> None:
    copy = demo_dir_copy(demo_pki, tmp_path / "pki")
    later = Clock(demo_pki.generated_at + timedelta(days=10))
    stale = copy.validator(now=later)
    with pytest.raises(CertificateError) as caught:
        stale.validate(copy.certificate("hoa-binh"), at=demo_pki.generated_at)
    assert caught.value.code == "CRT005"
    refreshed = refresh_demo_crls(copy.directory, now=later())
    assert {crl.number for crl in refreshed.crls} == {2}
    assert DemoPki.load(copy.directory) == refreshed
    validator = refreshed.validator(now=later)
    validator.validate(refreshed.certificate("hoa-binh"))
    with pytest.raises(CertificateError) as revoked:
        validator.validate(refreshed.certificate("phu-thinh"))
    assert revoked.value.code == "CRT004"
    # A running validator takes the refreshed CRLs as newer ones.
    for crl in refreshed.crl_list():
        assert stale.add_crl(crl)
    stale.validate(copy.certificate("hoa-binh"))


def test_build_time_is_kept(tmp_path: Path) -> None:
    moment = datetime(2026, 3, 1, 8, 30, 15, 999, tzinfo=UTC)
    pki = build_demo_pki(tmp_path / "fixed", now=moment)
    assert pki.generated_at == moment.replace(microsecond=0)
    assert pki.entity("hoa-binh").not_before == moment.replace(microsecond=0) - timedelta(days=1)
