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

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from esealkit.registry._cells import (
    CODE,
    Invalid,
    bool_cell,
    code_cell,
    county_cell,
    date_cell,
    holder_kind_cell,
    list_cell,
    optional_date_cell,
    required_text_cell,
    text_cell,
    uscc_cell,
    uscc_is_valid,
)
from esealkit.registry.errors import ImportRejected, RowError
from esealkit.registry.model import (
    Enterprise,
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

T = TypeVar("T")


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
        except Invalid as exc:
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


# -- file parsers -------------------------------------------------------------------------


def parse_licence_types(table: Table) -> list[LicenceType]:
    """Parse ``licence_types``; ``backfilled_to`` needs ``electronic_since`` and not after it."""
    rows = _Rows(table, "licence_types")
    seen: dict[str, int] = {}
    result: list[LicenceType] = []
    for row in table.rows:
        code = rows.cell(row, "code", code_cell)
        name = rows.cell(row, "name", required_text_cell)
        department = rows.cell(row, "department", required_text_cell)
        holder = rows.cell(row, "holder_kind", holder_kind_cell)
        since = rows.cell(row, "electronic_since", optional_date_cell)
        back = rows.cell(row, "backfilled_to", optional_date_cell)
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
        code = rows.cell(row, "code", code_cell)
        name = rows.cell(row, "name", required_text_cell)
        department = rows.cell(row, "department", required_text_cell)
        county = rows.cell(row, "county", county_cell)
        online = rows.cell(row, "online", bool_cell)
        requirements = _requirements(rows, row, known_types)
        others = tuple(list_cell(row.cells.get("other_materials")))
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
    for code in list_cell(row.cells.get("required_licence_types")):
        if not CODE.fullmatch(code) or code not in known_types:
            rows.error(row.number, "required_licence_types", f"unknown licence type code {code!r}")
            ok = False
        elif code in required:
            rows.error(row.number, "required_licence_types", f"{code!r} is listed twice")
            ok = False
        else:
            required.append(code)
    waived: dict[str, Satisfaction] = {}
    for item in list_cell(row.cells.get("waived_licence_types")):
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
        licence_id = rows.cell(row, "licence_id", code_cell)
        type_code = rows.cell(row, "type_code", code_cell)
        if type_code is not None and type_code not in known_types:
            rows.error(row.number, "type_code", f"unknown licence type code {type_code!r}")
            type_code = None
        matter = text_cell(row.cells.get("used_by_matter"))
        if matter:
            if matter not in known_matters:
                rows.error(row.number, "used_by_matter", f"unknown matter code {matter!r}")
            used_on = rows.cell(row, "used_on", date_cell)
            rows.cell(row, "issued_on", optional_date_cell)
            if text_cell(row.cells.get("electronic")):
                rows.cell(row, "electronic", bool_cell)
            if licence_id and type_code and used_on and matter in known_matters:
                uses[(licence_id, matter, used_on)] = LicenceUse(
                    licence_id, type_code, matter, used_on
                )
            continue
        if text_cell(row.cells.get("used_on")):
            rows.error(row.number, "used_by_matter", "empty but used_on is set")
        issued_on = rows.cell(row, "issued_on", date_cell)
        electronic = rows.cell(row, "electronic", bool_cell)
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
        uscc = rows.cell(row, "uscc", uscc_cell)
        name = rows.cell(row, "name", required_text_cell)
        tax_paying = rows.cell(row, "tax_paying", bool_cell)
        uses_e_seal = rows.cell(row, "uses_e_seal", bool_cell)
        if uscc is None or not rows.unique(seen, uscc, row, "uscc"):
            continue
        if name is not None and tax_paying is not None and uses_e_seal is not None:
            result.append(Enterprise(uscc, name, tax_paying, uses_e_seal))
    rows.finish()
    return result
