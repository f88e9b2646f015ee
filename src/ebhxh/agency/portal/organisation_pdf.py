"""The printable organisation registration a unit without a certificate signs, stamps and
hands in at its BHXH cơ sở (seed 001, step 15). Laid out like the Mẫu 01 PDF (`pdf`): one A4
page, DejaVu Serif embedded, so the diacritics print anywhere."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from ebhxh.agency.portal.models import OrganisationRegistration
from ebhxh.agency.portal.pdf import font_files


def organisation_pdf(registration: OrganisationRegistration) -> bytes:
    from weasyprint import HTML  # heavy import (Pango, fonts): only when a PDF is asked for

    html = render_to_string(
        "portal/pdf/organisation.html",
        {"registration": registration, "fonts": font_files(), "printed_at": timezone.now()},
    )
    return bytes(HTML(string=html).write_pdf())
