"""Vietnam's clock, in one place: every date a user sees or a deadline counts is Vietnam's.

Vietnam has kept UTC+7 without daylight saving since 1975, so the zone database's
Asia/Ho_Chi_Minh and a fixed offset agree; the zone name reads better in data. Pure
standard library, so the identifier checks, the signature core and the CLI can use it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

VIETNAM_TZ: Final = ZoneInfo("Asia/Ho_Chi_Minh")


def today_in_vietnam() -> date:
    return datetime.now(VIETNAM_TZ).date()


def vietnam_date(moment: datetime) -> date:
    """The calendar date in Vietnam at an aware `moment`; naive datetimes are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("vietnam_date needs an aware datetime")
    return moment.astimezone(VIETNAM_TZ).date()
