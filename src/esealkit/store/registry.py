"""Registry tables (事项库表) and their import/load functions.

Tables are prefixed ``registry_``. Imports are upserts by key, one transaction per file,
so importing the same file twice changes nothing and a rejected file leaves no trace.

Example::

    from esealkit.store import open_database
    from esealkit.store.registry import import_directory, load_snapshot

    db = open_database()
    db.create_all()
    summary = import_directory(db, "exports/")     # raises ImportRejected on bad rows
    with db.session() as session:
        snapshot = load_snapshot(session, as_of=date.today())
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    String,
    Table,
    case,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from esealkit.registry.errors import ImportRejected, RowError
from esealkit.registry.interchange import (
    parse_enterprises,
    parse_licence_events,
    parse_licence_types,
    parse_matters,
)
from esealkit.registry.model import HolderKind, LicenceType, Matter, Requirement, Satisfaction
from esealkit.registry.snapshot import EnterpriseCount, IssuanceCount, RegistrySnapshot
from esealkit.registry.tables import read_table
from esealkit.store.db import Base, Database
from esealkit.store.upsert import upsert_rows

__all__ = [
    "INTERCHANGE_FILES",
    "ImportSummary",
    "import_directory",
    "load_snapshot",
]

#: The files ``import_directory`` looks for, in the order they are imported.
INTERCHANGE_FILES = ("licence_types", "matters", "licence_events", "enterprises")
_CHUNK = 500


class RegistryLicenceType(Base):
    __tablename__ = "registry_licence_types"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(200))
    holder_kind: Mapped[str] = mapped_column(String(32))
    electronic_since: Mapped[date | None] = mapped_column(Date)
    backfilled_to: Mapped[date | None] = mapped_column(Date)


class RegistryMatter(Base):
    __tablename__ = "registry_matters"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(200), index=True)
    county: Mapped[str] = mapped_column(String(6), index=True)
    online: Mapped[bool] = mapped_column(Boolean)
    other_materials: Mapped[list[str]] = mapped_column(JSON, default=list)


class RegistryMatterLicence(Base):
    """One licence type a matter asks for, and how the requirement is met."""

    __tablename__ = "registry_matter_licences"
    matter_code: Mapped[str] = mapped_column(
        ForeignKey("registry_matters.code", ondelete="CASCADE"), primary_key=True
    )
    type_code: Mapped[str] = mapped_column(
        ForeignKey("registry_licence_types.code"), primary_key=True, index=True
    )
    satisfaction: Mapped[str] = mapped_column(String(32))


class RegistryIssuance(Base):
    __tablename__ = "registry_issuances"
    licence_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type_code: Mapped[str] = mapped_column(ForeignKey("registry_licence_types.code"))
    issued_on: Mapped[date] = mapped_column(Date)
    # No index beyond the key: the KPI query scans every issuance anyway, and an index
    # would slow the import of 100,000 rows by about half.
    electronic: Mapped[bool] = mapped_column(Boolean)


class RegistryLicenceUse(Base):
    __tablename__ = "registry_licence_uses"
    licence_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    matter_code: Mapped[str] = mapped_column(ForeignKey("registry_matters.code"), primary_key=True)
    used_on: Mapped[date] = mapped_column(Date, primary_key=True)
    type_code: Mapped[str] = mapped_column(ForeignKey("registry_licence_types.code"))


class RegistryEnterprise(Base):
    __tablename__ = "registry_enterprises"
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Characters 3-8 of the USCC, kept as a column so counts group by an index.
    county: Mapped[str] = mapped_column(String(6), index=True)
    tax_paying: Mapped[bool] = mapped_column(Boolean)
    uses_e_seal: Mapped[bool] = mapped_column(Boolean)


@dataclass(frozen=True)
class ImportSummary:
    """How many records each imported file held (absent files are not listed)."""

    counts: dict[str, int]


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def store_licence_types(session: Session, types: Sequence[LicenceType]) -> None:
    rows = [
        {
            "code": t.code,
            "name": t.name,
            "department": t.department,
            "holder_kind": t.holder_kind.value,
            "electronic_since": t.electronic_since,
            "backfilled_to": t.backfilled_to,
        }
        for t in types
    ]
    upsert_rows(session, RegistryLicenceType, rows)


def store_matters(session: Session, matters: Sequence[Matter]) -> None:
    """Upsert matters; a matter's requirements are replaced by the new list."""
    rows = [
        {
            "code": m.code,
            "name": m.name,
            "department": m.department,
            "county": m.county,
            "online": m.online,
            "other_materials": list(m.other_materials),
        }
        for m in matters
    ]
    upsert_rows(session, RegistryMatter, rows)
    codes = [m.code for m in matters]
    for chunk in _chunks(codes):
        session.execute(
            delete(RegistryMatterLicence).where(RegistryMatterLicence.matter_code.in_(chunk))
        )
    requirements = [
        {"matter_code": m.code, "type_code": r.type_code, "satisfaction": r.satisfaction.value}
        for m in matters
        for r in m.requirements
    ]
    if requirements:
        session.execute(_table(RegistryMatterLicence).insert(), requirements)


