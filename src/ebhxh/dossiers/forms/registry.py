"""Which codec reads which form code (`MaToKhai`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FormCodec(Generic[T]):
    """`build` gives the unsigned form XML; `parse` reads a form (signed or not) into its
    content, raising `DossierFormatError` with the XPath of the first fault."""

    code: str
    root: str
    content_type: type[T]
    build: Callable[[T], bytes]
    parse: Callable[[bytes], T]


_CODECS: dict[str, FormCodec[Any]] = {}


def register(codec: FormCodec[T]) -> FormCodec[T]:
    if codec.code in _CODECS:
        raise RuntimeError(f"Tờ khai {codec.code} đã có bộ đọc.")
    _CODECS[codec.code] = codec
    return codec


def codec_for(form_code: str) -> FormCodec[Any] | None:
    return _CODECS.get(form_code)


def all_codecs() -> tuple[FormCodec[Any], ...]:
    return tuple(_CODECS.values())
