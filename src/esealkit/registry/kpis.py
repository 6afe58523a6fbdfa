"""KPIs against the city's targets (考核指标), in total, by department and by county.

========================== ================================= ==================================
KPI                        numerator                         denominator
========================== ================================= ==================================
certificate_free_matters   certificate-free matters          matters requiring a licence
e_issuance_rate            electronic issuances              issuances
licence_usage_rate         matters requiring a licence with  matters requiring a licence
                           at least one licence use
e_seal_usage_rate          tax-paying enterprises using      tax-paying enterprises
                           e-seals
online_rate                matters doable online             matters
========================== ================================= ==================================

The count KPI's value is its numerator; a rate's value is numerator / denominator (a
fraction, ``None`` when the denominator is 0). By department, issuances count for the
department of their licence type and enterprises have no department; by county,
enterprises count for the division code in their USCC and issuances have no county.
Rate targets apply to every group; the count target only to the total.

Example::

    report = compute_kpis(snapshot, QualificationPolicy())
    report.total["online_rate"].value, report.by_department["市场监管局"]["online_rate"].gap
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from esealkit.registry.model import LicenceType
from esealkit.registry.qualification import Qualification, QualificationPolicy, qualify
from esealkit.registry.snapshot import RegistrySnapshot

__all__ = ["KPI_NAMES", "KPI_TITLES", "Kpi", "KpiReport", "compute_kpis"]

KPI_NAMES = (
    "certificate_free_matters",
    "e_issuance_rate",
    "licence_usage_rate",
    "e_seal_usage_rate",
    "online_rate",
)

KPI_TITLES = {
    "certificate_free_matters": "Certificate-free matters (免证办事项)",
    "e_issuance_rate": "Licence e-issuance rate (电子证照签发率)",
    "licence_usage_rate": "Licence usage rate (电子证照用证率)",
    "e_seal_usage_rate": "E-seal usage, tax-paying enterprises (电子印章使用率)",
    "online_rate": "Matters doable online (网上可办率)",
}


@dataclass(frozen=True)
class Kpi:
    """One indicator: ``numerator`` of ``denominator`` against ``target`` (None: no target)."""

    name: str
    numerator: int
    denominator: int
    target: float | None
    is_rate: bool

    @property
    def value(self) -> float | None:
        if not self.is_rate:
            return float(self.numerator)
        return self.numerator / self.denominator if self.denominator else None

    @property
    def gap(self) -> float | None:
        """How far the value is below the target (0 when met; None without target/value)."""
        if self.target is None or self.value is None:
            return None
        return max(0.0, self.target - self.value)

    @property
    def needed(self) -> int | None:
        """How many more in the numerator (same denominator) would meet the target."""
        if self.target is None:
            return None
        if not self.is_rate:
            return max(0, math.ceil(self.target) - self.numerator)
        if not self.denominator:
            return None
        # The small tolerance keeps 0.6 * 5 == 3 from rounding up to 4.
        return max(0, math.ceil(self.target * self.denominator - 1e-9) - self.numerator)

    @property
    def met(self) -> bool | None:
        gap = self.gap
        return None if gap is None else gap == 0.0

    def to_dict(self) -> dict[str, Any]:
        target: float | int | None = self.target
        if target is not None and not self.is_rate:
            target = int(target)
        return {
            "value": self.value if self.is_rate else self.numerator,
            "target": target,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "gap": self.gap,
            "needed": self.needed,
            "met": self.met,
        }


@dataclass(frozen=True)
class KpiReport:
    as_of: date
    policy: QualificationPolicy
    qualification: Qualification
    licence_types: Mapping[str, LicenceType]
    total: Mapping[str, Kpi]
    by_department: Mapping[str, Mapping[str, Kpi]]
    by_county: Mapping[str, Mapping[str, Kpi]]

    def to_dict(self) -> dict[str, Any]:
        def group(kpis: Mapping[str, Kpi]) -> dict[str, Any]:
            return {name: kpi.to_dict() for name, kpi in kpis.items()}

        return {
            **group(self.total),
            "as_of": self.as_of.isoformat(),
            "cut_off": self.policy.cut_off.isoformat(),
            "by_department": {k: group(v) for k, v in sorted(self.by_department.items())},
            "by_county": {k: group(v) for k, v in sorted(self.by_county.items())},
        }


class _Tally:
    """Numerators and denominators of every KPI for one group."""

    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, name: str, numerator: int, denominator: int) -> None:
        pair = self.counts[name]
        pair[0] += numerator
        pair[1] += denominator

    def kpis(self, policy: QualificationPolicy, with_count_target: bool) -> dict[str, Kpi]:
        targets: dict[str, float | None] = {
            "certificate_free_matters": (
                float(policy.certificate_free_target) if with_count_target else None
            ),
            "e_issuance_rate": policy.e_issuance_target,
            "licence_usage_rate": policy.usage_target,
            "e_seal_usage_rate": policy.e_seal_target,
            "online_rate": policy.online_target,
        }
        return {
            name: Kpi(
                name,
                numerator=self.counts[name][0],
                denominator=self.counts[name][1],
                target=targets[name],
                is_rate=name != "certificate_free_matters",
            )
            for name in KPI_NAMES
            if name in self.counts
        }


def compute_kpis(snapshot: RegistrySnapshot, policy: QualificationPolicy) -> KpiReport:
    """Qualify the snapshot's matters and compute every KPI, in total and by group."""
    qualification = qualify(snapshot.matters, snapshot.licence_types, snapshot.as_of, policy)
    total = _Tally()
    departments: dict[str, _Tally] = defaultdict(_Tally)
    counties: dict[str, _Tally] = defaultdict(_Tally)
    for name in KPI_NAMES:
        total.add(name, 0, 0)  # the total lists every KPI even when it has no data

    for q in qualification.matters:
        m = q.matter
        for tally in (total, departments[m.department], counties[m.county]):
            tally.add("online_rate", int(m.online), 1)
            if q.requires_licence:
                tally.add("certificate_free_matters", int(q.certificate_free), 1)
                tally.add("licence_usage_rate", int(m.code in snapshot.matters_with_use), 1)
            else:
                tally.add("certificate_free_matters", 0, 0)
                tally.add("licence_usage_rate", 0, 0)

    for type_code, issued in snapshot.issuances_by_type.items():
        total.add("e_issuance_rate", issued.electronic, issued.total)
        licence_type = snapshot.licence_types.get(type_code)
        if licence_type is not None:
            departments[licence_type.department].add(
                "e_issuance_rate", issued.electronic, issued.total
            )

    for county, enterprises in snapshot.enterprises_by_county.items():
        total.add("e_seal_usage_rate", enterprises.using_e_seal, enterprises.tax_paying)
        counties[county].add("e_seal_usage_rate", enterprises.using_e_seal, enterprises.tax_paying)

    return KpiReport(
        as_of=snapshot.as_of,
        policy=policy,
        qualification=qualification,
        licence_types=snapshot.licence_types,
        total=total.kpis(policy, with_count_target=True),
        by_department={k: v.kpis(policy, False) for k, v in departments.items()},
        by_county={k: v.kpis(policy, False) for k, v in counties.items()},
    )
