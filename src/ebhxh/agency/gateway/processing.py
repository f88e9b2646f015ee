"""Which code decides a dossier after its receipt: one handler per procedure code.

Handlers are registered by the apps that own the procedures (registrations registers 04, 05,
06 and HSDKLanDau in its AppConfig.ready), so the gateway never imports them. A handler runs
inside the processing transaction and must end by calling `dossier_progress` or
`dossier_conclude` from `ebhxh.agency.gateway.services`.
"""

from __future__ import annotations

from collections.abc import Callable

from ebhxh.agency.gateway.models import Dossier

Handler = Callable[[Dossier], None]

_HANDLERS: dict[str, Handler] = {}


def register(procedure_code: str, handler: Handler) -> None:
    existing = _HANDLERS.get(procedure_code)
    if existing is not None and existing is not handler:
        raise RuntimeError(f"Thủ tục {procedure_code} đã có bộ xử lý {existing!r}.")
    _HANDLERS[procedure_code] = handler


def handler_for(procedure_code: str) -> Handler | None:
    return _HANDLERS.get(procedure_code)
