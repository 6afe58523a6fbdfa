"""Seal type names (印章类型).

    >>> seal_type_name(2)
    '财务专用章'
    >>> seal_type_name(15) is None
    True

The registration codes of the public-security seal systems (STANDARDS.md §7) give the table
below.  The SES ``type`` integer is opaque in the wild (real v4 seals carry 3, 4, 6 and 15
with meanings that do not match this table, and v1 uses 1 = organisation, 2 = person), so an
unknown value is never an error: it simply has no name.
"""

from __future__ import annotations

__all__ = ["OTHER_SEAL_NAMES", "SEAL_TYPE_NAMES", "SEAL_TYPE_NAMES_V1", "SEAL_TYPE_NAMES_V1_EN", "seal_type_name"]

# Public-security seal registration codes (印章治安管理); STANDARDS.md §7.
SEAL_TYPE_NAMES: dict[int, str] = {
    1: "法定名称章",
    2: "财务专用章",
    3: "发票专用章",
    4: "合同专用章",
    5: "法定代表人名章",
    6: "公章",
    7: "内设机构章",
    8: "分支机构章",
    99: "其他类型印章",
}

# Other seal names in common use that have no registration code of their own.
OTHER_SEAL_NAMES: tuple[str, ...] = (
    "业务专用章",
    "人事专用章",
    "报关专用章",
    "质检专用章",
    "全国统一发票监制章",
    "不动产登记专用章",
)

# GM/T 0031-2014 (v1) ``type``: organisation or personal seal.
SEAL_TYPE_NAMES_V1: dict[int, str] = {1: "单位印章", 2: "个人印章"}
SEAL_TYPE_NAMES_V1_EN: dict[int, str] = {1: "organisation seal", 2: "personal seal"}


def seal_type_name(type_code: int, version: int = 4) -> str | None:
    """The Chinese name of a seal type code, or ``None`` when the code is not known.

    For v1 seals the GM/T 0031 meaning (organisation/personal) is used.
    """
    if version == 1:
        return SEAL_TYPE_NAMES_V1.get(type_code)
    return SEAL_TYPE_NAMES.get(type_code)
