"""The built-in decision for business procedures (600 and the like) that no app took over.

Every form must have a codec, carry the unit's own valid signature, read without a fault and
agree with its envelope (unit code, period); the first fault rejects the dossier with its
code and the XPath inside the form, e.g. `/ToKhai/DanhSach/LaoDong[3]/MaSoBHXH`. A dossier
whose forms all pass is accepted with a summary per form.
"""

from __future__ import annotations

from typing import Any

from ebhxh.agency.gateway.content import open_dossier, verify_form
from ebhxh.agency.gateway.errors import GatewayError
from ebhxh.agency.gateway.models import Dossier
from ebhxh.agency.gateway.services import dossier_conclude
from ebhxh.dossiers.envelope import Envelope, file_xpath
from ebhxh.dossiers.errors import DossierFormatError
from ebhxh.dossiers.forms import codec_for
from ebhxh.dossiers.forms.business import D02Report
from ebhxh.pki.errors import RejectionError
from ebhxh.reference.rejections import get_rejection


def _agrees(content: object, envelope: Envelope) -> None:
    """A form must belong to its envelope: same unit, same period."""
    if isinstance(content, D02Report):
        if content.unit_code != envelope.unit.unit_code:
            raise DossierFormatError(
                "SCH007",
                f"Tờ khai ghi mã đơn vị {content.unit_code}, hồ sơ của đơn vị "
                f"{envelope.unit.unit_code}.",
                xpath="/ToKhai/MaDonVi",
            )
        if content.period != envelope.period:
            raise DossierFormatError(
                "SCH007",
                f"Tờ khai kê khai kỳ {content.period}, hồ sơ kỳ {envelope.period}.",
                xpath="/ToKhai/KyKeKhai",
            )


def _summary(form_code: str, content: object) -> dict[str, Any]:
    if isinstance(content, D02Report):
        return {"form": form_code, "employees": len(content.employees), **content.counts()}
    return {"form": form_code}


def _reject(dossier: Dossier, *, index: int, form_code: str, error: Any) -> None:
    detail = str(getattr(error, "detail", "") or "")
    catalogue = get_rejection(error.code).message_vi
    where = f"Tờ khai {form_code} (tệp thứ {index})" if form_code else f"Tệp thứ {index}"
    dossier_conclude(
        dossier=dossier,
        accepted=False,
        code=error.code,
        xpath=error.xpath or "",
        message=f"{catalogue} {where}: {detail}" if detail else f"{catalogue} {where}.",
        result={"form": form_code, "file_index": index, "detail": detail},
    )


def handle_business(dossier: Dossier) -> None:
    """Check every form of the dossier and conclude it (see the module docstring)."""
    try:
        opened = open_dossier(dossier)
    except (DossierFormatError, RejectionError) as error:
        dossier_conclude(
            dossier=dossier,
            accepted=False,
            code=error.code,
            xpath=error.xpath or "",
            message=get_rejection(error.code).message_vi,
            result={"detail": error.detail},
        )
        return
    envelope = opened.envelope
    summaries = []
    for index, file in enumerate(envelope.files, start=1):
        try:
            codec = codec_for(file.form_code)
            if codec is None:
                raise GatewayError(
                    "SCH007",
                    f"tờ khai {file.form_code} chưa được cổng tiếp nhận xử lý tự động",
                    xpath=file_xpath(index, "MaToKhai"),
                )
            verified = verify_form(dossier, envelope, index)
            content = codec.parse(verified.content)
            _agrees(content, envelope)
        except (DossierFormatError, RejectionError, GatewayError) as error:
            _reject(dossier, index=index, form_code=file.form_code, error=error)
            return
        summaries.append(_summary(file.form_code, content))
    described = "; ".join(
        f"{item['form']}: {item.get('employees', 0)} lao động"
        if "employees" in item
        else item["form"]
        for item in summaries
    )
    dossier_conclude(
        dossier=dossier,
        accepted=True,
        message=f"Hồ sơ đã được chấp nhận ({described}).",
        result={"forms": summaries},
    )
