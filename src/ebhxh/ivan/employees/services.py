"""Use cases of "Lấy lao động" (seed 000 §II.3.5): fetch a unit's insured employees from BHXH.

Only a unit whose e-service is ACTIVE with this I-VAN may fetch; the agency checks that
again and answers anyone else with AUT002. `employee_fetch_start` records the request and
queues the task after commit; the task (`employee_fetch_run`) pages through
`GET units/{unit_code}/employees` over the I-VAN's gateway port, saving progress after each
page, and replaces the unit's list in one transaction only when every page arrived and made
sense. Any refusal or failure is kept on the fetch (code and Vietnamese message) and leaves
the previous list as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final
from urllib.parse import quote

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from ebhxh.audit.services import SYSTEM_ACTOR, actor_of, audit_record
from ebhxh.core.errors import DomainError
from ebhxh.identifiers.text import fold, is_ascii_digits
from ebhxh.ivan.employees.models import (
    FETCH_TRANSITIONS,
    OPEN_STATUSES,
    Employee,
    EmployeeFetch,
    FetchStatus,
    Gender,
)
from ebhxh.ivan.gateway import GatewayRejection, gateway_client
from ebhxh.ivan.models import Membership, ServiceState, Unit
from ebhxh.ivan.permissions import Capability, require

# The agency allows up to 500 per page (REGISTRATION_EMPLOYEES_MAX_PAGE_SIZE).
PAGE_SIZE: Final = 200
# A unit with more pages than this is not a unit: stop rather than loop on a broken answer.
MAX_PAGES: Final = 2_000
# A fetch still open after this long lost its worker; a new click may start over.
STALE_AFTER: Final = timedelta(minutes=10)


class EmployeeFetchRefused(DomainError):
    """The unit may not fetch now; the message says what to do first."""

    code = "EMP_NOT_ALLOWED"


class FetchFailed(DomainError):
    """A fetch that could not finish; kept on the fetch, never raised to a page."""

    code = "EMP_FAILED"


def _move(fetch: EmployeeFetch, target: FetchStatus) -> None:
    FETCH_TRANSITIONS.check(fetch.status, target)
    fetch.status = target


# --- start ----------------------------------------------------------------------------------


def employee_fetch_start(*, by: Membership, unit: Unit) -> EmployeeFetch:
    """ "Cập nhật ngay": queue a fetch for the unit, or return the one already running."""
    require(by, Capability.PREPARE)
    if unit.company_id != by.company_id:
        raise EmployeeFetchRefused("Đơn vị không thuộc công ty đang làm việc.")
    if unit.service_state != ServiceState.ACTIVE:
        raise EmployeeFetchRefused(
            f"Đơn vị {unit.name} chưa sử dụng dịch vụ BHXH điện tử (trạng thái: "
            f"{unit.get_service_state_display()}). Hãy đăng ký dịch vụ và kích hoạt thành "
            "công trước khi lấy lao động từ BHXH.",
            code="EMP_NOT_ACTIVE",
        )
    if not unit.unit_code:
        raise EmployeeFetchRefused(
            "Đơn vị chưa có mã đơn vị do cơ quan BHXH cấp. Cập nhật mã đơn vị trước khi lấy "
            "lao động.",
            code="EMP_NO_UNIT_CODE",
        )
    now = timezone.now()
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        running = EmployeeFetch.objects.filter(unit=locked, status__in=OPEN_STATUSES).first()
        if running is not None:
            if (running.started_at or running.created_at) > now - STALE_AFTER:
                return running
            _finish_failed(
                running,
                FetchFailed(
                    "Lần lấy trước bị gián đoạn (quá thời gian). Đã bắt đầu lại.",
                    code="EMP_STALE",
                ),
            )
        try:
            with transaction.atomic():
                fetch = EmployeeFetch.objects.create(unit=locked, requested_by=by.user)
        except IntegrityError:  # another click won the race between the read and the insert
            return EmployeeFetch.objects.get(unit=locked, status__in=OPEN_STATUSES)
        audit_record(
            actor=actor_of(by.user),
            action="ivan.employees.fetch_requested",
            target=locked,
            data={"fetch": fetch.pk, "unit_code": locked.unit_code},
        )
        transaction.on_commit(lambda: _enqueue(fetch.pk))
    return fetch


def _enqueue(fetch_id: int) -> None:
    # Imported here: the tasks module imports this one.
    from ebhxh.ivan.employees.tasks import fetch_employees

    fetch_employees.enqueue(fetch_id)


# --- run --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployeeRow:
    """One employee as the gateway answered, checked."""

    insurance_number: str
    citizen_id: str
    full_name: str
    birth_date: date
    gender: str
    position: str
    salary: int | None
    start_date: date | None
    end_date: date | None


def _bad(detail: str) -> FetchFailed:
    return FetchFailed(
        "Cổng BHXH trả về danh sách lao động không đúng định dạng "
        f"({detail}). Thử lại sau; nếu vẫn lỗi, báo cho bộ phận hỗ trợ.",
        code="EMP_BAD_RESPONSE",
    )


def _date(item: dict[str, Any], name: str, *, required: bool) -> date | None:
    value = item.get(name)
    if value in (None, "") and not required:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _bad(f"{name} = {value!r}") from None


def _text(item: dict[str, Any], name: str, limit: int) -> str:
    value = item.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > limit:
        raise _bad(name)
    return value.strip()


def parse_row(item: Any) -> EmployeeRow:
    """One entry of `results`; FetchFailed(EMP_BAD_RESPONSE) when it is not what the API
    documents (src/ebhxh/agency/gateway/openapi.yaml, getUnitEmployees)."""
    if not isinstance(item, dict):
        raise _bad("results")
    number = _text(item, "insurance_number", 10)
    if len(number) != 10 or not is_ascii_digits(number):
        raise _bad(f"mã số BHXH {number!r}")
    citizen_id = _text(item, "citizen_id", 12)
    if citizen_id and (len(citizen_id) != 12 or not is_ascii_digits(citizen_id)):
        raise _bad(f"CCCD {citizen_id!r}")
    full_name = " ".join(_text(item, "full_name", 200).split())
    if not full_name:
        raise _bad("full_name")
    gender = item.get("gender")
    if gender not in Gender.values:
        raise _bad(f"gender = {gender!r}")
    salary = item.get("salary")
    if salary is not None and (not isinstance(salary, int) or isinstance(salary, bool)):
        raise _bad("salary")
    birth_date = _date(item, "birth_date", required=True)
    assert birth_date is not None
    return EmployeeRow(
        insurance_number=number,
        citizen_id=citizen_id,
        full_name=full_name,
        birth_date=birth_date,
        gender=str(gender),
        position=_text(item, "position", 200),
        salary=salary,
        start_date=_date(item, "start_date", required=False),
        end_date=_date(item, "end_date", required=False),
    )


def _page(client: Any, unit_code: str, page: int) -> dict[str, Any]:
    response = client.get(
        f"units/{quote(unit_code, safe='')}/employees",
        params={"page": str(page), "page_size": str(PAGE_SIZE)},
    )
    if response.status_code != 200:
        raise GatewayRejection.from_response(response)
    try:
        body = response.json()
    except ValueError:
        raise _bad("không phải JSON") from None
    if not isinstance(body, dict):
        raise _bad("không phải đối tượng JSON")
    for name in ("count", "pages"):
        value = body.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _bad(name)
    if not isinstance(body.get("results"), list):
        raise _bad("results")
    return body


def employee_fetch_run(*, fetch_id: int) -> EmployeeFetch:
    """The task: page through the gateway, then replace the unit's list, or record why not."""
    with transaction.atomic():
        fetch = EmployeeFetch.objects.select_for_update().select_related("unit").get(pk=fetch_id)
        if fetch.status != FetchStatus.QUEUED:
            return fetch  # a duplicate delivery of the task
        _move(fetch, FetchStatus.RUNNING)
        fetch.started_at = timezone.now()
        fetch.save(update_fields=["status", "started_at"])
    try:
        rows = _download(fetch)
    except GatewayRejection as rejection:
        return _fail(fetch, _rejected(rejection))
    except DomainError as error:  # FetchFailed, GatewayUnavailable, GatewayNotConfigured
        return _fail(fetch, error)
    return _replace(fetch, rows)


