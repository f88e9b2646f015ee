"""Port: may this I-VAN submit business dossiers for this unit?

The answer lives with the e-service registrations (an ACTIVE 04/ĐK-IVAN registration of the
unit with this I-VAN), which `ebhxh.agency.registrations` owns. That app registers its check
in `AppConfig.ready()`:

    from ebhxh.agency.gateway.eligibility import register_eligibility_check
    register_eligibility_check(unit_has_active_registration)

A check takes the authenticated connection and the verified envelope and returns None (may
submit) or a `GatewayError` (or raises one). Every registered check must pass. With no check
registered the gateway refuses every business dossier with AUT002: it fails closed rather
than letting any I-VAN submit for any unit. Registration procedures (04, 05, 06, HSDKLanDau)
never come here: that is how a unit starts, so any connected I-VAN may carry them.
"""

from __future__ import annotations

from collections.abc import Callable

from ebhxh.agency.gateway.errors import GatewayError
from ebhxh.agency.registry.models import IvanConnection
from ebhxh.dossiers.envelope import UNIT_CODE_XPATH, Envelope

EligibilityCheck = Callable[[IvanConnection, Envelope], GatewayError | None]

_CHECKS: list[EligibilityCheck] = []


def register_eligibility_check(check: EligibilityCheck) -> EligibilityCheck:
    """Add a check (once; registering the same function again changes nothing)."""
    if check not in _CHECKS:
        _CHECKS.append(check)
    return check


def unregister_eligibility_check(check: EligibilityCheck) -> None:
    """Remove a check (tests, benchmarks)."""
    if check in _CHECKS:
        _CHECKS.remove(check)


def registered_checks() -> tuple[EligibilityCheck, ...]:
    return tuple(_CHECKS)


def require_eligible(ivan: IvanConnection, envelope: Envelope) -> None:
    """Raise GatewayError unless every registered check lets `ivan` submit `envelope`."""
    if not _CHECKS:
        raise GatewayError(
            "AUT002",
            "cổng chưa kiểm tra được đăng ký giao dịch điện tử của đơn vị nên chưa nhận hồ sơ "
            "nghiệp vụ",
            xpath=UNIT_CODE_XPATH,
        )
    for check in tuple(_CHECKS):
        refusal = check(ivan, envelope)
        if refusal is not None:
            raise refusal