def _known(session: Session, column: Any) -> set[str]:
    return set(session.scalars(select(column)))


def _import_file(session: Session, kind: str, path: Path) -> int:
    table = read_table(path.read_bytes(), path.name)
    if kind == "licence_types":
        types = parse_licence_types(table)
        store_licence_types(session, types)
        return len(types)
    if kind == "matters":
        matters = parse_matters(table, _known(session, RegistryLicenceType.code))
        store_matters(session, matters)
        return len(matters)
    if kind == "licence_events":
        events = parse_licence_events(
            table, _known(session, RegistryLicenceType.code), _known(session, RegistryMatter.code)
        )
        upsert_rows(
            session,
            RegistryIssuance,
            [
                {
                    "licence_id": i.licence_id,
                    "type_code": i.type_code,
                    "issued_on": i.issued_on,
                    "electronic": i.electronic,
                }
                for i in events.issuances
            ],
        )
        upsert_rows(
            session,
            RegistryLicenceUse,
            [
                {
                    "licence_id": u.licence_id,
                    "matter_code": u.matter_code,
                    "used_on": u.used_on,
                    "type_code": u.type_code,
                }
                for u in events.uses
            ],
        )
        return len(events.issuances) + len(events.uses)
    enterprises = parse_enterprises(table)
    upsert_rows(
        session,
        RegistryEnterprise,
        [
            {
                "uscc": e.uscc,
                "name": e.name,
                "county": e.county,
                "tax_paying": e.tax_paying,
                "uses_e_seal": e.uses_e_seal,
            }
            for e in enterprises
        ],
    )
    return len(enterprises)


def find_interchange_files(directory: Path) -> dict[str, Path]:
    """The interchange files present in ``directory`` (``<name>.csv`` or ``<name>.xlsx``)."""
    found: dict[str, Path] = {}
    errors: list[RowError] = []
    for kind in INTERCHANGE_FILES:
        paths = [p for p in (directory / f"{kind}.csv", directory / f"{kind}.xlsx") if p.is_file()]
        if len(paths) > 1:
            errors.append(RowError(paths[0].name, 0, "", f"both {kind}.csv and {kind}.xlsx exist"))
        elif paths:
            found[kind] = paths[0]
    if errors:
        raise ImportRejected(errors)
    return found


def import_directory(db: Database, directory: str | Path) -> ImportSummary:
    """Import whichever of the four interchange files ``directory`` holds.

    Files are imported in dependency order (licence types, matters, events, enterprises),
    each in its own transaction: a file with any bad row raises
    :class:`~esealkit.registry.errors.ImportRejected` and stores nothing from that file;
    the files before it stay imported.
    """
    found = find_interchange_files(Path(directory))
    counts: dict[str, int] = {}
    for kind, path in found.items():
        with db.session() as session:
            counts[kind] = _import_file(session, kind, path)
    return ImportSummary(counts)


def load_snapshot(session: Session, as_of: date) -> RegistrySnapshot:
    """Read the registry as of ``as_of``: events after that date are not counted."""
    types = {
        row.code: LicenceType(
            row.code,
            row.name,
            row.department,
            HolderKind(row.holder_kind),
            row.electronic_since,
            row.backfilled_to,
        )
        for row in session.scalars(select(RegistryLicenceType))
    }
    requirements: dict[str, list[Requirement]] = {}
    for matter_code, type_code, satisfaction in session.execute(
        select(
            RegistryMatterLicence.matter_code,
            RegistryMatterLicence.type_code,
            RegistryMatterLicence.satisfaction,
        ).order_by(RegistryMatterLicence.matter_code, RegistryMatterLicence.type_code)
    ):
        requirements.setdefault(matter_code, []).append(
            Requirement(type_code, Satisfaction(satisfaction))
        )
    matters = tuple(
        Matter(
            m.code,
            m.name,
            m.department,
            m.county,
            m.online,
            tuple(requirements.get(m.code, ())),
            tuple(m.other_materials or ()),
        )
        for m in session.scalars(select(RegistryMatter).order_by(RegistryMatter.code))
    )
    electronic = func.sum(case((RegistryIssuance.electronic, 1), else_=0))
    issuances = {
        type_code: IssuanceCount(int(total), int(n_electronic or 0))
        for type_code, total, n_electronic in session.execute(
            select(RegistryIssuance.type_code, func.count(), electronic)
            .where(RegistryIssuance.issued_on <= as_of)
            .group_by(RegistryIssuance.type_code)
        )
    }
    used = frozenset(
        session.scalars(
            select(RegistryLicenceUse.matter_code)
            .where(RegistryLicenceUse.used_on <= as_of)
            .distinct()
        )
    )
    sealing = func.sum(case((RegistryEnterprise.uses_e_seal, 1), else_=0))
    enterprises = {
        county: EnterpriseCount(int(total), int(n_sealing or 0))
        for county, total, n_sealing in session.execute(
            select(RegistryEnterprise.county, func.count(), sealing)
            .where(RegistryEnterprise.tax_paying.is_(True))
            .group_by(RegistryEnterprise.county)
        )
    }
    return RegistrySnapshot(as_of, types, matters, issuances, used, enterprises)
