"""The gateway's eligibility port, answered from e-service registrations.

A business dossier (600, ...) is accepted only from the I-VAN that holds the unit's ACTIVE
registration: the one-provider rule of seed 004 applies to every dossier, not only to the
registration itself. Registered in `RegistrationsConfig.ready()`.
"""

from __future__ import annotations

from ebhxh.agency.gateway.errors import GatewayError
from ebhxh.agency.registrations.selectors import active_registration_of_unit_code
from ebhxh.agency.registry.models import IvanConnection
from ebhxh.dossiers.envelope import UNIT_CODE_XPATH, Envelope
from ebhxh.reference.procedures import ProcedureKind


def unit_has_active_registration(ivan: IvanConnection, envelope: Envelope) -> GatewayError | None:
    """None when `ivan` holds the unit's active registration; AUT002 otherwise."""
    if envelope.procedure.kind is not ProcedureKind.BUSINESS:
        return None
    active = active_registration_of_unit_code(envelope.unit.unit_code)
    if active is not None and active.ivan_id == ivan.pk:
        return None
    if active is None:
        detail = (
            f"đơn vị {envelope.unit.unit_code} chưa có đăng ký giao dịch điện tử đang hoạt động"
        )
    else:
        detail = (
            f"đơn vị {envelope.unit.unit_code} đang đăng ký giao dịch điện tử với "
            f"{active.provider_label}, không phải I-VAN {ivan.provider_id}"
        )
    return GatewayError("AUT002", detail, xpath=UNIT_CODE_XPATH)
