"""The forms (tờ khai) a dossier carries, one codec per form code.

A codec builds a form's XML from its typed content (with an empty `Cky` for the form's own
signature) and reads it back, checking every field. The modules below register their codecs
on import, so importing this package makes every known form available through `codec_for`.
"""

from ebhxh.dossiers.forms import business, registration  # noqa: F401 - registers codecs
from ebhxh.dossiers.forms.registry import FormCodec, all_codecs, codec_for, register

__all__ = ["FormCodec", "all_codecs", "codec_for", "register"]
