"""The four interchange files agencies produce (交换文件): parse and check every row.

=====================  ===============================================================
file                   columns
=====================  ===============================================================
``licence_types``      code, name, department, holder_kind, electronic_since, backfilled_to
``matters``            code, name, department, county, online, required_licence_types,
                       waived_licence_types [, other_materials]
``licence_events``     licence_id, type_code, issued_on, electronic, used_by_matter, used_on
``enterprises``        uscc, name, tax_paying, uses_e_seal
=====================  ===============================================================

Each file is CSV (UTF-8, with or without BOM) or XLSX with the same columns. A file is
parsed whole: either every row is good and the parsed records are returned, or
:class:`~esealkit.registry.errors.ImportRejected` lists every bad row.

Example::

    from esealkit.registry.interchange import parse_licence_types
    from esealkit.registry.tables import read_table

    types = parse_licence_types(read_table(data, "licence_types.csv"))
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from esealkit.registry.errors import ImportRejected, RowError
from esealkit.registry.model import (
    Enterprise,
    HolderKind,
    Issuance,
    LicenceType,
    LicenceUse,
    Matter,
    Requirement,
    Satisfaction,
)
from esealkit.registry.tables import Cell, Row, Table

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "LicenceEvents",
    "parse_enterprises",
    "parse_licence_events",
    "parse_licence_types",
    "parse_matters",
    "uscc_is_valid",
]

COLUMNS: dict[str, tuple[str, ...]] = {
    "licence_types": (
        "code",
        "name",
        "department",
        "holder_kind",
        "electronic_since",
        "backfilled_to",
    ),
    "matters": (
        "code",
        "name",
        "department",
        "county",
        "online",
        "required_licence_types",
        "waived_licence_types",
    ),
    "licence_events": (
        "licence_id",
        "type_code",
        "issued_on",
        "electronic",
        "used_by_matter",
        "used_on",
    ),
    "enterprises": ("uscc", "name", "tax_paying", "uses_e_seal"),
}
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {"matters": ("other_materials",)}

_MAX_TEXT = 200
_CODE = re.compile(r"[^\s;:]{1,64}")
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

T = TypeVar("T")


class _Invalid(Exception):
    """A cell's value is wrong; the reason becomes a RowError."""


@dataclass(frozen=True)
class LicenceEvents:
    issuances: tuple[Issuance, ...]
    uses: tuple[LicenceUse, ...]


class _Rows:
    """Walk a table's rows, turning each cell failure into a RowError."""

    def __init__(self, table: Table, kind: str) -> None:
        self.table = table
        self.errors: list[RowError] = []
        required, optional = COLUMNS[kind], OPTIONAL_COLUMNS.get(kind, ())
        for name in required:
            if name not in table.columns:
                self.error(1, name, "column missing from the header")
        for name in table.columns:
            if name not in required and name not in optional:
                self.error(1, name, f"unknown column (expected: {', '.join(required)})")
        if self.errors:
            raise ImportRejected(self.errors)

    def error(self, row: int, column: str, reason: str) -> None:
        self.errors.append(RowError(self.table.file, row, column, reason))

    def cell(self, row: Row, column: str, parse: Callable[[Cell], T]) -> T | None:
        try:
            return parse(row.cells.get(column))
        except _Invalid as exc:
            self.error(row.number, column, str(exc))
            return None

    def unique(self, seen: dict[str, int], key: str, row: Row, column: str) -> bool:
        if key in seen:
            self.error(row.number, column, f"{key!r} already appears at row {seen[key]}")
            return False
        seen[key] = row.number
        return True

    def finish(self) -> None:
        if self.errors:
            raise ImportRejected(sorted(self.errors, key=lambda e: e.row))


# -- cell parsers -------------------------------------------------------------------------


def _text(value: Cell) -> str:
    if type(value) is str:  # the common case (every CSV cell), kept fast for big files
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # XLSX stores 330102 as a number
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def _required_text(value: Cell) -> str:
    text = _text(value)
    if not text:
        raise _Invalid("empty, a value is required")
    if len(text) > _MAX_TEXT:
        raise _Invalid(f"longer than {_MAX_TEXT} characters")
    return text


def _code(value: Cell) -> str:
    text = _required_text(value)
    if not _CODE.fullmatch(text):
        raise _Invalid(f"{text!r} is not a code (1-64 characters, no spaces, ';' or ':')")
    return text