def _rejected(rejection: GatewayRejection) -> DomainError:
    message = rejection.message or "Cổng BHXH từ chối yêu cầu lấy lao động."
    if rejection.code == "AUT002":
        message += (
            " Cơ quan BHXH không ghi nhận đơn vị đang sử dụng dịch vụ qua I-VAN này; kiểm tra "
            "Thiết lập/Thông tin sử dụng dịch vụ."
        )
    return DomainError(message, code=rejection.code or f"HTTP{rejection.status}")


def _download(fetch: EmployeeFetch) -> list[EmployeeRow]:
    rows: dict[str, EmployeeRow] = {}
    count = 0
    page, pages = 1, 1
    with gateway_client() as client:
        while page <= pages:
            body = _page(client, fetch.unit.unit_code, page)
            count, pages = body["count"], max(1, body["pages"])
            if pages > MAX_PAGES:
                raise _bad(f"{pages} trang")
            for item in body["results"]:
                row = parse_row(item)
                rows[row.insurance_number] = row
            _progress(fetch, page_done=page, pages=pages, received=len(rows), count=count)
            page += 1
    if len(rows) != count:
        raise FetchFailed(
            f"Danh sách lao động tại BHXH thay đổi trong lúc lấy (nhận {len(rows)}, BHXH báo "
            f"{count}). Nhấn Cập nhật ngay để lấy lại.",
            code="EMP_CHANGED",
        )
    return list(rows.values())


