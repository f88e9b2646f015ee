"""Target groups (nhóm đối tượng), characters 11-12 of a unit code in the 2025 structure.

Kept as data so that a group the agency adds later is a one-line change here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

TARGET_GROUPS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "DN": "doanh nghiệp",
        "HC": "cơ quan hành chính",
        "SN": "đơn vị sự nghiệp",
        "LV": "lực lượng vũ trang",
        "HX": "hợp tác xã",
        "NN": "tổ chức, cơ quan nước ngoài",
        "HK": "hộ kinh doanh",
        "TC": "tổ chức khác",
    }
)
