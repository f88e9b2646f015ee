"""The paper TK3-TS (tờ khai đơn vị tham gia BHXH lần đầu) for provinces where BHXH does not
take the first-time registration electronically (seed 000 §I TH2): print, sign, stamp, post or
hand in at the one-stop desk. WeasyPrint with DejaVu Serif loaded by file path (the fonts of
`PORTAL_PDF_FONT_DIRS`), so the Vietnamese diacritics print anywhere.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from ebhxh.identifiers import TARGET_GROUPS
from ebhxh.ivan.enrolment.services import local_agencies
from ebhxh.ivan.models import Company, Unit

FONT_FILES = {"regular": "DejaVuSerif.ttf", "bold": "DejaVuSerif-Bold.ttf"}


def font_files() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in settings.PORTAL_PDF_FONT_DIRS:
        for style, name in FONT_FILES.items():
            path = Path(folder) / name
            if style not in found and path.is_file():
                found[style] = path.resolve().as_uri()
    return found


def unit_code_request_pdf(unit: Unit, *, company: Company) -> bytes:
    """The form filled with what the I-VAN knows; the rest is left to write by hand."""
    from weasyprint import HTML  # heavy import (Pango, fonts): only when a PDF is asked for

    html = render_to_string(
        "ivan/enrolment/tk3_pdf.html",
        {
            "unit": unit,
            "company": company,
            "agencies": local_agencies(unit.province_id),
            "target_groups": TARGET_GROUPS.items(),
            "fonts": font_files(),
            "printed_at": timezone.localtime(),
        },
    )
    return bytes(HTML(string=html).write_pdf())