def _county(value: Cell) -> str:
    text = _text(value)
    if not _COUNTY.fullmatch(text):
        raise _Invalid(f"{text!r} is not a six-digit division code (行政区划代码)")
    return text


def _bool(value: Cell) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Invalid(f"{text!r} is not true or false")


def _optional_date(value: Cell) -> date | None:
    if isinstance(value, datetime):
        raise _Invalid(f"{value.isoformat()} has a time of day; a date is expected")
    if isinstance(value, date):
        return value
    text = _text(value)
    return _parse_date_text(text) if text else None


@functools.lru_cache(maxsize=65_536)
def _parse_date_text(text: str) -> date:
    # Cached: a file of 100,000 events holds only a few thousand distinct dates.
    if not _DATE.fullmatch(text):
        raise _Invalid(f"{text!r} is not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _Invalid(f"{text!r} is not a real date ({exc})") from exc


def _date(value: Cell) -> date:
    result = _optional_date(value)
    if result is None:
        raise _Invalid("empty, a date YYYY-MM-DD is required")
    return result


def _holder_kind(value: Cell) -> HolderKind:
    text = _required_text(value)
    try:
        return HolderKind(_HOLDER_ALIASES.get(text, text.lower()))
    except ValueError:
        choices = ", ".join(k.value for k in HolderKind)
        raise _Invalid(f"{text!r} is not one of {choices} (or 自然人, 法人, 其他组织)") from None


def _list(value: Cell) -> list[str]:
    return [part.strip() for part in _text(value).split(";") if part.strip()]


def uscc_is_valid(uscc: str) -> bool:
    """Check a unified social credit code's form and check character (GB 32100-2015)."""
    if len(uscc) != 18 or any(c not in _USCC_CHARSET for c in uscc):
        return False
    if not uscc[2:8].isdigit():
        return False
    total = sum(_USCC_CHARSET.index(c) * w for c, w in zip(uscc[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARSET[(31 - total % 31) % 31] == uscc[17]


def _uscc(value: Cell) -> str:
    text = _text(value).upper()
    if not uscc_is_valid(text):
        raise _Invalid(f"{text!r} is not a valid unified social credit code (统一社会信用代码)")
    return text


# -- file parsers -------------------------------------------------------------------------


def parse_licence_types(table: Table) -> list[LicenceType]:
    """Parse ``licence_types``; ``backfilled_to`` needs ``electronic_since`` and not after it."""
    rows = _Rows(table, "licence_types")
    seen: dict[str, int] = {}
    result: list[LicenceType] = []
    for row in table.rows:
        code = rows.cell(row, "code", _code)
        name = rows.cell(row, "name", _required_text)
        department = rows.cell(row, "department", _required_text)
        holder = rows.cell(row, "holder_kind", _holder_kind)
        since = rows.cell(row, "electronic_since", _optional_date)
        back = rows.cell(row, "backfilled_to", _optional_date)
        if back is not None and since is None:
            rows.error(row.number, "backfilled_to", "set but electronic_since is empty")
            continue
        if back is not None and since is not None and back > since:
            rows.error(row.number, "backfilled_to", f"{back} is after electronic_since {since}")
            continue
        if code is None or not rows.unique(seen, code, row, "code"):
            continue
        if name is None or department is None or holder is None:
            continue
        result.append(LicenceType(code, name, department, holder, since, back))
    rows.finish()
    return result


def parse_matters(table: Table, known_types: Collection[str]) -> list[Matter]:
    """Parse ``matters``; every type code must be in ``known_types`` (the catalogue).

    Waived types are written ``CODE`` or ``CODE:how`` with how one of ``data_sharing``,
    ``commitment``, ``cancelled``, and must be among the required types.
    """
    rows = _Rows(table, "matters")
    seen: dict[str, int] = {}
    result: list[Matter] = []
    for row in table.rows:
        code = rows.cell(row, "code", _code)
        name = rows.cell(row, "name", _required_text)
        department = rows.cell(row, "department", _required_text)
        county = rows.cell(row, "county", _county)
        online = rows.cell(row, "online", _bool)
        requirements = _requirements(rows, row, known_types)
        others = tuple(_list(row.cells.get("other_materials")))
        if code is None or not rows.unique(seen, code, row, "code"):
            continue
        if name is None or department is None or county is None or online is None:
            continue
        if requirements is not None:
            result.append(Matter(code, name, department, county, online, requirements, others))
    rows.finish()
    return result


def _requirements(
    rows: _Rows, row: Row, known_types: Collection[str]
) -> tuple[Requirement, ...] | None:
    ok = True
    required: list[str] = []
    for code in _list(row.cells.get("required_licence_types")):
        if not _CODE.fullmatch(code) or code not in known_types:
            rows.error(row.number, "required_licence_types", f"unknown licence type code {code!r}")
            ok = False
        elif code in required:
            rows.error(row.number, "required_licence_types", f"{code!r} is listed twice")
            ok = False
        else:
            required.append(code)
    waived: dict[str, Satisfaction] = {}
    for item in _list(row.cells.get("waived_licence_types")):
        code, _, how = (part.strip() for part in item.partition(":"))
        try:
            satisfaction = Satisfaction(how) if how else Satisfaction.WAIVED
            if not satisfaction.waived:
                raise ValueError(how)
        except ValueError:
            rows.error(
                row.number,
                "waived_licence_types",
                f"{how!r} is not a way to waive (data_sharing, commitment, cancelled)",
            )
            ok = False
            continue
        if code not in required:
            rows.error(
                row.number, "waived_licence_types", f"{code!r} is not among the required types"
            )
            ok = False
        else:
            waived[code] = satisfaction
    if not ok:
        return None
    return tuple(
        Requirement(code, waived.get(code, Satisfaction.ELECTRONIC_LICENCE)) for code in required
    )


def parse_licence_events(
    table: Table, known_types: Collection[str], known_matters: Collection[str]
) -> LicenceEvents:
    """Parse ``licence_events``: a row with ``used_by_matter`` is a use, else an issuance.

    An issuance needs ``issued_on`` and ``electronic``; a use needs ``used_on`` (its
    ``issued_on``/``electronic``, when given, must still be valid). A licence is issued
    once per file; identical uses are kept once.
    """
    rows = _Rows(table, "licence_events")
    issued: dict[str, int] = {}
    issuances: list[Issuance] = []
    uses: dict[tuple[str, str, date], LicenceUse] = {}
    for row in table.rows:
        licence_id = rows.cell(row, "licence_id", _code)
        type_code = rows.cell(row, "type_code", _code)
        if type_code is not None and type_code not in known_types:
            rows.error(row.number, "type_code", f"unknown licence type code {type_code!r}")
            type_code = None
        matter = _text(row.cells.get("used_by_matter"))
        if matter:
            if matter not in known_matters:
                rows.error(row.number, "used_by_matter", f"unknown matter code {matter!r}")
            used_on = rows.cell(row, "used_on", _date)
            rows.cell(row, "issued_on", _optional_date)
            if _text(row.cells.get("electronic")):
                rows.cell(row, "electronic", _bool)
            if licence_id and type_code and used_on and matter in known_matters:
                uses[(licence_id, matter, used_on)] = LicenceUse(
                    licence_id, type_code, matter, used_on
                )
            continue
        if _text(row.cells.get("used_on")):
            rows.error(row.number, "used_by_matter", "empty but used_on is set")
        issued_on = rows.cell(row, "issued_on", _date)
        electronic = rows.cell(row, "electronic", _bool)
        if licence_id is None or not rows.unique(issued, licence_id, row, "licence_id"):
            continue
        if type_code is not None and issued_on is not None and electronic is not None:
            issuances.append(Issuance(licence_id, type_code, issued_on, electronic))
    rows.finish()
    return LicenceEvents(tuple(issuances), tuple(uses.values()))


def parse_enterprises(table: Table) -> list[Enterprise]:
    """Parse ``enterprises``; the USCC's check character is verified."""
    rows = _Rows(table, "enterprises")
    seen: dict[str, int] = {}
    result: list[Enterprise] = []
    for row in table.rows:
        uscc = rows.cell(row, "uscc", _uscc)
        name = rows.cell(row, "name", _required_text)
        tax_paying = rows.cell(row, "tax_paying", _bool)
        uses_e_seal = rows.cell(row, "uses_e_seal", _bool)
        if uscc is None or not rows.unique(seen, uscc, row, "uscc"):
            continue
        if name is not None and tax_paying is not None and uses_e_seal is not None:
            result.append(Enterprise(uscc, name, tax_paying, uses_e_seal))
    rows.finish()
    return result
