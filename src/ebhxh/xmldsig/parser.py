"""The one hardened parse for every untrusted XML document (dossiers, forms, prepared signatures).

Everything that reaches a signer or a verifier goes through `parse_xml`, so the defences live in
one place: no DTD and so no entity declarations at all (a DOCTYPE is refused before libxml2
sees the bytes, so a billion-laughs payload never expands), no network, no huge-tree mode, a
size limit, a depth limit, UTF-8 only (an exotic declared encoding such as UTF-7 could hide a
DOCTYPE from the byte scan) and no processing instructions (see `docs/xmldsig.md`).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree

from ebhxh.pki.errors import XmlSignatureError

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"

_UTF8_BOM = b"\xef\xbb\xbf"
# The XML declaration, as XML 1.0 §2.8 spells it; group "encoding" is the declared encoding.
_XML_DECLARATION = re.compile(
    rb"<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:\"1\.\d+\"|'1\.\d+')"
    rb"(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:\"(?P<enc1>[^\"]*)\"|'(?P<enc2>[^']*)'))?"
    rb"(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:\"(?:yes|no)\"|'(?:yes|no)'))?"
    rb"[ \t\r\n]*\?>[ \t\r\n]*"
)
# libxml2 refuses deeper documents by itself unless huge-tree mode is on (never, here).
LIBXML2_MAX_DEPTH = 256
_DECLARATION_START = re.compile(rb"<\?xml[ \t\r\n]")
_WHITESPACE = re.compile(rb"[ \t\r\n]*")


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """Bounds on what the parser accepts (SCH003 over `max_bytes`, SCH004 over `max_depth`)."""

    max_bytes: int = 10 * 1024 * 1024
    max_depth: int = 64

    def __post_init__(self) -> None:
        if self.max_bytes < 1 or not 1 <= self.max_depth <= LIBXML2_MAX_DEPTH:
            raise ValueError(
                f"ParseLimits: max_bytes must be positive, max_depth 1..{LIBXML2_MAX_DEPTH}"
            )


DEFAULT_LIMITS = ParseLimits()

_parsers = threading.local()


def hardened_parser() -> Any:
    """The hardened lxml parser of this thread (one per thread: lxml serialises concurrent use
    of a shared parser with a lock)."""
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            encoding="utf-8",
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=False,
            remove_pis=False,
            strip_cdata=False,
            collect_ids=False,
        )
        _parsers.parser = parser
    return parser


@lru_cache(maxsize=8)
def _too_deep(max_depth: int) -> Any:
    """Compiled XPath selecting elements deeper than `max_depth`; libxml2 evaluates it in C
    one level at a time, far cheaper than walking the tree in Python."""
    return etree.XPath("/*" * (max_depth + 1))


@lru_cache(maxsize=8)
def _suspicious(max_depth: int) -> Any:
    """One XPath pass that is true when the document is too deep or holds a processing
    instruction; only then are the two looked at separately, to report the right code."""
    return etree.XPath(f"boolean({'/*' * (max_depth + 1)} | //processing-instruction())")


_PROCESSING_INSTRUCTIONS = etree.XPath("//processing-instruction()")


def xml_prolog(data: bytes) -> bytes:
    """The BOM, XML declaration and following whitespace exactly as sent (b"" when absent), so
    a signer can write the document back with its own declaration byte for byte."""
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    match = _XML_DECLARATION.match(data, start)
    return data[: match.end()] if match else data[:start]


def _check_encoding(data: bytes) -> None:
    if data.startswith((b"\xfe\xff", b"\xff\xfe", b"\x00\x00", b"\x00<", b"<\x00")):
        raise XmlSignatureError("SCH001", "only UTF-8 documents are accepted")
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    if not _DECLARATION_START.match(data, start):
        return  # no declaration (or a PI such as <?xml-stylesheet?>, refused later)
    match = _XML_DECLARATION.match(data, start)
    if match is None:
        raise XmlSignatureError("SCH001", "line 1: malformed XML declaration")
    encoding = match["enc1"] or match["enc2"]
    if encoding is not None and encoding.lower() != b"utf-8":
        raise XmlSignatureError(
            "SCH001", f"declared encoding {encoding.decode('ascii', 'replace')!r}: only UTF-8"
        )


def _prolog_end(data: bytes) -> int:
    """Offset of the first token after the prolog's comments, PIs and whitespace (XML 1.0
    `Misc*`). A DOCTYPE - and with it every entity declaration - can only stand there, so
    looking there alone, before libxml2 runs, finds every DTD without scanning the body."""
    position = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    while True:
        whitespace = _WHITESPACE.match(data, position)
        position = whitespace.end() if whitespace else position
        if data.startswith(b"<?", position):
            end, skip = data.find(b"?>", position + 2), 2
        elif data.startswith(b"<!--", position):
            end, skip = data.find(b"-->", position + 4), 3
        else:
            return position
        if end < 0:
            return position
        position = end + skip


def parse_xml(data: bytes, *, limits: ParseLimits = DEFAULT_LIMITS) -> Any:
    """Parse untrusted bytes into an lxml ElementTree, or raise XmlSignatureError (SCH00x).

    Checks, in order: size (SCH003), encoding (SCH001), a DOCTYPE in the prolog (SCH002),
    well-formedness (SCH001, with the parser's line; libxml2's own depth cap gives SCH004),
    no DTD after parsing (SCH002), depth (SCH004), processing instructions (SCH006).
    """
    if type(data) is not bytes:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError("parse_xml expects bytes")
        data = bytes(data)
    if len(data) > limits.max_bytes:
        raise XmlSignatureError(
            "SCH003", f"{len(data)} bytes, the limit is {limits.max_bytes} bytes"
        )
    _check_encoding(data)
    if data.startswith(b"<!DOCTYPE", _prolog_end(data)):
        raise XmlSignatureError("SCH002", "DOCTYPE is not allowed")
    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as exc:
        message = str(exc.msg or exc)
        if "Excessive depth" in message:
            raise XmlSignatureError("SCH004", message) from None
        raise XmlSignatureError("SCH001", f"line {exc.lineno}: {message}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XmlSignatureError("SCH002", "DOCTYPE is not allowed")
    if _suspicious(limits.max_depth)(tree):
        _reject_depth_or_instructions(tree, limits.max_depth)
    return tree


def _reject_depth_or_instructions(tree: Any, max_depth: int) -> None:
    too_deep = _too_deep(max_depth)(tree)
    if too_deep:
        raise XmlSignatureError(
            "SCH004",
            f"elements nested deeper than {max_depth} levels",
            xpath=xpath_of(too_deep[0]),
        )
    instruction = _PROCESSING_INSTRUCTIONS(tree)[0]
    raise XmlSignatureError(
        "SCH006",
        f"processing instruction <?{instruction.target}?> is not allowed",
        xpath=xpath_of(instruction),
    )


def _step(node: Any) -> str:
    parent = node.getparent()
    if isinstance(node, etree._Comment):
        name, same = "comment()", etree.Comment
    elif isinstance(node, etree._ProcessingInstruction):
        name, same = "processing-instruction()", etree.ProcessingInstruction
    else:
        qname = etree.QName(node)
        if qname.namespace == DSIG_NS:
            name = f"ds:{qname.localname}"
        elif qname.namespace:
            name = f"*[local-name()='{qname.localname}']"
        else:
            name = qname.localname
        same = node.tag
    if parent is None:
        return name
    siblings = list(parent.iterchildren(same))
    if len(siblings) == 1:
        return name
    return f"{name}[{siblings.index(node) + 1}]"


def xpath_of(node: Any) -> str:
    """A readable XPath to `node` for rejections (`ds:` for the XMLDSig namespace, positions
    only where siblings share the name), so users see which element is at fault."""
    steps: list[str] = []
    current = node
    while current is not None:
        steps.append(_step(current))
        current = current.getparent()
    return "/" + "/".join(reversed(steps))
