"""The hardened parser: every way an untrusted document can attack the parser is refused."""

from __future__ import annotations

import time

import pytest
from lxml import etree

from ebhxh.pki.errors import XmlSignatureError
from ebhxh.xmldsig.parser import ParseLimits, parse_xml, xml_prolog, xpath_of
from tests.xmldsig.support import BILLION_LAUGHS, INTERNAL_ENTITY, XXE


def code_of(data: bytes, limits: ParseLimits | None = None) -> XmlSignatureError:
    with pytest.raises(XmlSignatureError) as caught:
        parse_xml(data, limits=limits or ParseLimits())
    return caught.value


def test_parses_a_plain_document_keeping_comments_and_cdata() -> None:
    tree = parse_xml(b"<a><!-- note --><b><![CDATA[x < y]]></b></a>")
    assert tree.getroot().tag == "a"
    assert b"<!-- note -->" in etree.tostring(tree)


@pytest.mark.parametrize(
    "document",
    [
        INTERNAL_ENTITY,
        XXE,
        BILLION_LAUGHS,
        b'<!DOCTYPE Hoso SYSTEM "http://evil.example/x.dtd"><Hoso/>',
    ],
    ids=["internal-entity", "xxe-file", "billion-laughs", "external-dtd"],
)
def test_any_doctype_is_refused_before_parsing(document: bytes) -> None:
    started = time.perf_counter()
    error = code_of(document)
    assert error.code == "SCH002"
    assert time.perf_counter() - started < 0.5  # nothing was expanded


def test_doctype_after_prolog_comments_and_declaration_is_still_found() -> None:
    document = b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- a -->\n<?x?>\n<!DOCTYPE a []><a/>'
    assert code_of(document).code == "SCH002"


def test_doctype_text_inside_the_body_is_only_text() -> None:
    tree = parse_xml(b"<a><![CDATA[<!DOCTYPE x>]]><!-- <!ENTITY y 'z'> --></a>")
    assert tree.getroot().text == "<!DOCTYPE x>"


def test_undeclared_entity_reference_is_malformed() -> None:
    assert code_of(b"<a>&nbsp;</a>").code == "SCH001"


@pytest.mark.parametrize(
    ("document", "detail"),
    [
        (b"<Hoso><NoiDung></Hoso>", "line 1"),
        (b"<Hoso>\n<A>\n</B></Hoso>", "line 3"),
        (b"", "line 1"),
        (b"<a/><b/>", "line 1"),
    ],
)
def test_malformed_documents_report_the_parser_line(document: bytes, detail: str) -> None:
    error = code_of(document)
    assert error.code == "SCH001"
    assert detail in error.detail


@pytest.mark.parametrize(
    "document",
    [
        '<?xml version="1.0" encoding="UTF-16"?><a/>'.encode("utf-16"),
        "<a/>".encode("utf-16-le"),
        b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE a+AD4-<a/>',
        b'<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>',
        b"<?xml version='1.0' encoding='utf-8' junk?><a/>",
    ],
    ids=["utf16-declared", "utf16-bom-less", "utf7", "latin1", "bad-declaration"],
)
def test_only_utf8_is_accepted(document: bytes) -> None:
    assert code_of(document).code == "SCH001"


def test_utf8_declarations_in_any_case_and_quotes_are_accepted() -> None:
    for declaration in (b'<?xml version="1.0" encoding="utf-8"?>', b"<?xml version='1.0'?>"):
        assert parse_xml(declaration + b"<a>\xc3\xa9</a>").getroot().text == "é"


def test_size_limit() -> None:
    document = b"<a>" + b"x" * 2000 + b"</a>"
    assert parse_xml(document, limits=ParseLimits(max_bytes=len(document))) is not None
    error = code_of(document, ParseLimits(max_bytes=len(document) - 1))
    assert error.code == "SCH003"


def test_default_size_limit_is_ten_mebibytes() -> None:
    assert ParseLimits().max_bytes == 10 * 1024 * 1024
    document = b"<a>" + b"x" * (10 * 1024 * 1024) + b"</a>"
    assert code_of(document).code == "SCH003"


def nested(depth: int) -> bytes:
    return b"<e>" * depth + b"</e>" * depth


def test_depth_limit_counts_the_root_as_level_one() -> None:
    assert parse_xml(nested(64)) is not None
    error = code_of(nested(65))
    assert error.code == "SCH004"
    assert error.xpath is not None and error.xpath.count("/e") == 65
    assert code_of(nested(6), ParseLimits(max_depth=5)).code == "SCH004"


def test_libxml2_own_depth_cap_is_reported_as_too_deep_too() -> None:
    assert parse_xml(nested(256), limits=ParseLimits(max_depth=256)) is not None
    error = code_of(nested(5000), ParseLimits(max_depth=256))
    assert error.code == "SCH004"


@pytest.mark.parametrize(
    "limits", [{"max_depth": 0}, {"max_depth": 257}, {"max_bytes": 0}], ids=str
)
def test_limits_must_be_within_range(limits: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        ParseLimits(**limits)


@pytest.mark.parametrize(
    ("document", "xpath"),
    [
        (b'<?xml-stylesheet href="x.xsl"?><Hoso/>', "/processing-instruction()"),
        (
            b"<Hoso><NoiDung><?php echo 1; ?></NoiDung></Hoso>",
            "/Hoso/NoiDung/processing-instruction()",
        ),
    ],
)
def test_processing_instructions_are_refused(document: bytes, xpath: str) -> None:
    error = code_of(document)
    assert error.code == "SCH006"
    assert error.xpath == xpath


def test_the_xml_declaration_is_not_a_processing_instruction() -> None:
    assert parse_xml(b'<?xml version="1.0" standalone="yes"?>\n<a/>') is not None


def test_network_is_never_touched_for_xinclude_or_schema_hints() -> None:
    document = (
        b'<a xmlns:xi="http://www.w3.org/2001/XInclude" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xsi:schemaLocation="urn:x http://evil.example/x.xsd">'
        b'<xi:include href="file:///etc/passwd" parse="text"/></a>'
    )
    root = parse_xml(document).getroot()
    assert len(root) == 1 and "root:" not in (root.text or "")


def test_non_bytes_input_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_xml("<a/>")  # type: ignore[arg-type]


def test_prolog_is_returned_byte_for_byte() -> None:
    assert xml_prolog(b'<?xml version="1.0" encoding="UTF-8"?>\r\n<a/>') == (
        b'<?xml version="1.0" encoding="UTF-8"?>\r\n'
    )
    assert xml_prolog(b"\xef\xbb\xbf<a/>") == b"\xef\xbb\xbf"
    assert xml_prolog(b"<a/>") == b""


def test_xpath_of_names_positions_only_where_needed() -> None:
    root = parse_xml(
        b'<Hoso><A/><A><B xmlns="http://www.w3.org/2000/09/xmldsig#"/></A><C xmlns="urn:x"/>'
        b"<!--x--></Hoso>"
    ).getroot()
    assert xpath_of(root[1][0]) == "/Hoso/A[2]/ds:B"
    assert xpath_of(root[2]) == "/Hoso/*[local-name()='C']"
    assert xpath_of(root[3]) == "/Hoso/comment()"
