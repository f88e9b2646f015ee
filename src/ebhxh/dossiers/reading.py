"""Reading dossier XML element by element, with the XPath of every fault.

Shared by the envelope and the forms so that every part of a dossier refuses unknown,
repeated and missing elements the same way and names the field at fault.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from lxml import etree

from ebhxh.dossiers.errors import DossierFormatError
from ebhxh.identifiers import IdentifierError

T = TypeVar("T")


class ElementReader:
    """The children of one element by name; `optional` names may be absent or empty."""

    def __init__(
        self,
        element: Any,
        path: str,
        allowed: tuple[str, ...],
        *,
        optional: Collection[str] = (),
        repeated: Collection[str] = (),
    ) -> None:
        self.path = path
        self.optional = frozenset(optional)
        self.children: dict[str, Any] = {}
        self.lists: dict[str, list[Any]] = {name: [] for name in repeated}
        for index, child in enumerate(element, start=1):
            if not isinstance(child.tag, str):
                continue  # comments and processing instructions carry nothing
            qname = etree.QName(child)
            name = qname.localname
            if name in self.lists and not qname.namespace:
                self.lists[name].append(child)
                continue
            if name not in allowed or name in self.children or qname.namespace:
                raise DossierFormatError(
                    "SCH006",
                    f"Thành phần <{child.tag}> không thuộc cấu trúc của <{element.tag}>.",
                    xpath=f"{path}/*[{index}]",
                )
            self.children[name] = child

    def has(self, name: str) -> bool:
        return name in self.children

    def element(self, name: str) -> Any:
        child = self.children.get(name)
        if child is None:
            raise DossierFormatError(
                "SCH005", f"Thiếu thành phần bắt buộc <{name}>.", xpath=f"{self.path}/{name}"
            )
        return child

    def text(self, name: str) -> str:
        child = self.children.get(name)
        if child is None and name in self.optional:
            return ""
        value = (self.element(name).text or "").strip()
        if not value and name not in self.optional:
            raise DossierFormatError(
                "SCH005", f"<{name}> không được để trống.", xpath=f"{self.path}/{name}"
            )
        return value

    def parsed(self, name: str, parse: Callable[[str], T], what: str) -> T:
        """The text of `name` through `parse`; a ValueError or IdentifierError becomes SCH007."""
        raw = self.text(name)
        try:
            return parse(raw)
        except (ValueError, IdentifierError) as error:
            reason = error.message if isinstance(error, IdentifierError) else str(error)
            raise DossierFormatError(
                "SCH007", f"{what} '{raw}' không hợp lệ: {reason}", xpath=f"{self.path}/{name}"
            ) from None


def add_text(parent: Any, tag: str, value: str) -> Any:
    element = etree.SubElement(parent, tag)
    element.text = value
    return element
