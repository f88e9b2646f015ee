"""A tiny PKI made in-process, named test doubles, sample documents and attack helpers.

The real certificate validator (ebhxh.pki) and the real signers (ebhxh.signers) are built
elsewhere; here `PinnedCertificateChecker` stands in for the validator (it trusts one leaf and
nothing else) and `KeySigner` for a signer (a cryptography private key in memory).
"""

from __future__ import annotations

import hashlib
from base64 import b64encode
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import NameOID
from lxml import etree

from ebhxh.pki.errors import CertificateError
from ebhxh.pki.types import CertIdentity, ValidatedCertificate

DS = "http://www.w3.org/2000/09/xmldsig#"
VIETNAM = timezone(timedelta(hours=7))


# Parser attacks ---------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Hoso><NoiDung>&lol9;</NoiDung></Hoso>"""

XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Hoso [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Hoso><NoiDung>&xxe;</NoiDung></Hoso>"""

INTERNAL_ENTITY = """<!DOCTYPE Hoso [<!ENTITY unit "Công ty A">]>
<Hoso><NoiDung>&unit;</NoiDung></Hoso>""".encode()


def _name(common_name: str, uid: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if uid:
        attributes.append(x509.NameAttribute(NameOID.USER_ID, uid))
    return x509.Name(attributes)


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    signing_key: rsa.RSAPrivateKey,
    *,
    ca: bool,
    serial: int,
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    return builder.sign(signing_key, hashes.SHA256())


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class TinyPki:
    """A root CA, an intermediate CA, the unit's leaf, another unit's leaf, an EC leaf and a
    leaf with a 1024-bit RSA key."""

    ca_key: rsa.RSAPrivateKey
    ca: x509.Certificate
    intermediate_key: rsa.RSAPrivateKey
    intermediate: x509.Certificate
    leaf_key: rsa.RSAPrivateKey
    leaf: x509.Certificate
    other_key: rsa.RSAPrivateKey
    other: x509.Certificate
    ec_leaf: x509.Certificate
    weak_key: rsa.RSAPrivateKey
    weak_leaf: x509.Certificate

    @classmethod
    def create(cls) -> TinyPki:
        ca_key, intermediate_key, leaf_key, other_key = (_rsa_key() for _ in range(4))
        ca_name = _name("ebhxh test root CA")
        ca = _certificate(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True, serial=1)
        intermediate_name = _name("ebhxh test issuing CA")
        intermediate = _certificate(
            intermediate_name, ca_name, intermediate_key.public_key(), ca_key, ca=True, serial=2
        )
        leaf = _certificate(
            _name("Công ty TNHH Thử Nghiệm", "MST:0100109106"),
            ca_name,
            leaf_key.public_key(),
            ca_key,
            ca=False,
            serial=3,
        )
        other = _certificate(
            _name("Công ty Khác", "MST:0101243150"),
            ca_name,
            other_key.public_key(),
            ca_key,
            ca=False,
            serial=4,
        )
        ec_leaf = _certificate(
            _name("EC unit"),
            ca_name,
            ec.generate_private_key(ec.SECP256R1()).public_key(),
            ca_key,
            ca=False,
            serial=5,
        )
        weak_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        weak_leaf = _certificate(
            _name("Weak unit"), ca_name, weak_key.public_key(), ca_key, ca=False, serial=6
        )
        return cls(
            ca_key,
            ca,
            intermediate_key,
            intermediate,
            leaf_key,
            leaf,
            other_key,
            other,
            ec_leaf,
            weak_key,
            weak_leaf,
        )

    def write_pem_files(self, directory: Path) -> dict[str, Path]:
        """ca.pem, cert.pem, key.pem (the leaf) for the xmlsec1 command-line tool."""
        files = {
            "ca": directory / "ca.pem",
            "cert": directory / "cert.pem",
            "key": directory / "key.pem",
        }
        files["ca"].write_bytes(self.ca.public_bytes(serialization.Encoding.PEM))
        files["cert"].write_bytes(self.leaf.public_bytes(serialization.Encoding.PEM))
        files["key"].write_bytes(
            self.leaf_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return files


@dataclass
class KeySigner:
    """Test double of `ebhxh.signers.ports.DigestSigner` over an in-memory private key."""

    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()
    digests: list[bytes] = field(default_factory=list)

    def sign_digest(self, digest: bytes) -> bytes:
        assert len(digest) == 32
        self.digests.append(digest)
        return self.private_key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))


@dataclass(frozen=True)
class CheckerCall:
    certificate: x509.Certificate
    intermediates: tuple[x509.Certificate, ...]
    at: datetime | None


@dataclass
class PinnedCertificateChecker:
    """Test double of `ebhxh.pki.types.CertificateChecker`: accepts exactly the one leaf it
    was given (CRT001 for anything else) and records how it was called."""

    trusted: x509.Certificate
    calls: list[CheckerCall] = field(default_factory=list)

    def validate(
        self,
        certificate: x509.Certificate,
        *,
        intermediates: Sequence[x509.Certificate] = (),
        at: datetime | None = None,
    ) -> ValidatedCertificate:
        self.calls.append(CheckerCall(certificate, tuple(intermediates), at))
        if certificate != self.trusted:
            raise CertificateError("CRT001", "not the pinned certificate")
        der = certificate.public_bytes(serialization.Encoding.DER)
        common_name = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        return ValidatedCertificate(
            certificate=certificate,
            chain=(certificate,),
            identity=CertIdentity(
                common_name=str(common_name),
                organization=None,
                tax_code=None,
                citizen_id=None,
                subject=certificate.subject.rfc4514_string(),
            ),
            fingerprint_sha256=hashlib.sha256(der).hexdigest(),
            validated_at=at or datetime.now(UTC),
        )


def envelope(*, files: int = 2, declaration: bool = True, parent: bool = True) -> bytes:
    """A dossier envelope (DESIGN.md §2), pretty-printed like real I-VAN output; `parent`:
    whether it already has the empty `CKy_Dvi` the signature goes into."""
    items = "".join(
        f"""
        <FileToKhai>
          <MaToKhai>D02-TS</MaToKhai>
          <MoTaToKhai>Báo cáo tình hình sử dụng lao động {index}</MoTaToKhai>
          <TenFile>D02-TS-{index}.xml</TenFile>
          <LoaiFile>xml</LoaiFile>
          <DoDaiFile>12</DoDaiFile>
          <NoiDungFile>{b64encode(f"<ToKhai>{index}</ToKhai>".encode()).decode()}</NoiDungFile>
        </FileToKhai>"""
        for index in range(files)
    )
    cky_dvi = "\n  <CKy_Dvi/>" if parent else ""
    body = f"""<Hoso>
  <NoiDung>
    <ThongTinIVAN><MaIVAN>00110</MaIVAN><TenIVAN>Công ty Cổ phần MISA</TenIVAN></ThongTinIVAN>
    <ThongTinDonVi>
      <TenDoiTuong>Công ty TNHH Thử Nghiệm</TenDoiTuong>
      <MaSoBHXH>TZH490L</MaSoBHXH>
      <MaSoThue>0100109106</MaSoThue>
      <NguoiKy>Nguyễn Văn A</NguoiKy>
    </ThongTinDonVi>
    <ThongTinHoSo>
      <TenThuTuc>Báo tăng, báo giảm, điều chỉnh đóng BHXH</TenThuTuc>
      <MaThuTuc>600</MaThuTuc>
      <KyKeKhai>06/2025</KyKeKhai>
      <NgayLap>01/06/2025</NgayLap>
      <SoLuongFile>{files}</SoLuongFile>
      <ToKhais>{items}
      </ToKhais>
    </ThongTinHoSo>
  </NoiDung>{cky_dvi}
</Hoso>
"""
    prefix = '<?xml version="1.0" encoding="UTF-8"?>\n' if declaration else ""
    return (prefix + body).encode()


def form() -> bytes:
    """A form (tờ khai) as carried base64-encoded inside an envelope; it has no `Cky` yet."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<ToKhai xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xml:lang="vi">\n'
        "  <MaToKhai>TK1-TS</MaToKhai>\n"
        "  <HoTen>Trần Thị B</HoTen>\n"
        "  <SoCCCD>001190000123</SoCCCD>\n"
        "</ToKhai>\n"
    ).encode()


