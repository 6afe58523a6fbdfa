"""The matter registry (政务服务事项库): certificate-free matters, KPIs and planning.

Example::

    from datetime import date
    from esealkit.registry import QualificationPolicy, compute_kpis, plan
    from esealkit.store import open_database
    from esealkit.store.registry import import_directory, load_snapshot

    db = open_database()
    db.create_all()
    import_directory(db, "exports/")
    with db.session() as session:
        snapshot = load_snapshot(session, as_of=date.today())
    kpis = compute_kpis(snapshot, QualificationPolicy())
    print(kpis.total["certificate_free_matters"].to_dict())

This package holds no cryptography and no database code (that is in ``esealkit.store``).
"""

from esealkit.registry.errors import ImportRejected, RowError
from esealkit.registry.kpis import KPI_NAMES, Kpi, KpiReport, compute_kpis
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
from esealkit.registry.planning import GREEDY_METHOD, Candidate, Plan, plan
from esealkit.registry.qualification import (
    MatterQualification,
    Qualification,
    QualificationPolicy,
    is_available,
    qualify,
)
from esealkit.registry.snapshot import EnterpriseCount, IssuanceCount, RegistrySnapshot

__all__ = [
    "GREEDY_METHOD",
    "KPI_NAMES",
    "Candidate",
    "Enterprise",
    "EnterpriseCount",
    "HolderKind",
    "ImportRejected",
    "Issuance",
    "IssuanceCount",
    "Kpi",
    "KpiReport",
    "LicenceType",
    "LicenceUse",
    "Matter",
    "MatterQualification",
    "Plan",
    "Qualification",
    "QualificationPolicy",
    "RegistrySnapshot",
    "Requirement",
    "RowError",
    "Satisfaction",
    "compute_kpis",
    "is_available",
    "plan",
    "qualify",
]
