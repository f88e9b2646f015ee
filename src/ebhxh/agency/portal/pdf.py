"""The printable Mẫu số 01 (PDF) a person without a certificate signs by hand and presents.

WeasyPrint lays the HTML template out with Pango and embeds the font subsets it used, so the
PDF shows Vietnamese diacritics on any printer or viewer. The font is DejaVu Serif (it has
every Vietnamese glyph, and reads like the Times of official forms), loaded by file path from
`PORTAL_PDF_FONT_DIRS` so the result does not depend on the machine's font configuration;
without those files Pango falls back to whatever serif font fontconfig offers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from ebhxh.agency.portal.models import IndividualRegistration

FONT_FILES = {
    "regular": "DejaVuSerif.ttf",
    "bold": "DejaVuSerif-Bold.ttf",
    "italic": "DejaVuSerif-Italic.ttf",
}


def font_files() -> dict[str, str]:
    """`file://` URLs of the DejaVu Serif faces found, by style."""
    found: dict[str, str] = {}
    for folder in settings.PORTAL_PDF_FONT_DIRS:
        for style, name in FONT_FILES.items():
            path = Path(folder) / name
            if style not in found and path.is_file():
                found[style] = path.resolve().as_uri()
    return found


def mau01_pdf(
    registration: IndividualRegistration, *, context: dict[str, Any] | None = None
) -> bytes:
    """The filled-in form as PDF bytes."""
    from weasyprint import HTML  # heavy import (Pango, fonts): only when a PDF is asked for

    html = render_to_string(
        "portal/pdf/mau01.html",
        {
            "registration": registration,
            "fonts": font_files(),
            "printed_at": timezone.now(),
            **(context or {}),
        },
    )
    return bytes(HTML(string=html).write_pdf())