def signature_of(document: bytes) -> etree._Element:
    root = etree.fromstring(document)
    return next(root.iter(f"{{{DS}}}Signature"))


def xmlsec_sign(
    template: bytes,
    *,
    key: xmlsec.Key,
    id_elements: Sequence[str] = (),
) -> bytes:
    """Sign a template with python-xmlsec, whatever algorithms it names: how an attacker (or
    a foreign signing tool) produces a cryptographically valid signature outside the profile."""
    root = etree.fromstring(template)
    for node in root.iter():
        if isinstance(node.tag, str) and etree.QName(node).localname in id_elements:
            xmlsec.tree.add_ids(node, ["Id"])
    context = xmlsec.SignatureContext()
    context.key = key
    context.sign(next(root.iter(f"{{{DS}}}Signature")))
    return etree.tostring(root)


def xmlsec_accepts(document: bytes, *, key: xmlsec.Key, id_elements: Sequence[str] = ()) -> bool:
    """Whether plain libxmlsec1, with no profile, finds the signature valid: proves an attack
    document is cryptographically sound, so only the profile's checks can stop it."""
    root = etree.fromstring(document)
    for node in root.iter():
        if isinstance(node.tag, str) and etree.QName(node).localname in id_elements:
            xmlsec.tree.add_ids(node, ["Id"])
    context = xmlsec.SignatureContext()
    context.key = key
    try:
        context.verify(next(root.iter(f"{{{DS}}}Signature")))
    except xmlsec.Error:
        return False
    return True


