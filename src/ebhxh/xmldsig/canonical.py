"""Inclusive C14N 1.0 (without comments) of a whole document or of one element in context.

lxml canonicalises whole documents correctly, but its subtree C14N (`tostring(element,
method="c14n")`) is wrong whenever the default namespace is declared above the element: it
writes `xmlns=""` on grandchildren. It also drops the `xml:*` attributes that C14N 1.0 makes an
element inherit from its ancestors. So a subtree is canonicalised as a standalone copy that
carries every in-scope namespace and the inherited `xml:*` attributes on its apex, which is
exactly the document subset C14N 1.0 describes, and whole-document C14N does the rest.
"""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree

XML_NS = "http://www.w3.org/XML/1998/namespace"


def canonical_document(tree: Any) -> bytes:
    """C14N 1.0 without comments of the whole document: what Reference URI="" digests."""
    return bytes(etree.tostring(tree, method="c14n", exclusive=False, with_comments=False))


def canonical_subtree(element: Any) -> bytes:
    """C14N 1.0 without comments of `element` and its descendants, in its document's context
    (in-scope namespaces and inherited xml:* attributes), e.g. SignedInfo or a ds:Object."""
    attributes = dict(element.attrib)
    ancestor = element.getparent()
    while ancestor is not None:
        for name, value in ancestor.attrib.items():
            if name.startswith(f"{{{XML_NS}}}") and name not in attributes:
                attributes[name] = value
        ancestor = ancestor.getparent()
    apex = etree.Element(element.tag, attributes, nsmap=element.nsmap)
    apex.text = element.text
    for child in element:
        apex.append(copy.deepcopy(child))
    return canonical_document(apex.getroottree())


def remove_keeping_tail(element: Any) -> None:
    """Unlink `element` but keep the text that followed it, as the enveloped-signature
    transform does (lxml would otherwise drop the tail together with the element)."""
    parent = element.getparent()
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)
