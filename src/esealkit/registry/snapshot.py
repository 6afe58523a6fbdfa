"""What the KPIs need from the registry, already aggregated (登记数据快照).

A :class:`RegistrySnapshot` holds the small tables whole (licence types, matters) and the
big ones as counts (issuances per licence type, the set of matters that used a licence,
tax-paying enterprises per county), so that the engine stays a pure function even for a
city with millions of licence events. ``esealkit.store.registry.load_snapshot`` builds
one from the database with SQL aggregates.

Example::

    snapshot = RegistrySnapshot(as_of=date(2026, 1, 1), licence_types={...}, matters=(...))
    kpis = compute_kpis(snapshot, QualificationPolicy())
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from esealkit.registry.model import LicenceType, Matter

__all__ = ["EnterpriseCount", "IssuanceCount", "RegistrySnapshot"]


@dataclass(frozen=True)
class IssuanceCount:
    """Licences of one type issued up to the snapshot date, and how many electronically."""

    total: int
    electronic: int


@dataclass(frozen=True)
class EnterpriseCount:
    """Tax-paying enterprises of one county, and how many of them use e-seals."""

    tax_paying: int
    using_e_seal: int


@dataclass(frozen=True)
class RegistrySnapshot:
    as_of: date
    licence_types: Mapping[str, LicenceType]
    matters: tuple[Matter, ...]
    issuances_by_type: Mapping[str, IssuanceCount] = field(default_factory=dict)
    #: codes of matters with at least one licence use on or before ``as_of``
    matters_with_use: frozenset[str] = frozenset()
    enterprises_by_county: Mapping[str, EnterpriseCount] = field(default_factory=dict)