def xmlsec_public_key(pki: TinyPki) -> xmlsec.Key:
    return xmlsec.Key.from_memory(
        pki.leaf.public_bytes(serialization.Encoding.PEM), xmlsec.constants.KeyDataFormatCertPem
    )


def xmlsec_rsa_key(
    pki: TinyPki,
    private_key: rsa.RSAPrivateKey | None = None,
    certificate: x509.Certificate | None = None,
) -> xmlsec.Key:
    """An xmlsec signing key with its certificate (the leaf's unless told otherwise)."""
    pem = (private_key or pki.leaf_key).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key = xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem)
    key.load_cert_from_memory(
        (certificate or pki.leaf).public_bytes(serialization.Encoding.PEM),
        xmlsec.constants.KeyDataFormatPem,
    )
    return key


def signature_template(
    *,
    content: str = "<NoiDung><A>1</A></NoiDung>",
    c14n: str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    signature_method: str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    digest_method: str = "http://www.w3.org/2001/04/xmlenc#sha256",
    uri: str = "",
    transforms: Sequence[str] = (
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    ),
    key_info: str = "<X509Data/>",
    root_attributes: str = "",
    extra_signature_children: str = "",
    extra_references: str = "",
) -> bytes:
    """An envelope with an unsigned signature template, every part replaceable."""
    transform_xml = "".join(f'<Transform Algorithm="{uri_}"/>' for uri_ in transforms)
    return (
        f"<Hoso{root_attributes}>{content}<CKy_Dvi>"
        f'<Signature xmlns="{DS}" Id="sig-1"><SignedInfo>'
        f'<CanonicalizationMethod Algorithm="{c14n}"/>'
        f'<SignatureMethod Algorithm="{signature_method}"/>'
        f'<Reference URI="{uri}"><Transforms>{transform_xml}</Transforms>'
        f'<DigestMethod Algorithm="{digest_method}"/><DigestValue/></Reference>'
        f"{extra_references}"
        f"</SignedInfo><SignatureValue/><KeyInfo>{key_info}</KeyInfo>"
        f"{extra_signature_children}</Signature></CKy_Dvi></Hoso>"
    ).encode()