def _progress(
    fetch: EmployeeFetch, *, page_done: int, pages: int, received: int, count: int
) -> None:
    """Saved after each page, in its own short transaction, for the page that polls."""
    fetch.pages_done, fetch.pages_total = page_done, pages
    fetch.received, fetch.count = received, count
    with transaction.atomic():
        EmployeeFetch.objects.filter(pk=fetch.pk).update(
            pages_done=page_done, pages_total=pages, received=received, count=count
        )


def _replace(fetch: EmployeeFetch, rows: list[EmployeeRow]) -> EmployeeFetch:
    """All or nothing: the old list goes only together with the new one arriving."""
    now = timezone.now()
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=fetch.unit_id)
        fetch = EmployeeFetch.objects.select_for_update().get(pk=fetch.pk)
        if fetch.status != FetchStatus.RUNNING:
            return fetch  # given up as stale meanwhile; the newer fetch replaces the list
        removed, _ = Employee.objects.filter(unit=unit).delete()
        Employee.objects.bulk_create(
            [
                Employee(
                    unit=unit,
                    insurance_number=row.insurance_number,
                    citizen_id=row.citizen_id,
                    full_name=row.full_name,
                    search_name=fold(row.full_name),
                    birth_date=row.birth_date,
                    gender=row.gender,
                    position=row.position,
                    salary=row.salary,
                    start_date=row.start_date,
                    end_date=row.end_date,
                    fetched_at=now,
                )
                for row in rows
            ],
            batch_size=500,
        )
        unit_employees_fetched(unit=unit, at=now)
        _move(fetch, FetchStatus.SUCCEEDED)
        fetch.finished_at = now
        fetch.received = len(rows)
        fetch.pages_done = fetch.pages_total = max(fetch.pages_total, 1)
        fetch.save(update_fields=["status", "finished_at", "received", "pages_done", "pages_total"])
        audit_record(
            actor=_fetch_actor(fetch),
            action="ivan.employees.fetched",
            target=unit,
            data={"fetch": fetch.pk, "count": len(rows), "replaced": removed},
        )
    return fetch


def unit_employees_fetched(*, unit: Unit, at: datetime) -> None:
    """`Unit.employees_fetched_at`: the checklist's last step is done (seed 000 §II.3.5)."""
    Unit.objects.filter(pk=unit.pk).update(employees_fetched_at=at)
    unit.employees_fetched_at = at


def _fail(fetch: EmployeeFetch, error: DomainError) -> EmployeeFetch:
    with transaction.atomic():
        fetch = EmployeeFetch.objects.select_for_update().get(pk=fetch.pk)
        if fetch.status == FetchStatus.RUNNING:
            _finish_failed(fetch, error)
    return fetch


def _finish_failed(fetch: EmployeeFetch, error: DomainError) -> None:
    _move(fetch, FetchStatus.FAILED)
    fetch.error_code = error.code[:40]
    fetch.error_message = error.message
    fetch.finished_at = timezone.now()
    fetch.save(update_fields=["status", "error_code", "error_message", "finished_at"])
    audit_record(
        actor=_fetch_actor(fetch),
        action="ivan.employees.fetch_failed",
        target=fetch,
        data={"unit": fetch.unit_id, "code": fetch.error_code},
    )


def _fetch_actor(fetch: EmployeeFetch) -> str:
    user = User.objects.filter(pk=fetch.requested_by_id).first() if fetch.requested_by_id else None
    return actor_of(user) if user is not None else SYSTEM_ACTOR
