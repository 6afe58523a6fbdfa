"""Cell parsers of the interchange files (单元格解析): each returns a value or raises
:class:`Invalid` with a reason a person can act on.

Example::

    from esealkit.registry._cells import Invalid, date_cell

    date_cell("2021-06-01")        # datetime.date(2021, 6, 1)
    date_cell("2021/06/01")        # raises Invalid("... is not a date written YYYY-MM-DD")
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime

from esealkit.registry.model import HolderKind
from esealkit.registry.tables import Cell

__all__ = [
    "CODE",
    "Invalid",
    "bool_cell",
    "code_cell",
    "county_cell",
    "date_cell",
    "holder_kind_cell",
    "list_cell",
    "optional_date_cell",
    "required_text_cell",
    "text_cell",
    "uscc_cell",
    "uscc_is_valid",
]

_MAX_TEXT = 200
CODE = re.compile(r"[^\s;:]{1,64}")
_COUNTY = re.compile(r"\d{6}", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f"}
_HOLDER_ALIASES = {
    "自然人": "natural_person",
    "法人": "legal_person",
    "其他组织": "other_organisation",
}
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class Invalid(Exception):
    """A cell's value is wrong; the reason becomes a RowError."""


def text_cell(value: Cell) -> str:
    if type(value) is str:  # the common case (every CSV cell), kept fast for big files
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # XLSX stores 330102 as a number
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def required_text_cell(value: Cell) -> str:
    text = text_cell(value)
    if not text:
        raise Invalid("empty, a value is required")
    if len(text) > _MAX_TEXT:
        raise Invalid(f"longer than {_MAX_TEXT} characters")
    return text


def code_cell(value: Cell) -> str:
    text = required_text_cell(value)
    if not CODE.fullmatch(text):
        raise Invalid(f"{text!r} is not a code (1-64 characters, no spaces, ';' or ':')")
    return text


def county_cell(value: Cell) -> str:
    text = text_cell(value)
    if not _COUNTY.fullmatch(text):
        raise Invalid(f"{text!r} is not a six-digit division code (行政区划代码)")
    return text


def bool_cell(value: Cell) -> bool:
    if isinstance(value, bool):
        return value
    text = text_cell(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid(f"{text!r} is not true or false")


def optional_date_cell(value: Cell) -> date | None:
    if isinstance(value, datetime):
        raise Invalid(f"{value.isoformat()} has a time of day; a date is expected")
    if isinstance(value, date):
        return value
    text = text_cell(value)
    return _parse_date_text(text) if text else None


@functools.lru_cache(maxsize=65_536)
def _parse_date_text(text: str) -> date:
    # Cached: a file of 100,000 events holds only a few thousand distinct dates.
    if not _DATE.fullmatch(text):
        raise Invalid(f"{text!r} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise Invalid(f"{text!r} is not a real date ({exc})") from exc


def date_cell(value: Cell) -> date:
    result = optional_date_cell(value)
    if result is None:
        raise Invalid("empty, a date YYYY-MM-DD is required")
    return result


def holder_kind_cell(value: Cell) -> HolderKind:
    text = required_text_cell(value)
    try:
        return HolderKind(_HOLDER_ALIASES.get(text, text.lower()))
    except ValueError:
        choices = ", ".join(k.value for k in HolderKind)
        raise Invalid(f"{text!r} is not one of {choices} (or 自然人, 法人, 其他组织)") from None


def list_cell(value: Cell) -> list[str]:
    return [part.strip() for part in text_cell(value).split(";") if part.strip()]


def uscc_is_valid(uscc: str) -> bool:
    """Check a unified social credit code's form and check character (GB 32100-2015)."""
    if len(uscc) != 18 or any(c not in _USCC_CHARSET for c in uscc):
        return False
    if not uscc[2:8].isdigit():
        return False
    total = sum(_USCC_CHARSET.index(c) * w for c, w in zip(uscc[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARSET[(31 - total % 31) % 31] == uscc[17]


def uscc_cell(value: Cell) -> str:
    text = text_cell(value).upper()
    if not uscc_is_valid(text):
        raise Invalid(f"{text!r} is not a valid unified social credit code (统一社会信用代码)")
    return text
